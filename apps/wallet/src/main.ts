// The wallet service as its own process (distributed mode).
import 'reflect-metadata';
import { WalletModule } from '@creditflow/wallet-service';
import { runService } from '@creditflow/shell';

runService('wallet', WalletModule, 3002);

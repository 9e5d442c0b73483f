// The wallet service as its own process (distributed mode), with the ops read models built from its store.
import 'reflect-metadata';
import { OpsModule } from '@creditflow/ops-service';
import { runService } from '@creditflow/shell';
import { WalletModule } from '@creditflow/wallet-service';

runService('wallet', WalletModule, 3002, [OpsModule]);

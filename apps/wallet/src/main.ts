// The wallet service as its own process (distributed mode), with the ops read models built from its store and the reconciler reading it.
import 'reflect-metadata';
import { OpsModule } from '@creditflow/ops-service';
import { ReconcilerModule } from '@creditflow/reconciler-service';
import { runService } from '@creditflow/shell';
import { WalletModule } from '@creditflow/wallet-service';

runService('wallet', WalletModule, 3002, [OpsModule, ReconcilerModule]);

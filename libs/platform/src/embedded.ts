import { OpsModule } from '@creditflow/ops-service';
import { ReconcilerModule } from '@creditflow/reconciler-service';
import { PricingModule } from '@creditflow/pricing-service';
import { RefundModule } from '@creditflow/refund-service';
import { SchedulerModule } from '@creditflow/scheduler-service';
import { WalletModule } from '@creditflow/wallet-service';

/** The services the embedded platform hosts, each on its own bus transport (consumer group). */
export const embeddedServices = [
  { name: 'pricing' as const, module: PricingModule },
  { name: 'wallet' as const, module: WalletModule },
  { name: 'subscription-scheduler' as const, module: SchedulerModule },
  { name: 'refund' as const, module: RefundModule },
];

/** Modules without bus handlers: the ops read models and the reconciler, both reading the wallet's store. */
export const embeddedExtras = [OpsModule, ReconcilerModule];

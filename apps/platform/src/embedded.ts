import { PricingModule } from '@creditflow/pricing-service';
import { WalletModule } from '@creditflow/wallet-service';

/** The services the embedded platform hosts, each on its own bus transport. */
export const embeddedServices = [
  { name: 'pricing' as const, module: PricingModule },
  { name: 'wallet' as const, module: WalletModule },
];

// Subscription commands. Time arrives on the command (`now`), put there by the shell's clock.
import { BillingPeriod, PlanTerms } from './subscription.plan';

export type SubscriptionCommand =
  | {
      type: 'StartSubscription';
      data: { tenantId: string; accountId: string; planId: string; billingPeriod: BillingPeriod; plan: PlanTerms; now: Date };
    }
  | { type: 'CancelSubscription'; data: { now: Date } }
  | { type: 'Tick'; data: { now: Date } };

export type SubscriptionCommandType = SubscriptionCommand['type'];

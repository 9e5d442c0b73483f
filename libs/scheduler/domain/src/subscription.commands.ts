// Subscription commands. Time arrives on the command (`now`), put there by the shell's clock.
// `requestId` (optional) names the request a command came from, e.g. the id of a payment-side
// message: a request already handled changes nothing, so a redelivered message is applied once.
import { BillingPeriod, PlanTerms } from './subscription.plan';

export type SubscriptionCommand =
  | {
      type: 'StartSubscription';
      data: { tenantId: string; accountId: string; planId: string; billingPeriod: BillingPeriod; plan: PlanTerms; now: Date; requestId?: string };
    }
  | { type: 'CancelSubscription'; data: { now: Date; requestId?: string } }
  | { type: 'Tick'; data: { now: Date } };

export type SubscriptionCommandType = SubscriptionCommand['type'];

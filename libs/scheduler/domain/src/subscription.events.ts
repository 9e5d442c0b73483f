// Subscription events: facts on the stream `subscription-<tenant>_<account>`. `RolloverExpiryDue` and
// `MonthlyGrantDue` are the scheduler's output (published to creditflow.scheduler.v1 as
// `rollover-expiry` and `monthly-grant`); their `eventId` is deterministic, so a consumer that sees one
// twice applies it once. Times are ISO 8601 UTC strings; every field evolve needs is on the event.
import { Credits } from '@creditflow/kernel';
import { BillingPeriod, PlanTerms } from './subscription.plan';

export type GrantLotType = 'subscription' | 'trial';

export type SubscriptionEvent =
  | {
      type: 'SubscriptionStarted';
      data: {
        subscriptionId: string; tenantId: string; accountId: string; planId: string; billingPeriod: BillingPeriod; plan: PlanTerms;
        /** Cycle 0 starts here; every later cycle is computed from it. */
        anchor: string; startedAt: string;
      };
    }
  | {
      type: 'SubscriptionPlanChangeScheduled';
      data: { subscriptionId: string; planId: string; billingPeriod: BillingPeriod; plan: PlanTerms; effectiveCycle: number; effectiveAt: string; requestedAt: string };
    }
  | {
      type: 'SubscriptionPlanChanged';
      data: { subscriptionId: string; planId: string; billingPeriod: BillingPeriod; plan: PlanTerms; cycle: number; at: string };
    }
  | {
      type: 'SubscriptionCancelled';
      /** No grant at or after `endsAt` (the boundary starting cycle `endCycle`). */
      data: { subscriptionId: string; cancelledAt: string; endCycle: number; endsAt: string };
    }
  /** A scheduled plan change taken back before its boundary (the customer returned to the current plan). */
  | { type: 'SubscriptionPlanChangeWithdrawn'; data: { subscriptionId: string; withdrawnAt: string } }
  /** A cancellation taken back before the subscription ended. */
  | { type: 'SubscriptionResumed'; data: { subscriptionId: string; resumedAt: string } }
  | { type: 'SubscriptionEnded'; data: { subscriptionId: string; cycle: number; at: string } }
  /** A request with an id (a payment-side message) was decided; the same id again changes nothing. */
  | { type: 'SubscriptionRequestHandled'; data: { requestId: string; handledAt: string } }
  | {
      type: 'RolloverExpiryDue';
      data: {
        /** `rollover-expiry:<subscriptionId>:<cycle>` */
        eventId: string; subscriptionId: string; tenantId: string; accountId: string;
        /** The cycle that ends at `at`. */
        cycle: number; at: string;
        /** Subscription credits granted before `at` are kept up to this total; the rest expires. */
        rolloverCap: Credits;
      };
    }
  | {
      type: 'MonthlyGrantDue';
      data: {
        /** `monthly-grant:<subscriptionId>:<cycle>`; also a natural lot id. */
        eventId: string; subscriptionId: string; tenantId: string; accountId: string; planId: string;
        cycle: number; at: string; amount: Credits; lotType: GrantLotType;
        /** Next cycle start when the plan's rollover cap is 0 (refresh), else null (rollover decides). */
        expiresAt: string | null;
      };
    };

export type SubscriptionEventType = SubscriptionEvent['type'];

export function monthlyGrantId(subscriptionId: string, cycle: number): string {
  return `monthly-grant:${subscriptionId}:${cycle}`;
}

export function rolloverExpiryId(subscriptionId: string, cycle: number): string {
  return `rollover-expiry:${subscriptionId}:${cycle}`;
}

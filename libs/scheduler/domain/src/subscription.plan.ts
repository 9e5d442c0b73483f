// What the scheduler needs to know about a plan. The tenant file (libs/tenancy) supplies it; prices are
// not here: the billing period only decides when a paid period ends, grants are monthly either way.
import { Credits } from '@creditflow/kernel';

export type BillingPeriod = 'monthly' | 'yearly';

export interface PlanTerms {
  /** Credits granted at each cycle start; null = custom allocation (granted by an admin, not scheduled). */
  monthlyCredits: Credits | null;
  /** Subscription credits kept at a cycle end; the excess expires. 0 = the balance refreshes each cycle. */
  rolloverCap: Credits;
  /** Granted once per account as a trial lot, never renewed (amisi `free`). */
  oneTime: boolean;
}

export interface SubscribedPlan {
  planId: string;
  billingPeriod: BillingPeriod;
  plan: PlanTerms;
}

export function samePlan(a: SubscribedPlan, b: SubscribedPlan): boolean {
  return (
    a.planId === b.planId &&
    a.billingPeriod === b.billingPeriod &&
    a.plan.monthlyCredits === b.plan.monthlyCredits &&
    a.plan.rolloverCap === b.plan.rolloverCap &&
    a.plan.oneTime === b.plan.oneTime
  );
}

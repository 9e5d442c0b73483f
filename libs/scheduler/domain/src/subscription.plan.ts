// What the scheduler needs to know about a plan. The tenant file (libs/tenancy) supplies it; prices are
// not here: the billing period only decides when a paid period ends, grants are monthly either way.
import { Credits, parseCredits } from '@creditflow/kernel';
import { BillingPeriodUnavailableError, CustomAllocationRequiredError, FixedAllocationError, UnknownPlanError } from './subscription.errors';

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

/** A plan as the tenant's file offers it (the fields of libs/tenancy's plans this rule reads). */
export interface PlanOffer {
  id: string;
  /** The allocation is agreed per contract (amisi enterprise); monthlyCredits and rolloverCap are null. */
  custom: boolean;
  monthlyCredits: Credits | null;
  rolloverCap: Credits | null;
  /** The periods it is sold for; only whether `yearly` is there matters here. */
  prices: { monthly?: unknown; yearly?: unknown };
  /** Granted once when the plan is taken, never renewed (amisi free). */
  oneTime?: Credits;
}

export interface SubscriptionRequest {
  planId: string;
  billingPeriod: BillingPeriod;
  /** Only for a custom plan: the contract's allocation, decimal strings at the tenant's precision. */
  monthlyCredits?: string;
  rolloverCap?: string;
}

/**
 * The terms a subscription request takes from the tenant's plans, checked in this order:
 * - the plan must be one of the tenant's (SCHEDULER.UNKNOWN_PLAN, naming them);
 * - a custom plan takes monthlyCredits and rolloverCap from the request and needs both
 *   (SCHEDULER.CUSTOM_PLAN); whatever the billing period;
 * - a plan with fixed credits refuses them (SCHEDULER.INVALID_REQUEST);
 * - yearly only where the plan has a yearly price (SCHEDULER.BILLING_PERIOD_UNAVAILABLE), except a
 *   one-time plan, which is never billed again;
 * - a one-time plan grants its `oneTime` credits once; any other plan its monthly credits each cycle.
 */
export function planTerms(tenant: { plans: readonly PlanOffer[]; precision: number }, request: SubscriptionRequest): PlanTerms {
  const { planId, billingPeriod } = request;
  const plan = tenant.plans.find((p) => p.id === planId);
  if (!plan) throw new UnknownPlanError(planId, tenant.plans.map((p) => p.id));
  if (plan.custom || plan.monthlyCredits === null || plan.rolloverCap === null) {
    if (request.monthlyCredits === undefined || request.rolloverCap === undefined) throw new CustomAllocationRequiredError(planId);
    return {
      monthlyCredits: parseCredits(request.monthlyCredits, tenant.precision),
      rolloverCap: parseCredits(request.rolloverCap, tenant.precision),
      oneTime: false,
    };
  }
  if (request.monthlyCredits !== undefined || request.rolloverCap !== undefined) throw new FixedAllocationError(planId);
  if (billingPeriod === 'yearly' && !plan.prices.yearly && plan.oneTime === undefined) {
    throw new BillingPeriodUnavailableError(planId, Object.keys(plan.prices));
  }
  return plan.oneTime !== undefined
    ? { monthlyCredits: plan.oneTime, rolloverCap: plan.rolloverCap, oneTime: true }
    : { monthlyCredits: plan.monthlyCredits, rolloverCap: plan.rolloverCap, oneTime: false };
}

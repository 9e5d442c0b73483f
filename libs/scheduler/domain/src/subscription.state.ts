// A subscription's state is a fold of its events. `evolve` never throws, validates or reads the clock.
import { assertNever, ZERO } from '@creditflow/kernel';
import { SubscriptionEvent } from './subscription.events';
import { BillingPeriod, PlanTerms } from './subscription.plan';

/**
 * none: never started. active: granting each cycle. cancelling: granting until `endCycle`, then ended.
 * ended: cancelled and past its end (a new StartSubscription starts a new subscription).
 */
export type SubscriptionStatus = 'none' | 'active' | 'cancelling' | 'ended';

export interface PendingPlanChange {
  planId: string;
  billingPeriod: BillingPeriod;
  plan: PlanTerms;
  effectiveCycle: number;
}

export interface SubscriptionState {
  status: SubscriptionStatus;
  tenantId: string;
  accountId: string;
  /** How many subscriptions this account has started; the current one's id ends in this number. */
  starts: number;
  subscriptionId: string;
  planId: string;
  billingPeriod: BillingPeriod;
  plan: PlanTerms;
  /** ISO start of cycle 0. */
  anchor: string;
  /** The cycle the subscription is in: the last boundary processed. -1 before a start. */
  cycle: number;
  /** First cycle of the current paid period (0, or the cycle a plan change took effect). */
  periodStartCycle: number;
  /** The boundary at which a cancelled subscription ends. */
  endCycle: number | null;
  pending: PendingPlanChange | null;
  /** One-time plans already granted to this account (a one-time grant is never repeated). */
  oneTimeGrants: readonly string[];
  /** Ids of the requests (payment-side messages) already decided on this stream. */
  handledRequests: readonly string[];
}

export const initialState: SubscriptionState = {
  status: 'none',
  tenantId: '',
  accountId: '',
  starts: 0,
  subscriptionId: '',
  planId: '',
  billingPeriod: 'monthly',
  plan: { monthlyCredits: null, rolloverCap: ZERO, oneTime: false },
  anchor: '',
  cycle: -1,
  periodStartCycle: 0,
  endCycle: null,
  pending: null,
  oneTimeGrants: [],
  handledRequests: [],
};

export function evolve(state: SubscriptionState, event: SubscriptionEvent): SubscriptionState {
  switch (event.type) {
    case 'SubscriptionStarted': {
      const d = event.data;
      return {
        ...state, status: 'active', tenantId: d.tenantId, accountId: d.accountId, starts: state.starts + 1, subscriptionId: d.subscriptionId,
        planId: d.planId, billingPeriod: d.billingPeriod, plan: d.plan, anchor: d.anchor, cycle: 0, periodStartCycle: 0, endCycle: null, pending: null,
      };
    }
    case 'SubscriptionPlanChangeScheduled': {
      const d = event.data;
      return { ...state, pending: { planId: d.planId, billingPeriod: d.billingPeriod, plan: d.plan, effectiveCycle: d.effectiveCycle } };
    }
    case 'SubscriptionPlanChanged': {
      const d = event.data;
      return { ...state, planId: d.planId, billingPeriod: d.billingPeriod, plan: d.plan, periodStartCycle: d.cycle, pending: null };
    }
    case 'SubscriptionPlanChangeWithdrawn':
      return { ...state, pending: null };
    case 'SubscriptionCancelled':
      // A cancelled subscription does not switch plans on its way out.
      return { ...state, status: 'cancelling', endCycle: event.data.endCycle, pending: null };
    case 'SubscriptionResumed':
      return { ...state, status: 'active', endCycle: null };
    case 'SubscriptionEnded':
      return { ...state, status: 'ended', endCycle: null, pending: null };
    case 'SubscriptionRequestHandled':
      return { ...state, handledRequests: [...state.handledRequests, event.data.requestId] };
    case 'RolloverExpiryDue':
      // Emitted first at every boundary, so it marks the boundary as processed.
      return { ...state, cycle: event.data.cycle + 1 };
    case 'MonthlyGrantDue':
      return event.data.lotType === 'trial' && !state.oneTimeGrants.includes(event.data.planId)
        ? { ...state, oneTimeGrants: [...state.oneTimeGrants, event.data.planId] }
        : state;
    default:
      return assertNever(event);
  }
}

export function fold(events: Iterable<SubscriptionEvent>, from: SubscriptionState = initialState): SubscriptionState {
  let state = from;
  for (const e of events) state = evolve(state, e);
  return state;
}

// Stored form of the scheduler's streams (`subscription-<tenant>_<account>`, `dailyreset-<tenant>`),
// their messages on creditflow.scheduler.v1 (published from the store), and the HTTP view of a subscription.
import { DailyResetData, MonthlyGrantData, RolloverExpiryData, SCHEDULER_TYPES, TOPICS, cloudEvent, messageKey } from '@creditflow/contracts';
import { RecordedEvent, decodeEvent } from '@creditflow/event-store';
import { formatCredits } from '@creditflow/kernel';
import { OutboundMessage } from '@creditflow/messaging';
import { DailyResetEvent, SubscriptionEvent, SubscriptionState, cycleStart } from '@creditflow/scheduler-domain';

export const SUBSCRIPTION_CATEGORY = 'subscription';
/** No dash inside: the category is the part before the first dash. */
export const DAILY_RESET_CATEGORY = 'dailyreset';

export function subscriptionStream(tenantId: string, accountId: string): string {
  return `${SUBSCRIPTION_CATEGORY}-${tenantId}_${accountId}`;
}

export function dailyResetStream(tenantId: string): string {
  return `${DAILY_RESET_CATEGORY}-${tenantId}`;
}

export function toSubscriptionEvent(r: RecordedEvent): SubscriptionEvent {
  return decodeEvent<SubscriptionEvent>(r);
}

/**
 * The public view of a subscription: what it is and what happens next, in ISO times. Internals of
 * the fold (request ids, one-time grant bookkeeping, plan terms) stay out.
 */
export function subscriptionView(state: SubscriptionState) {
  const anchor = new Date(state.anchor);
  const live = state.status === 'active' || state.status === 'cancelling';
  const recurring = live && !state.plan.oneTime;
  const at = (cycle: number) => cycleStart(anchor, cycle).toISOString();
  return {
    subscriptionId: state.subscriptionId,
    accountId: state.accountId,
    planId: state.planId,
    billingPeriod: state.billingPeriod,
    status: state.status,
    /** Cycle 0 starts here; every boundary is computed from it. */
    anchor: state.anchor,
    /** The cycle whose grant was recorded last (cycles are monthly for every billing period). */
    currentCycle: live ? { number: state.cycle, startedAt: at(state.cycle), endsAt: recurring ? at(state.cycle + 1) : null } : null,
    /** When the next rollover expiry and grant (or the end) are due; null for one-time plans and ended subscriptions. */
    nextBoundaryAt: recurring ? at(state.cycle + 1) : null,
    pendingChange: live && state.pending
      ? { planId: state.pending.planId, billingPeriod: state.pending.billingPeriod, effectiveAt: at(state.pending.effectiveCycle) }
      : null,
    cancellation: state.status === 'cancelling' && state.endCycle !== null ? { endsAt: at(state.endCycle) } : null,
  };
}

export type SubscriptionView = ReturnType<typeof subscriptionView>;

/** Due events recorded on subscription and daily-reset streams -> creditflow.scheduler.v1. */
export function schedulerMessages(recorded: RecordedEvent): { topic: string; message: OutboundMessage }[] {
  const source = 'creditflow/subscription-scheduler';
  if (recorded.type === 'DailyResetDue') {
    const d = (recorded.data as DailyResetEvent['data']);
    const data: DailyResetData = { eventId: d.eventId, day: d.day, at: d.at, timeZone: d.timeZone };
    // Tenant-wide: keyed by the tenant, no subject. Resets of one tenant stay in order.
    return [{
      topic: TOPICS.scheduler,
      message: { key: d.tenantId, value: cloudEvent({ id: d.eventId, source, type: SCHEDULER_TYPES.dailyReset, time: d.at, tenantid: d.tenantId, data }) },
    }];
  }
  const event = toSubscriptionEvent(recorded);
  if (event.type !== 'MonthlyGrantDue' && event.type !== 'RolloverExpiryDue') return [];
  const d = event.data;
  const key = messageKey(d.tenantId, d.accountId);
  const base = { id: d.eventId, source, subject: d.accountId, time: d.at, tenantid: d.tenantId };
  if (event.type === 'MonthlyGrantDue') {
    const data: MonthlyGrantData = {
      eventId: d.eventId, subscriptionId: d.subscriptionId, accountId: d.accountId, planId: event.data.planId, cycle: d.cycle,
      lotType: event.data.lotType, amount: formatCredits(event.data.amount), at: d.at, expiresAt: event.data.expiresAt,
    };
    return [{ topic: TOPICS.scheduler, message: { key, value: cloudEvent({ ...base, type: SCHEDULER_TYPES.monthlyGrant, data }) } }];
  }
  const data: RolloverExpiryData = {
    eventId: d.eventId, subscriptionId: d.subscriptionId, accountId: d.accountId, cycle: d.cycle, rolloverCap: formatCredits(event.data.rolloverCap), at: d.at,
  };
  return [{ topic: TOPICS.scheduler, message: { key, value: cloudEvent({ ...base, type: SCHEDULER_TYPES.rolloverExpiry, data }) } }];
}

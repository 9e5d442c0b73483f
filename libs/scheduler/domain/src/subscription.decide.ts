// decide: (command, state) -> events. Pure, so it can be re-run after a version conflict.
//
// Every command first settles what time has made due up to its `now` (the same catch-up a Tick does),
// so a cancellation or plan change never jumps ahead of a boundary that should already have happened.
// At each boundary k, in order: RolloverExpiryDue for cycle k-1 (with the cap of the plan in force
// during k-1), then SubscriptionPlanChanged if a change was scheduled for k, then MonthlyGrantDue for
// cycle k (or SubscriptionEnded when a cancellation ends the subscription at k). Emitted events carry
// the boundary time, never the tick time, so the output does not depend on how often ticks arrive.
//
// Plan switching (a StartSubscription while a subscription is active or cancelling):
// - between recurring plans, the new plan takes effect at the next cycle boundary, on the same anchor
//   and subscription id: the current cycle's grant stands, the next grant is the new plan's. Asking
//   again for the current plan withdraws a scheduled change; a start while cancelling resumes.
// - away from a one-time plan (amisi free -> basic), at once: the one-time plan has no cycle to wait
//   for, so the old subscription ends and a new one starts now, with its own anchor and id.
// A one-time plan's grant is a `trial` lot, given once per account and plan, never renewed.
//
// Cancellation ends the subscription at the end of the current paid period: the next boundary for a
// monthly plan, the next 12-cycle boundary of the period for a yearly plan (the customer paid for the
// year; grants stay monthly). No grant at or after that boundary. A one-time plan ends at once.
import { assertNever, type Decider } from '@creditflow/kernel';
import { SubscriptionCommand } from './subscription.commands';
import { cycleStart } from './billing-cycle';
import { InvalidPlanError, InvalidTimeError, SubscriptionNotFoundError } from './subscription.errors';
import { monthlyGrantId, rolloverExpiryId, SubscriptionEvent } from './subscription.events';
import { samePlan, SubscribedPlan } from './subscription.plan';
import { evolve, fold, initialState, SubscriptionState } from './subscription.state';

export function decide(command: SubscriptionCommand, state: SubscriptionState): SubscriptionEvent[] {
  const now = command.data.now;
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new InvalidTimeError();
  const due = settleDue(state, now);
  const requestId = command.type === 'Tick' ? undefined : command.data.requestId;
  if (requestId === undefined) return [...due, ...decideCommand(command, fold(due, state))];
  // A request already decided (a redelivered payment message) changes nothing but what time made due.
  if (state.handledRequests.includes(requestId)) return due;
  return [...due, ...decideCommand(command, fold(due, state)), { type: 'SubscriptionRequestHandled', data: { requestId, handledAt: iso(now) } }];
}

function decideCommand(command: SubscriptionCommand, state: SubscriptionState): SubscriptionEvent[] {
  switch (command.type) {
    case 'StartSubscription':
      return startSubscription(command.data, state);
    case 'CancelSubscription':
      return cancelSubscription(command.data, state);
    case 'Tick':
      return [];
    default:
      return assertNever(command);
  }
}

type Data<T extends SubscriptionCommand['type']> = Extract<SubscriptionCommand, { type: T }>['data'];

/** The subscription id of the n-th start of an account: `<tenant>_<account>_<n>`, n from 1. */
export function subscriptionIdOf(tenantId: string, accountId: string, n: number): string {
  return `${tenantId}_${accountId}_${n}`;
}

function startSubscription(cmd: Data<'StartSubscription'>, state: SubscriptionState): SubscriptionEvent[] {
  validatePlan(cmd);
  const requested: SubscribedPlan = { planId: cmd.planId, billingPeriod: cmd.billingPeriod, plan: cmd.plan };
  const current: SubscribedPlan = { planId: state.planId, billingPeriod: state.billingPeriod, plan: state.plan };
  switch (state.status) {
    case 'none':
    case 'ended':
      return begin(cmd, state);
    case 'active':
    case 'cancelling': {
      const id = state.subscriptionId;
      const resumed: SubscriptionEvent[] = state.status === 'cancelling' ? [{ type: 'SubscriptionResumed', data: { subscriptionId: id, resumedAt: iso(cmd.now) } }] : [];
      if (samePlan(current, requested)) {
        return state.pending ? [...resumed, { type: 'SubscriptionPlanChangeWithdrawn', data: { subscriptionId: id, withdrawnAt: iso(cmd.now) } }] : resumed;
      }
      if (state.plan.oneTime) {
        const ended: SubscriptionEvent = { type: 'SubscriptionEnded', data: { subscriptionId: id, cycle: state.cycle, at: iso(cmd.now) } };
        return [ended, ...begin(cmd, evolve(state, ended))];
      }
      if (state.pending && samePlan(state.pending, requested)) return resumed;
      const effectiveCycle = state.cycle + 1;
      return [
        ...resumed,
        {
          type: 'SubscriptionPlanChangeScheduled',
          data: {
            subscriptionId: id, planId: cmd.planId, billingPeriod: cmd.billingPeriod, plan: cmd.plan, effectiveCycle,
            effectiveAt: iso(cycleStart(new Date(state.anchor), effectiveCycle)), requestedAt: iso(cmd.now),
          },
        },
      ];
    }
    default:
      return assertNever(state.status);
  }
}

function begin(cmd: Data<'StartSubscription'>, state: SubscriptionState): SubscriptionEvent[] {
  const started: SubscriptionEvent = {
    type: 'SubscriptionStarted',
    data: {
      subscriptionId: subscriptionIdOf(cmd.tenantId, cmd.accountId, state.starts + 1), tenantId: cmd.tenantId, accountId: cmd.accountId,
      planId: cmd.planId, billingPeriod: cmd.billingPeriod, plan: cmd.plan, anchor: iso(cmd.now), startedAt: iso(cmd.now),
    },
  };
  return [started, ...grantFor(evolve(state, started), 0, cmd.now)];
}

function cancelSubscription(cmd: Data<'CancelSubscription'>, state: SubscriptionState): SubscriptionEvent[] {
  switch (state.status) {
    case 'none':
      throw new SubscriptionNotFoundError(state.accountId || '(unknown)');
    case 'cancelling':
    case 'ended':
      return [];
    case 'active': {
      const id = state.subscriptionId;
      if (state.plan.oneTime) {
        return [
          { type: 'SubscriptionCancelled', data: { subscriptionId: id, cancelledAt: iso(cmd.now), endCycle: state.cycle, endsAt: iso(cmd.now) } },
          { type: 'SubscriptionEnded', data: { subscriptionId: id, cycle: state.cycle, at: iso(cmd.now) } },
        ];
      }
      const endCycle = paidPeriodEnd(state);
      return [
        {
          type: 'SubscriptionCancelled',
          data: { subscriptionId: id, cancelledAt: iso(cmd.now), endCycle, endsAt: iso(cycleStart(new Date(state.anchor), endCycle)) },
        },
      ];
    }
    default:
      return assertNever(state.status);
  }
}

/** The boundary that ends the current paid period: the next one (monthly) or the period's 12th (yearly). */
function paidPeriodEnd(state: SubscriptionState): number {
  if (state.billingPeriod === 'monthly') return state.cycle + 1;
  const elapsed = state.cycle + 1 - state.periodStartCycle;
  return state.periodStartCycle + 12 * Math.ceil(elapsed / 12);
}

/** Everything due up to `now` that was not emitted before, boundary by boundary, in order. */
export function settleDue(state: SubscriptionState, now: Date): SubscriptionEvent[] {
  if (state.status !== 'active' && state.status !== 'cancelling') return [];
  const anchor = new Date(state.anchor);
  const events: SubscriptionEvent[] = [];
  let s = state;
  while (!s.plan.oneTime && s.status !== 'ended') {
    const k = s.cycle + 1;
    const at = cycleStart(anchor, k);
    if (at.getTime() > now.getTime()) break;
    const step: SubscriptionEvent[] = [
      {
        type: 'RolloverExpiryDue',
        data: {
          eventId: rolloverExpiryId(s.subscriptionId, k - 1), subscriptionId: s.subscriptionId, tenantId: s.tenantId, accountId: s.accountId,
          cycle: k - 1, at: iso(at), rolloverCap: s.plan.rolloverCap,
        },
      },
    ];
    if (s.endCycle !== null && k >= s.endCycle) {
      step.push({ type: 'SubscriptionEnded', data: { subscriptionId: s.subscriptionId, cycle: k, at: iso(at) } });
    } else {
      if (s.pending && s.pending.effectiveCycle <= k) {
        const p = s.pending;
        step.push({ type: 'SubscriptionPlanChanged', data: { subscriptionId: s.subscriptionId, planId: p.planId, billingPeriod: p.billingPeriod, plan: p.plan, cycle: k, at: iso(at) } });
      }
      step.push(...grantFor(fold(step, s), k, at));
    }
    events.push(...step);
    s = fold(step, s);
  }
  return events;
}

function grantFor(state: SubscriptionState, cycle: number, at: Date): SubscriptionEvent[] {
  const { plan } = state;
  if (plan.monthlyCredits === null || plan.monthlyCredits <= 0n) return [];
  if (plan.oneTime && state.oneTimeGrants.includes(state.planId)) return [];
  const expiresAt = plan.oneTime || plan.rolloverCap > 0n ? null : iso(cycleStart(new Date(state.anchor), cycle + 1));
  return [
    {
      type: 'MonthlyGrantDue',
      data: {
        eventId: monthlyGrantId(state.subscriptionId, cycle), subscriptionId: state.subscriptionId, tenantId: state.tenantId,
        accountId: state.accountId, planId: state.planId, cycle, at: iso(at), amount: plan.monthlyCredits,
        lotType: plan.oneTime ? 'trial' : 'subscription', expiresAt,
      },
    },
  ];
}

function validatePlan(cmd: Data<'StartSubscription'>): void {
  if (cmd.plan.monthlyCredits !== null && cmd.plan.monthlyCredits < 0n) throw new InvalidPlanError(cmd.planId, 'has negative monthly credits');
  if (cmd.plan.rolloverCap < 0n) throw new InvalidPlanError(cmd.planId, 'has a negative rollover cap');
}

function iso(d: Date): string {
  return d.toISOString();
}

/** One account's subscription, `subscription-<tenant>_<account>`, in the one decider shape. */
export const subscriptionDecider: Decider<SubscriptionCommand, SubscriptionEvent, SubscriptionState> = { decide, evolve, initialState };

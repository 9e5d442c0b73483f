import { Credits, wholeCredits, ZERO } from '@creditflow/kernel';
import { deciderSpecification, runAll } from '@creditflow/kernel/testing';
import { SubscriptionCommand } from './subscription.commands';
import { subscriptionDecider } from './subscription.decide';
import { SubscriptionEvent } from './subscription.events';
import { BillingPeriod, PlanTerms } from './subscription.plan';
import { SubscriptionState } from './subscription.state';

const { given } = deciderSpecification(subscriptionDecider);

const DAY = 86_400_000;
const basic: PlanTerms = { monthlyCredits: wholeCredits(20), rolloverCap: wholeCredits(40), oneTime: false };
const pro: PlanTerms = { monthlyCredits: wholeCredits(50), rolloverCap: wholeCredits(100), oneTime: false };
const free: PlanTerms = { monthlyCredits: wholeCredits(5), rolloverCap: ZERO, oneTime: true };
const enterprise: PlanTerms = { monthlyCredits: null, rolloverCap: ZERO, oneTime: false };
const gptRefresh: PlanTerms = { monthlyCredits: wholeCredits(1000), rolloverCap: ZERO, oneTime: false };

const t = (iso: string) => new Date(iso);
const start = (planId: string, plan: PlanTerms, now: Date, billingPeriod: BillingPeriod = 'monthly'): SubscriptionCommand => ({
  type: 'StartSubscription',
  data: { tenantId: 'amisi', accountId: 'acc-1', planId, billingPeriod, plan, now },
});
const tick = (now: Date): SubscriptionCommand => ({ type: 'Tick', data: { now } });
const cancel = (now: Date): SubscriptionCommand => ({ type: 'CancelSubscription', data: { now } });

const run = (commands: SubscriptionCommand[], from?: SubscriptionState) => runAll(subscriptionDecider, commands, from);

const emitted = (events: SubscriptionEvent[]) =>
  events.flatMap((e) =>
    e.type === 'MonthlyGrantDue' ? [`grant ${e.data.cycle} ${e.data.at} ${e.data.amount / 1_000_000n}`]
      : e.type === 'RolloverExpiryDue' ? [`rollover ${e.data.cycle} ${e.data.at} cap ${e.data.rolloverCap / 1_000_000n}`]
        : e.type === 'SubscriptionEnded' ? [`ended ${e.data.cycle} ${e.data.at}`]
          : e.type === 'SubscriptionPlanChanged' ? [`plan ${e.data.planId} ${e.data.cycle}`]
            : [],
  );
const grants = (events: SubscriptionEvent[]) => events.filter((e): e is Extract<SubscriptionEvent, { type: 'MonthlyGrantDue' }> => e.type === 'MonthlyGrantDue');

describe('starting a subscription', () => {
  it('grants cycle 0 at once, with a deterministic id and the grant time as the cycle start', () => {
    const { events } = run([start('basic', basic, t('2025-01-31T10:00:00Z'))]);
    expect(events).toEqual([
      {
        type: 'SubscriptionStarted',
        data: {
          subscriptionId: 'amisi_acc-1_1', tenantId: 'amisi', accountId: 'acc-1', planId: 'basic', billingPeriod: 'monthly', plan: basic,
          anchor: '2025-01-31T10:00:00.000Z', startedAt: '2025-01-31T10:00:00.000Z',
        },
      },
      {
        type: 'MonthlyGrantDue',
        data: {
          eventId: 'monthly-grant:amisi_acc-1_1:0', subscriptionId: 'amisi_acc-1_1', tenantId: 'amisi', accountId: 'acc-1', planId: 'basic',
          cycle: 0, at: '2025-01-31T10:00:00.000Z', amount: wholeCredits(20), lotType: 'subscription', expiresAt: null,
        },
      },
    ]);
  });

  it('starting the same plan again changes nothing', () => {
    const { events } = run([start('basic', basic, t('2025-01-31T10:00:00Z'))]);
    given(events).when(start('basic', basic, t('2025-02-01T10:00:00Z'))).thenNothingHappens();
  });

  it('refuses a plan with a negative allowance or cap', () => {
    given([]).when(start('x', { ...basic, rolloverCap: -1n as Credits }, t('2025-01-01T00:00:00Z'))).thenThrows('SCHEDULER.INVALID_PLAN');
  });
});

describe('ticks', () => {
  const anchor = t('2025-01-31T10:00:00Z');

  it('at each boundary emits the ending cycle’s rollover expiry before the next cycle’s grant', () => {
    const { events } = run([start('basic', basic, anchor), tick(t('2025-04-30T10:00:00Z'))]);
    expect(emitted(events)).toEqual([
      'grant 0 2025-01-31T10:00:00.000Z 20',
      'rollover 0 2025-02-28T10:00:00.000Z cap 40',
      'grant 1 2025-02-28T10:00:00.000Z 20',
      'rollover 1 2025-03-31T10:00:00.000Z cap 40',
      'grant 2 2025-03-31T10:00:00.000Z 20',
      'rollover 2 2025-04-30T10:00:00.000Z cap 40',
      'grant 3 2025-04-30T10:00:00.000Z 20',
    ]);
    expect(events.filter((e) => e.type === 'RolloverExpiryDue').map((e) => (e.data as { eventId: string }).eventId)).toEqual([
      'rollover-expiry:amisi_acc-1_1:0', 'rollover-expiry:amisi_acc-1_1:1', 'rollover-expiry:amisi_acc-1_1:2',
    ]);
  });

  it('a tick per day for 3 months emits exactly what one tick after 3 months emits, in the same order', () => {
    const started = run([start('basic', basic, anchor)]).state;
    const daily: SubscriptionCommand[] = [];
    for (let at = anchor.getTime(); at <= anchor.getTime() + 92 * DAY; at += DAY) daily.push(tick(new Date(at)));
    const manyTicks = run(daily, started);
    const oneTick = run([tick(new Date(anchor.getTime() + 92 * DAY))], started);
    expect(manyTicks.events).toEqual(oneTick.events);
    expect(manyTicks.state).toEqual(oneTick.state);
    expect(grants(oneTick.events).map((g) => g.data.cycle)).toEqual([1, 2, 3]);
  });

  it('a tick repeated at the same time, or earlier, emits nothing', () => {
    const { events } = run([start('basic', basic, anchor), tick(t('2025-03-31T10:00:00Z'))]);
    given(events).when(tick(t('2025-03-31T10:00:00Z'))).thenNothingHappens();
    given(events).when(tick(t('2025-03-01T00:00:00Z'))).thenNothingHappens();
  });

  it('does not emit a boundary one millisecond early', () => {
    const { events: started } = run([start('basic', basic, anchor)]);
    given(started).when(tick(t('2025-02-28T09:59:59.999Z'))).thenNothingHappens();
    given(started).when(tick(t('2025-02-28T10:00:00.000Z'))).thenState((_after, events) => {
      expect(emitted(events)).toEqual(['rollover 0 2025-02-28T10:00:00.000Z cap 40', 'grant 1 2025-02-28T10:00:00.000Z 20']);
    });
  });

  it('catches up every missed boundary once, in order, after downtime', () => {
    const { events } = run([start('pro', pro, anchor), tick(t('2025-02-01T00:00:00Z')), tick(t('2026-02-01T00:00:00Z')), tick(t('2026-02-01T00:00:00Z'))]);
    const ids = grants(events).map((g) => g.data.eventId);
    expect(ids).toEqual(Array.from({ length: 13 }, (_, n) => `monthly-grant:amisi_acc-1_1:${n}`));
    expect(new Set(events.map((e) => JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? String(v) : v)))).size).toBe(events.length);
  });

  it('gives the same ids when the stream is decided again from scratch', () => {
    const commands = [start('basic', basic, anchor), tick(t('2025-06-01T00:00:00Z'))];
    expect(run(commands).events).toEqual(run(commands).events);
  });

  it('a refreshing plan (cap 0) grants lots that expire at the next cycle start', () => {
    const { events } = run([start('pro', gptRefresh, anchor), tick(t('2025-03-01T00:00:00Z'))]);
    expect(grants(events).map((g) => [g.data.cycle, g.data.expiresAt])).toEqual([
      [0, '2025-02-28T10:00:00.000Z'],
      [1, '2025-03-31T10:00:00.000Z'],
    ]);
    expect(events.find((e) => e.type === 'RolloverExpiryDue')?.data).toMatchObject({ cycle: 0, rolloverCap: ZERO });
  });

  it('a custom allocation (no monthly credits) emits rollover expiries but no grants', () => {
    const { events } = run([start('enterprise', enterprise, anchor), tick(t('2025-03-31T10:00:00Z'))]);
    expect(emitted(events)).toEqual(['rollover 0 2025-02-28T10:00:00.000Z cap 0', 'rollover 1 2025-03-31T10:00:00.000Z cap 0']);
  });

  it('a tick for an account without a subscription emits nothing', () => {
    given([]).when(tick(t('2025-03-31T10:00:00Z'))).thenNothingHappens();
  });
});

describe('yearly plans', () => {
  it('still grant monthly', () => {
    const { events } = run([start('basic', basic, t('2025-01-15T08:00:00Z'), 'yearly'), tick(t('2025-12-31T00:00:00Z'))]);
    expect(grants(events).map((g) => g.data.at.slice(0, 10))).toEqual([
      '2025-01-15', '2025-02-15', '2025-03-15', '2025-04-15', '2025-05-15', '2025-06-15',
      '2025-07-15', '2025-08-15', '2025-09-15', '2025-10-15', '2025-11-15', '2025-12-15',
    ]);
    expect(grants(events).every((g) => g.data.amount === wholeCredits(20))).toBe(true);
  });

  it('when cancelled, keep granting monthly to the end of the paid year, then end', () => {
    const { events } = run([start('pro', pro, t('2025-01-15T08:00:00Z'), 'yearly'), cancel(t('2025-03-01T00:00:00Z')), tick(t('2027-01-01T00:00:00Z'))]);
    expect(events.find((e) => e.type === 'SubscriptionCancelled')?.data).toMatchObject({ endCycle: 12, endsAt: '2026-01-15T08:00:00.000Z' });
    expect(grants(events).map((g) => g.data.cycle)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(emitted(events).slice(-2)).toEqual(['rollover 11 2026-01-15T08:00:00.000Z cap 100', 'ended 12 2026-01-15T08:00:00.000Z']);
  });
});

describe('cancellation', () => {
  const anchor = t('2025-01-31T10:00:00Z');

  it('stops grants at the end of the current cycle: a last rollover expiry, then the end, nothing after', () => {
    const { events, state } = run([
      start('basic', basic, anchor), tick(t('2025-03-01T00:00:00Z')), cancel(t('2025-03-10T00:00:00Z')), tick(t('2025-12-31T00:00:00Z')),
    ]);
    expect(emitted(events)).toEqual([
      'grant 0 2025-01-31T10:00:00.000Z 20',
      'rollover 0 2025-02-28T10:00:00.000Z cap 40',
      'grant 1 2025-02-28T10:00:00.000Z 20',
      'rollover 1 2025-03-31T10:00:00.000Z cap 40',
      'ended 2 2025-03-31T10:00:00.000Z',
    ]);
    expect(state.status).toBe('ended');
    expect(subscriptionDecider.decide(tick(t('2026-06-01T00:00:00Z')), state)).toEqual([]);
    expect(subscriptionDecider.decide(cancel(t('2026-06-01T00:00:00Z')), state)).toEqual([]);
  });

  it('a cancellation arriving after missed boundaries first emits them, then ends at the end of the cycle it falls in', () => {
    const { events } = run([start('basic', basic, anchor), cancel(t('2025-04-01T00:00:00Z'))]);
    expect(grants(events).map((g) => g.data.cycle)).toEqual([0, 1, 2]);
    expect(events[events.length - 1]).toEqual({
      type: 'SubscriptionCancelled',
      data: { subscriptionId: 'amisi_acc-1_1', cancelledAt: '2025-04-01T00:00:00.000Z', endCycle: 3, endsAt: '2025-04-30T10:00:00.000Z' },
    });
  });

  it('is idempotent while the cancellation is pending', () => {
    const { events } = run([start('basic', basic, anchor), cancel(t('2025-02-01T00:00:00Z'))]);
    given(events).when(cancel(t('2025-02-02T00:00:00Z'))).thenNothingHappens();
  });

  it('is refused for an account that never subscribed', () => {
    given([]).when(cancel(t('2025-02-01T00:00:00Z'))).thenThrows('SCHEDULER.SUBSCRIPTION_NOT_FOUND');
  });

  it('starting the plan again before the end resumes the subscription', () => {
    const { events } = run([start('basic', basic, anchor), cancel(t('2025-02-01T00:00:00Z')), start('basic', basic, t('2025-02-02T00:00:00Z')), tick(t('2025-03-31T10:00:00Z'))]);
    expect(events.some((e) => e.type === 'SubscriptionResumed')).toBe(true);
    expect(grants(events).map((g) => g.data.cycle)).toEqual([0, 1, 2]);
    expect(events.some((e) => e.type === 'SubscriptionEnded')).toBe(false);
  });

  it('subscribing after the end starts a new subscription with a new anchor and id', () => {
    const { events } = run([start('basic', basic, anchor), cancel(t('2025-02-01T00:00:00Z')), start('pro', pro, t('2025-06-10T12:00:00Z'))]);
    expect(grants(events).map((g) => g.data.eventId)).toEqual(['monthly-grant:amisi_acc-1_1:0', 'monthly-grant:amisi_acc-1_2:0']);
    expect(events[events.length - 1].data).toMatchObject({ at: '2025-06-10T12:00:00.000Z', amount: wholeCredits(50) });
  });
});

describe('one-time plans', () => {
  const anchor = t('2025-01-31T10:00:00Z');

  it('grant once as a trial lot and never renew', () => {
    const { events } = run([start('free', free, anchor), tick(t('2025-03-01T00:00:00Z')), tick(t('2026-03-01T00:00:00Z'))]);
    expect(grants(events).map((g) => [g.data.eventId, g.data.lotType, g.data.amount, g.data.expiresAt])).toEqual([
      ['monthly-grant:amisi_acc-1_1:0', 'trial', wholeCredits(5), null],
    ]);
    expect(events.filter((e) => e.type === 'RolloverExpiryDue')).toEqual([]);
  });

  it('switching away from one is immediate: the old subscription ends and a new one starts now', () => {
    const { events } = run([start('free', free, anchor), start('basic', basic, t('2025-02-10T09:00:00Z')), tick(t('2025-03-10T09:00:00Z'))]);
    expect(events.map((e) => e.type)).toEqual([
      'SubscriptionStarted', 'MonthlyGrantDue', 'SubscriptionEnded', 'SubscriptionStarted', 'MonthlyGrantDue', 'RolloverExpiryDue', 'MonthlyGrantDue',
    ]);
    expect(grants(events).map((g) => [g.data.eventId, g.data.lotType, g.data.at])).toEqual([
      ['monthly-grant:amisi_acc-1_1:0', 'trial', '2025-01-31T10:00:00.000Z'],
      ['monthly-grant:amisi_acc-1_2:0', 'subscription', '2025-02-10T09:00:00.000Z'],
      ['monthly-grant:amisi_acc-1_2:1', 'subscription', '2025-03-10T09:00:00.000Z'],
    ]);
  });

  it('are never granted twice to the same account, even after leaving and retaking the plan', () => {
    const { events } = run([start('free', free, anchor), cancel(t('2025-02-01T00:00:00Z')), start('free', free, t('2025-03-01T00:00:00Z'))]);
    expect(grants(events)).toHaveLength(1);
    expect(events.filter((e) => e.type === 'SubscriptionStarted')).toHaveLength(2);
  });

  it('a downgrade to a one-time plan takes effect at the boundary and then stops renewing', () => {
    const { events } = run([start('basic', basic, anchor), start('free', free, t('2025-02-10T00:00:00Z')), tick(t('2025-12-01T00:00:00Z'))]);
    expect(emitted(events)).toEqual([
      'grant 0 2025-01-31T10:00:00.000Z 20',
      'rollover 0 2025-02-28T10:00:00.000Z cap 40',
      'plan free 1',
      'grant 1 2025-02-28T10:00:00.000Z 5',
    ]);
    expect(grants(events)[1].data.lotType).toBe('trial');
  });
});

describe('switching between recurring plans', () => {
  const anchor = t('2025-01-31T10:00:00Z');

  it('takes effect at the next boundary: the ending cycle rolls over under the old cap, the grant is the new plan’s', () => {
    const { events } = run([start('basic', basic, anchor), start('pro', pro, t('2025-02-10T00:00:00Z')), tick(t('2025-03-31T10:00:00Z'))]);
    expect(events.find((e) => e.type === 'SubscriptionPlanChangeScheduled')?.data).toMatchObject({
      planId: 'pro', effectiveCycle: 1, effectiveAt: '2025-02-28T10:00:00.000Z',
    });
    expect(emitted(events)).toEqual([
      'grant 0 2025-01-31T10:00:00.000Z 20',
      'rollover 0 2025-02-28T10:00:00.000Z cap 40',
      'plan pro 1',
      'grant 1 2025-02-28T10:00:00.000Z 50',
      'rollover 1 2025-03-31T10:00:00.000Z cap 100',
      'grant 2 2025-03-31T10:00:00.000Z 50',
    ]);
    expect(new Set(grants(events).map((g) => g.data.subscriptionId))).toEqual(new Set(['amisi_acc-1_1']));
  });

  it('asking for the current plan again before the boundary withdraws the change', () => {
    const { events } = run([
      start('basic', basic, anchor), start('pro', pro, t('2025-02-10T00:00:00Z')), start('basic', basic, t('2025-02-11T00:00:00Z')), tick(t('2025-03-01T00:00:00Z')),
    ]);
    expect(events.some((e) => e.type === 'SubscriptionPlanChangeWithdrawn')).toBe(true);
    expect(grants(events).map((g) => g.data.amount)).toEqual([wholeCredits(20), wholeCredits(20)]);
  });

  it('cancelling drops a scheduled change', () => {
    const { events } = run([start('basic', basic, anchor), start('pro', pro, t('2025-02-10T00:00:00Z')), cancel(t('2025-02-11T00:00:00Z')), tick(t('2025-03-01T00:00:00Z'))]);
    expect(emitted(events)).toEqual(['grant 0 2025-01-31T10:00:00.000Z 20', 'rollover 0 2025-02-28T10:00:00.000Z cap 40', 'ended 1 2025-02-28T10:00:00.000Z']);
  });
});

describe('requests with an id (payment-side messages)', () => {
  const anchor = t('2025-01-31T10:00:00Z');
  const withId = (command: SubscriptionCommand, requestId: string): SubscriptionCommand => ({ ...command, data: { ...command.data, requestId } }) as SubscriptionCommand;

  it('records the request after the decision', () => {
    const { events, state } = run([withId(start('basic', basic, anchor), 'pay-1')]);
    expect(events.map((e) => e.type)).toEqual(['SubscriptionStarted', 'MonthlyGrantDue', 'SubscriptionRequestHandled']);
    expect(events[2]).toEqual({ type: 'SubscriptionRequestHandled', data: { requestId: 'pay-1', handledAt: '2025-01-31T10:00:00.000Z' } });
    expect(state.handledRequests).toEqual(['pay-1']);
  });

  it('changes nothing when a request is redelivered after later requests, even once the subscription has ended', () => {
    const first = run([withId(start('basic', basic, anchor), 'pay-1'), withId(cancel(t('2025-02-10T00:00:00Z')), 'pay-2'), tick(t('2025-03-05T00:00:00Z'))]);
    expect(first.state.status).toBe('ended');
    const redelivered = run([withId(start('basic', basic, t('2025-03-06T00:00:00Z')), 'pay-1'), withId(cancel(t('2025-03-06T00:00:00Z')), 'pay-2')], first.state);
    expect(redelivered.events).toEqual([]);
    expect(redelivered.state).toEqual(first.state);
  });

  it('still emits what time made due when it ignores a redelivered request', () => {
    const first = run([withId(start('basic', basic, anchor), 'pay-1')]);
    const { events } = run([withId(start('basic', basic, t('2025-03-01T00:00:00Z')), 'pay-1')], first.state);
    expect(emitted(events)).toEqual(['rollover 0 2025-02-28T10:00:00.000Z cap 40', 'grant 1 2025-02-28T10:00:00.000Z 20']);
  });

  it('records nothing for a refused request, so the refusal is given again', () => {
    expect(() => run([withId(cancel(anchor), 'pay-9')])).toThrow(expect.objectContaining({ code: 'SCHEDULER.SUBSCRIPTION_NOT_FOUND' }));
  });
});

describe('evolve', () => {
  it('folding the whole stream equals folding the tail onto a snapshot of the head', () => {
    const anchor = t('2025-01-31T10:00:00Z');
    const { events } = run([
      start('basic', basic, anchor), tick(t('2025-04-01T00:00:00Z')), start('pro', pro, t('2025-04-02T00:00:00Z')),
      tick(t('2025-08-01T00:00:00Z')), cancel(t('2025-08-02T00:00:00Z')), tick(t('2025-10-01T00:00:00Z')),
    ]);
    const fold = (tail: SubscriptionEvent[], from = subscriptionDecider.initialState) => tail.reduce(subscriptionDecider.evolve, from);
    const whole = fold(events);
    for (let cut = 0; cut <= events.length; cut++) expect(fold(events.slice(cut), fold(events.slice(0, cut)))).toEqual(whole);
  });
});

// The scheduler and the wallet folded together at domain level: subscription and daily-reset deciders
// emit due events on triggers; each due event becomes the wallet command the wallet's consumer builds
// (applied as of its boundary, never later than the wallet's clock); the wallet decides it.
//
// Property: over a year, random trigger times give the same wallet state (lots, usages, balances)
// and the same scheduler output as one trigger per hour. Activity (subscription commands, logins,
// usage) happens at the same times in both runs, each preceded by a trigger at that time: a usage
// can only see a grant that a trigger has emitted, so the runs are compared where the customer
// would act, and everything in between is left to the triggers.
import fc from 'fast-check';
import { Credits, wholeCredits } from '@creditflow/kernel';
import {
  DailyResetEvent, DailyResetState, PlanTerms, SubscriptionCommand, SubscriptionEvent, SubscriptionState, decide as decideSubscription,
  decideDailyReset, fold as foldSubscription, foldDailyReset, initialDailyResetState, initialState as initialSubscription,
} from '@creditflow/scheduler-domain';
import {
  WalletCommand, WalletPolicy, WalletState, balanceOf, dailyLoginGrant, decide as decideWallet, fold as foldWallet, initialState as initialWallet,
} from '@creditflow/wallet-domain';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.parse('2027-01-31T10:00:00Z');
const YEAR = 365 * DAY;
const END = START + YEAR + 31 * DAY;
const ZONE = 'America/New_York';

const policy: WalletPolicy = {
  precision: 0,
  consumptionOrder: ['daily', 'trial', 'subscription', 'reward', 'topup'],
  holdTimeoutMs: 15 * 60_000,
  daily: { amount: wholeCredits(10), expiry: 'reset', resetTimeZone: ZONE },
};

const PLANS: Record<string, PlanTerms> = {
  pro: { monthlyCredits: wholeCredits(50), rolloverCap: wholeCredits(100), oneTime: false },
  basic: { monthlyCredits: wholeCredits(20), rolloverCap: wholeCredits(40), oneTime: false },
  refresh: { monthlyCredits: wholeCredits(200), rolloverCap: wholeCredits(0), oneTime: false },
};

type Activity =
  | { at: number; kind: 'subscribe'; planId: string; billingPeriod: 'monthly' | 'yearly' }
  | { at: number; kind: 'cancel' }
  | { at: number; kind: 'login' }
  | { at: number; kind: 'use'; credits: number; id: number };

interface World {
  wallet: WalletState;
  subscription: SubscriptionState;
  daily: DailyResetState;
  /** Scheduler output in the order recorded. */
  emitted: (SubscriptionEvent | DailyResetEvent)[];
  minAvailable: bigint;
}

/** What the wallet's consumer does with a due event (wallet.consumer.ts, daily-resets.ts). */
function walletCommandFor(event: SubscriptionEvent | DailyResetEvent, walletNow: Date): WalletCommand | null {
  const asOf = (at: string) => new Date(Math.min(Date.parse(at), walletNow.getTime()));
  switch (event.type) {
    case 'MonthlyGrantDue': {
      const d = event.data;
      return {
        type: 'GrantCredits',
        data: {
          lotId: d.eventId, lotType: d.lotType, amount: d.amount, expiresAt: d.expiresAt ? new Date(d.expiresAt) : null, costBasis: null,
          source: { kind: 'subscription', id: d.subscriptionId }, now: asOf(d.at), planId: d.planId,
        },
      };
    }
    case 'RolloverExpiryDue':
      return { type: 'ExpireRollover', data: { eventId: event.data.eventId, cap: event.data.rolloverCap, cycleEnd: new Date(event.data.at), now: asOf(event.data.at) } };
    case 'DailyResetDue':
      return { type: 'ExpireDue', data: { now: asOf(event.data.at) } };
    default:
      return null;
  }
}

function applyToWallet(world: World, command: WalletCommand): World {
  const events = decideWallet(command, world.wallet, policy);
  const wallet = foldWallet(events, world.wallet);
  const available = balanceOf(wallet).available;
  return { ...world, wallet, minAvailable: available < world.minAvailable ? available : world.minAvailable };
}

function deliver(world: World, due: (SubscriptionEvent | DailyResetEvent)[], now: Date): World {
  if (!due.length) return world;
  let w: World = { ...world, emitted: [...world.emitted, ...due.filter((e) => e.type !== 'SubscriptionRequestHandled')] };
  for (const event of due) {
    const command = walletCommandFor(event, now);
    if (command) w = applyToWallet(w, command);
  }
  return w;
}

function runSubscription(world: World, command: SubscriptionCommand): World {
  let events: SubscriptionEvent[];
  try {
    events = decideSubscription(command, world.subscription);
  } catch {
    return world; // a refused command (cancel without a subscription) changes nothing
  }
  if (!events.length) return world;
  return deliver({ ...world, subscription: foldSubscription(events, world.subscription) }, events, command.data.now);
}

function trigger(world: World, at: number): World {
  const now = new Date(at);
  const w = runSubscription(world, { type: 'Tick', data: { now } });
  const resets = decideDailyReset({ type: 'TickDailyReset', data: { tenantId: 'amisi', timeZone: ZONE, now } }, w.daily);
  if (!resets.length) return w;
  return deliver({ ...w, daily: foldDailyReset(resets, w.daily) }, resets, now);
}

function act(world: World, a: Activity): World {
  const now = new Date(a.at);
  switch (a.kind) {
    case 'subscribe':
      return runSubscription(world, {
        type: 'StartSubscription', data: { tenantId: 'amisi', accountId: 'acc', planId: a.planId, billingPeriod: a.billingPeriod, plan: PLANS[a.planId], now },
      });
    case 'cancel':
      return runSubscription(world, { type: 'CancelSubscription', data: { now } });
    case 'login':
      return applyToWallet(world, dailyLoginGrant(policy.daily, now)!);
    case 'use': {
      const usageId = `u${a.id}`;
      const w = applyToWallet(world, {
        type: 'AuthorizeUsage',
        data: { usageId, userId: null, feature: 'chat-message', options: {}, credits: wholeCredits(a.credits) as Credits, phases: null, priceVersion: 'v', now },
      });
      return w.wallet.usages.get(usageId)?.status === 'authorized' ? applyToWallet(w, { type: 'CompleteUsage', data: { usageId, now } }) : w;
    }
  }
}

/**
 * Runs the activity with the given triggers in between. Both runs start with a trigger at START (the
 * platform's first, which starts the daily resets), every activity is preceded by a trigger at its
 * time, and a last trigger at END settles everything.
 */
function simulate(activity: Activity[], triggers: number[]): World {
  let world: World = { wallet: initialWallet, subscription: initialSubscription, daily: initialDailyResetState, emitted: [], minAvailable: 0n };
  world = applyToWallet(world, { type: 'OpenAccount', data: { tenantId: 'amisi', accountId: 'acc', kind: 'personal', members: [], now: new Date(START) } });
  world = applyToWallet(world, {
    type: 'GrantCredits',
    data: { lotId: 'purchase:p1', lotType: 'topup', amount: wholeCredits(100), expiresAt: null, costBasis: null, source: { kind: 'purchase', id: 'p1' }, now: new Date(START) },
  });
  const steps = [
    ...[START, ...triggers].map((at) => ({ at, order: 0, run: (w: World) => trigger(w, at) })),
    ...activity.flatMap((a, i) => [
      { at: a.at, order: 1, seq: i, run: (w: World) => trigger(w, a.at) },
      { at: a.at, order: 2, seq: i, run: (w: World) => act(w, a) },
    ]),
    { at: END, order: 3, run: (w: World) => trigger(w, END) },
  ].sort((x, y) => x.at - y.at || x.order - y.order || ((x as { seq?: number }).seq ?? 0) - ((y as { seq?: number }).seq ?? 0));
  for (const step of steps) world = step.run(world);
  return world;
}

const inYear = fc.integer({ min: 0, max: YEAR }).map((ms) => START + ms);
const activityArb: fc.Arbitrary<Activity[]> = fc
  .tuple(
    fc.record({ planId: fc.constantFrom('pro', 'basic', 'refresh'), billingPeriod: fc.constantFrom('monthly' as const, 'yearly' as const), offset: fc.integer({ min: 0, max: 20 * DAY }) }),
    fc.array(fc.record({ at: inYear, planId: fc.constantFrom('pro', 'basic', 'refresh'), billingPeriod: fc.constantFrom('monthly' as const, 'yearly' as const) }), { maxLength: 3 }),
    fc.option(inYear, { nil: null }),
    fc.array(inYear, { maxLength: 25 }),
    fc.array(fc.record({ at: inYear, credits: fc.integer({ min: 1, max: 80 }) }), { maxLength: 40 }),
  )
  .map(([first, switches, cancelAt, logins, uses]) => [
    { at: START + first.offset, kind: 'subscribe' as const, planId: first.planId, billingPeriod: first.billingPeriod },
    ...switches.map((s) => ({ at: s.at, kind: 'subscribe' as const, planId: s.planId, billingPeriod: s.billingPeriod })),
    ...(cancelAt === null ? [] : [{ at: cancelAt, kind: 'cancel' as const }]),
    ...logins.map((at) => ({ at, kind: 'login' as const })),
    ...uses.map((u, id) => ({ at: u.at, kind: 'use' as const, credits: u.credits, id })),
  ]);

const HOURLY = Array.from({ length: Math.ceil((END - START) / HOUR) }, (_, h) => START + h * HOUR);

describe('scheduler and wallet folded together over a year', () => {
  it('random trigger times give the same wallet state and scheduler output as a trigger every hour', () => {
    fc.assert(
      fc.property(activityArb, fc.array(fc.integer({ min: START, max: END }), { maxLength: 40 }), (activity, randomTriggers) => {
        const hourly = simulate(activity, HOURLY);
        const random = simulate(activity, randomTriggers);
        expect(random.wallet).toEqual(hourly.wallet);
        // Each stream's output in order (a single trigger records a subscription's boundaries, then the daily resets).
        const byStream = (w: World) => ({ subscription: w.emitted.filter((e) => e.type !== 'DailyResetDue'), daily: w.emitted.filter((e) => e.type === 'DailyResetDue') });
        expect(byStream(random)).toEqual(byStream(hourly));
        expect(random.minAvailable >= 0n && hourly.minAvailable >= 0n).toBe(true);
      }),
      { seed: 20270131, numRuns: 25 },
    );
  });

  it('a year of Amisi Pro with no triggers but the last equals monthly triggers: 11 grants kept to the cap of 100', () => {
    const activity: Activity[] = [{ at: START, kind: 'subscribe', planId: 'pro', billingPeriod: 'monthly' }];
    const once = simulate(activity, []);
    const monthly = simulate(activity, Array.from({ length: 13 }, (_, m) => START + m * 31 * DAY));
    expect(once.wallet).toEqual(monthly.wallet);
    expect(balanceOf(once.wallet).byType.subscription).toBe(wholeCredits(150)); // 100 carried + 50 of the 13th cycle
  });
});

// Property tests of the wallet fold: random command sequences go through decide + evolve the way the
// shell runs them (refused commands change nothing), and after every step the balances must add up.
import { CREDIT_SCALE, Credits, DomainError, HOUR_MS } from '@creditflow/kernel';
import fc from 'fast-check';
import { ACCOUNT, MINUTE_MS, T0, TENANT } from './testing/wallet.fixtures';
import { WalletCommand } from './wallet.commands';
import { decide, UsageRecall } from './wallet.decide';
import { UsageRecallNeededError } from './wallet.errors';
import { WalletEvent } from './wallet.events';
import { LOT_TYPES, LotType, WalletPolicy } from './wallet.policy';
import { walletFromSnapshot, walletSnapshot } from './wallet.snapshot';
import { balanceOf, countedFigures, evolve, fold, initialState, usageInHistory, WalletState } from './wallet.state';

const SEED = 42;
const MILLI = 10n ** BigInt(CREDIT_SCALE - 3);
const USAGES = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'];
const USERS = ['alice', 'bob', 'mallory', null];

/** Amounts with up to three decimals, as apinfer's 2.625. */
const amount = (maxWhole: number) => fc.integer({ min: 0, max: maxWhole * 1000 }).map((n) => (BigInt(n) * MILLI) as Credits);

/** What happens to an authorization right away, so whole lifecycles occur as well as stray commands. */
type FollowUp = 'none' | 'complete' | 'complete-accept' | 'complete-reject' | 'cancel' | 'complete-fail';
const FOLLOW_UPS: Record<FollowUp, Array<'complete' | 'accept' | 'reject' | 'fail'>> = {
  none: [], complete: ['complete'], 'complete-accept': ['complete', 'accept'], 'complete-reject': ['complete', 'reject'], cancel: ['fail'],
  'complete-fail': ['complete', 'fail'],
};

type Action =
  | { kind: 'grant'; lot: number; lotType: LotType; amount: Credits; expiresInMs: number | null }
  | { kind: 'authorize'; usage: number; user: number; credits: Credits; accept: Credits; followUp: FollowUp }
  | { kind: 'complete' | 'accept' | 'reject'; usage: number }
  | { kind: 'fail'; usage: number; reason: 'platform_error' | 'cancelled' }
  | { kind: 'restore'; usage: number; restoration: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'expire' }
  | { kind: 'members'; members: string[] };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({
    kind: fc.constant('grant' as const), lot: fc.nat(12), lotType: fc.constantFrom(...LOT_TYPES), amount: amount(20),
    expiresInMs: fc.option(fc.integer({ min: -HOUR_MS, max: 6 * HOUR_MS }), { nil: null }),
  }) },
  { weight: 5, arbitrary: fc.record({
    // mostly a member (alice), sometimes another user or none, so repeats, reused ids and non-members all occur
    kind: fc.constant('authorize' as const), usage: fc.nat(USAGES.length - 1),
    user: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(USERS.length - 1) }),
    credits: amount(12), accept: amount(8), followUp: fc.constantFrom(...(Object.keys(FOLLOW_UPS) as FollowUp[])),
  }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('complete' as const, 'accept' as const, 'reject' as const), usage: fc.nat(USAGES.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('fail' as const), usage: fc.nat(USAGES.length - 1), reason: fc.constantFrom('platform_error' as const, 'cancelled' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restore' as const), usage: fc.nat(USAGES.length - 1), restoration: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 20 * MINUTE_MS }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 4 * HOUR_MS }) }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'expire' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('members' as const), members: fc.subarray(['alice', 'bob', 'carol']) }) },
);

const policyArb: fc.Arbitrary<WalletPolicy> = fc.record({
  precision: fc.constant(3),
  consumptionOrder: fc.shuffledSubarray([...LOT_TYPES], { minLength: LOT_TYPES.length }),
  holdTimeoutMs: fc.constantFrom(5 * MINUTE_MS, 15 * MINUTE_MS, HOUR_MS),
  trial: fc.option(fc.record({ amount: amount(5), validForMs: fc.option(fc.constantFrom(HOUR_MS, 3 * HOUR_MS), { nil: null }) }), { nil: undefined }),
  lowBalanceThreshold: fc.option(amount(10), { nil: undefined }),
  autoTopUp: fc.option(fc.record({ threshold: amount(5), packageId: fc.constant('basic') }), { nil: undefined }),
  // The access waterfall: free allowances before the lots, a rate limit that denies.
  allowances: fc.option(fc.constant([
    { id: 'few-uses', unit: 'uses' as const, amount: 2n, per: 'hour' as const, features: null, plans: null },
    { id: 'some-credits', unit: 'credits' as const, amount: 5n * 10n ** BigInt(CREDIT_SCALE), per: 'minute' as const, features: null, plans: null },
  ]), { nil: undefined }),
  rateLimits: fc.option(fc.constant([{ id: 'burst', uses: 3, per: 'minute' as const, features: null, plans: null }]), { nil: undefined }),
});

const scenarioArb = fc.record({
  policy: policyArb,
  kind: fc.constantFrom('personal' as const, 'team' as const),
  actions: fc.array(actionArb, { maxLength: 60, size: 'max' }),
});

function commandsFor(action: Action, now: Date, kind: 'personal' | 'team'): WalletCommand[] {
  if (action.kind === 'advance') return [];
  const first = commandFor(action, now, kind);
  if (action.kind !== 'authorize') return [first];
  return [first, ...FOLLOW_UPS[action.followUp].map((then) => commandFor({ kind: then, usage: action.usage, reason: action.followUp === 'cancel' ? 'cancelled' : 'platform_error' }, now, kind))];
}

function commandFor(action: Exclude<Action, { kind: 'advance' }>, now: Date, kind: 'personal' | 'team'): WalletCommand {
  switch (action.kind) {
    case 'grant':
      return {
        type: 'GrantCredits',
        data: {
          lotId: `lot-${action.lot}`, lotType: action.lotType, amount: action.amount,
          expiresAt: action.expiresInMs === null ? null : new Date(now.getTime() + action.expiresInMs),
          costBasis: action.lotType === 'topup' ? { paidMinor: 999n, currency: 'USD', promotional: false } : null,
          source: { kind: 'grant', id: `lot-${action.lot}` }, now,
        },
      };
    case 'authorize': {
      // even usages are phased (listing-editor style: accept costs extra), odd ones are single-phase
      const phased = action.usage % 2 === 0;
      return {
        type: 'AuthorizeUsage',
        data: {
          usageId: USAGES[action.usage], userId: USERS[action.user], feature: phased ? 'ai-edit' : 'text-to-image', options: {},
          credits: action.credits, phases: phased ? { generate: action.credits, accept: action.accept } : null, priceVersion: 'v1', now,
        },
      };
    }
    case 'complete':
      return { type: 'CompleteUsage', data: { usageId: USAGES[action.usage], now } };
    case 'accept':
      return { type: 'AcceptUsage', data: { usageId: USAGES[action.usage], now } };
    case 'reject':
      return { type: 'RejectUsage', data: { usageId: USAGES[action.usage], now } };
    case 'fail':
      return { type: 'FailUsage', data: { usageId: USAGES[action.usage], reason: action.reason, now } };
    case 'restore':
      return { type: 'RestoreUsageCredits', data: { restorationId: `rs-${action.restoration}`, usageId: USAGES[action.usage], reason: 'system_failure', now } };
    case 'expire':
      return { type: 'ExpireDue', data: { now } };
    case 'members':
      return { type: 'OpenAccount', data: { tenantId: TENANT, accountId: ACCOUNT, kind, members: action.members, now } };
  }
}

interface Step {
  command: WalletCommand;
  events: WalletEvent[];
  /** The events a second delivery of the same command decided on the state after the first. */
  repeat: WalletEvent[] | 'refused';
  before: WalletState;
  after: WalletState;
}

interface Run {
  policy: WalletPolicy;
  events: WalletEvent[];
  state: WalletState;
  steps: Step[];
}

/** Applies the scenario as the shell would: decide, append, evolve; a refused command changes nothing. */
function run(scenario: { policy: WalletPolicy; kind: 'personal' | 'team'; actions: Action[] }, onStep: (step: Step, run: Run) => void = () => {}): Run {
  const { policy } = scenario;
  let now = T0;
  const r: Run = { policy, events: [], state: initialState, steps: [] };
  const deliver = (command: WalletCommand) => {
    const before = r.state;
    let events: WalletEvent[];
    try {
      events = decide(command, before, policy);
    } catch (e) {
      if (e instanceof DomainError) return;
      throw e;
    }
    r.events.push(...events);
    r.state = fold(events, before);
    let repeat: WalletEvent[] | 'refused';
    try {
      repeat = decide(command, r.state, policy);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      repeat = 'refused';
    }
    const step = { command, events, repeat, before, after: r.state };
    r.steps.push(step);
    onStep(step, r);
  };
  deliver({ type: 'OpenAccount', data: { tenantId: TENANT, accountId: ACCOUNT, kind: scenario.kind, members: ['alice', 'bob'], now } });
  for (const action of scenario.actions) {
    if (action.kind === 'advance') now = new Date(now.getTime() + action.ms);
    for (const command of commandsFor(action, now, scenario.kind)) deliver(command);
  }
  return r;
}

const sum = (xs: Iterable<bigint>) => [...xs].reduce((a, b) => a + b, 0n);

/** The flows of credits recorded by the events, overall and per lot. */
function ledger(events: WalletEvent[]) {
  const totals = { granted: 0n, restored: 0n, consumed: 0n, expired: 0n };
  const perLot = new Map<string, { in: bigint; out: bigint }>();
  const lot = (id: string) => perLot.get(id) ?? perLot.set(id, { in: 0n, out: 0n }).get(id)!;
  for (const e of events) {
    switch (e.type) {
      case 'CreditsGranted':
        totals.granted += e.data.amount;
        lot(e.data.lotId).in += e.data.amount;
        break;
      case 'CreditsRestored':
        totals.restored += e.data.amount;
        for (const s of e.data.lots) lot(s.lotId).in += s.amount;
        break;
      case 'HoldCaptured':
      case 'AcceptCharged':
        totals.consumed += e.data.amount;
        for (const s of e.data.lots) lot(s.lotId).out += s.amount;
        break;
      case 'LotExpired':
        totals.expired += e.data.amount;
        lot(e.data.lotId).out += e.data.amount;
        break;
      default:
        break;
    }
  }
  return { totals, perLot };
}

function checkBalances(state: WalletState, events: WalletEvent[]): void {
  const balance = balanceOf(state);
  for (const lot of state.lots.values()) {
    expect(lot.remaining).toBeGreaterThanOrEqual(0n);
    if (lot.expired) expect(lot.remaining).toBe(0n);
  }
  expect(balance.available).toBeGreaterThanOrEqual(0n);
  expect(balance.held).toBeGreaterThanOrEqual(0n);
  const live = [...state.lots.values()].filter((l) => !l.expired);
  expect(sum(live.map((l) => l.remaining))).toBe(balance.available);
  expect(sum(Object.values(balance.byType))).toBe(balance.available);

  const { totals, perLot } = ledger(events);
  expect(balance.available + balance.held + totals.consumed + totals.expired).toBe(totals.granted + totals.restored);

  const heldOn = new Map<string, bigint>();
  for (const u of state.usages.values()) for (const s of u.held) heldOn.set(s.lotId, (heldOn.get(s.lotId) ?? 0n) + s.amount);
  for (const lot of state.lots.values()) {
    const flow = perLot.get(lot.lotId)!;
    expect(lot.remaining + (heldOn.get(lot.lotId) ?? 0n)).toBe(flow.in - flow.out);
  }
}

function dueLeftAfter(step: Step): string[] {
  const at = step.command.data.now.toISOString();
  const lots = [...step.after.lots.values()].filter((l) => !l.expired && l.expiresAt !== null && l.expiresAt <= at).map((l) => l.lotId);
  const holds = [...step.after.usages.values()].filter((u) => u.status === 'authorized' && u.holdExpiresAt !== null && u.holdExpiresAt <= at).map((u) => u.usageId);
  return [...lots, ...holds];
}

const options = { seed: SEED, numRuns: 200 };

describe('wallet fold properties (random command sequences)', () => {
  it('the generator exercises holds, captures, accepts, denials, releases, restorations and expiries', () => {
    const seen = new Set<string>();
    const tag = (e: WalletEvent) =>
      e.type === 'UsageDenied' ? `UsageDenied:${e.data.phase}` : e.type === 'HoldReleased' ? `HoldReleased:${e.data.reason}` : e.type;
    fc.assert(fc.property(scenarioArb, (s) => { run(s).events.forEach((e) => seen.add(tag(e))); }), options);
    expect([...seen].sort()).toEqual(
      ['AcceptCharged', 'AccountOpened', 'AutoTopUpRequested', 'CreditsGranted', 'CreditsRestored', 'HoldCaptured', 'HoldPlaced',
        'HoldReleased:cancelled', 'HoldReleased:platform_error', 'HoldReleased:timeout', 'LotExpired', 'LowBalanceAlertRaised', 'MembersChanged',
        'UsageDenied:accept', 'UsageDenied:generate', 'UsageFailedAfterCompletion', 'UsageRejected'].sort(),
    );
  });

  it('never lets a lot or the available balance go negative, and the credits always add up', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        run(s, (_step, r) => checkBalances(r.state, r.events));
      }),
      options,
    );
  });

  it('leaves nothing due behind: after each decision no lot past its expiry is live and no hold past its timeout is held', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        run(s, (step) => expect(dueLeftAfter(step)).toEqual([]));
      }),
      options,
    );
  });

  it('keeps available, held and the earliest hold expiry equal to what the lots and open holds count, after every event', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const r = run(s);
        let state = initialState;
        for (const event of r.events) {
          state = evolve(state, event);
          const { available, held, firstHoldExpiry } = state;
          expect({ available, held, firstHoldExpiry }).toEqual(countedFigures(state));
        }
      }),
      options,
    );
  });

  it('replaying all events from the initial state gives the live state', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const r = run(s);
        expect(fold(r.events, initialState)).toEqual(r.state);
        expect(r.events.reduce(evolve, initialState)).toEqual(r.state);
      }),
      options,
    );
  });

  it('folding the tail onto a snapshot of the head equals folding the whole stream', () => {
    fc.assert(
      fc.property(scenarioArb, fc.double({ min: 0, max: 1, noNaN: true }), (s, cut) => {
        const { events } = run(s);
        const k = Math.floor(cut * events.length);
        const snapshot = fold(events.slice(0, k), initialState);
        const whole = fold(events, initialState);
        expect(fold(events.slice(k), snapshot)).toEqual(whole);
        // folding does not disturb the snapshot it started from
        expect(snapshot).toEqual(fold(events.slice(0, k), initialState));
      }),
      options,
    );
  });

  it('delivering each command twice in a row changes nothing the second time', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        run(s, (step) => {
          // a command that was accepted once is answered from the state the second time: no events, no refusal
          expect(step.repeat).toEqual([]);
        });
      }),
      options,
    );
  });

  it('decides the same events for the same command and state (decide is pure)', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        run(s, (step, r) => expect(decide(step.command, step.before, r.policy)).toEqual(step.events));
      }),
      options,
    );
  });
});

/** Every command of the scenario in delivery order, with the time it is delivered at. */
function commandsOf(scenario: { kind: 'personal' | 'team'; actions: Action[] }): WalletCommand[] {
  let now = T0;
  const commands: WalletCommand[] = [{ type: 'OpenAccount', data: { tenantId: TENANT, accountId: ACCOUNT, kind: scenario.kind, members: ['alice', 'bob'], now } }];
  for (const action of scenario.actions) {
    if (action.kind === 'advance') now = new Date(now.getTime() + action.ms);
    commands.push(...commandsFor(action, now, scenario.kind));
  }
  return commands;
}

type Outcome = { events: WalletEvent[] } | { refused: string };

/**
 * Runs the commands the way WalletAccounts does on a state that keeps only `kept` closed usages: a
 * command about a retired usage is asked again with its record from the events so far. `claims`: an
 * authorize of an id never authorized before comes with the new claim's recall (usage null), as the
 * wallet service sends it.
 */
function runBounded(commands: WalletCommand[], policy: WalletPolicy, kept: number, claims: boolean) {
  let state: WalletState = { ...initialState, closedUsagesKept: kept };
  const events: WalletEvent[] = [];
  const outcomes: Outcome[] = [];
  const authorized = new Set<string>();
  let recalls = 0;
  for (const command of commands) {
    const fresh = claims && command.type === 'AuthorizeUsage' && !authorized.has(command.data.usageId);
    let recall: UsageRecall | undefined = fresh ? { usageId: (command.data as { usageId: string }).usageId, usage: null, closedSeq: state.closedSeq } : undefined;
    let outcome: Outcome | undefined;
    for (let attempt = 0; !outcome; attempt++) {
      try {
        outcome = { events: decide(command, state, policy, recall) };
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        if (e instanceof UsageRecallNeededError && attempt < 2) {
          recalls++;
          recall = { usageId: e.usageId, usage: usageInHistory(events, e.usageId), closedSeq: state.closedSeq };
          continue;
        }
        outcome = { refused: e.code };
      }
    }
    if (command.type === 'AuthorizeUsage') authorized.add(command.data.usageId);
    if ('events' in outcome) {
      events.push(...outcome.events);
      state = fold(outcome.events, state);
    }
    outcomes.push(outcome);
  }
  return { state, events, outcomes, recalls };
}

const withoutRecalls = (o: Outcome): Outcome => ('events' in o ? { events: o.events.filter((e) => e.type !== 'UsageRecalled') } : o);
const boundedArb = fc.record({ scenario: scenarioArb, kept: fc.integer({ min: 1, max: 3 }), claims: fc.boolean() });

describe('closed usages retiring from the hot state (bounded state, recalled usages)', () => {
  it('decides exactly what a state keeping every usage decides (less the UsageRecalled events), command by command', () => {
    let recalls = 0;
    fc.assert(
      fc.property(boundedArb, ({ scenario, kept, claims }) => {
        const commands = commandsOf(scenario);
        const every = runBounded(commands, scenario.policy, Number.POSITIVE_INFINITY, false);
        const bounded = runBounded(commands, scenario.policy, kept, claims);
        expect(every.recalls).toBe(0);
        expect(bounded.outcomes.map(withoutRecalls)).toEqual(every.outcomes);
        const { available, held } = bounded.state;
        expect({ available, held }).toEqual({ available: every.state.available, held: every.state.held });
        expect(bounded.state.memberSpending).toEqual(every.state.memberSpending);
        expect(bounded.state.usages.size).toBeLessThanOrEqual(bounded.state.openHolds.size + kept);
        recalls += bounded.recalls;
      }),
      options,
    );
    expect(recalls).toBeGreaterThan(100); // the runs did recall usages, many times
  });

  it('replays to the live state, and a snapshot of it restores the same state', () => {
    fc.assert(
      fc.property(boundedArb, ({ scenario, kept, claims }) => {
        const bounded = runBounded(commandsOf(scenario), scenario.policy, kept, claims);
        expect(fold(bounded.events, { ...initialState, closedUsagesKept: kept })).toEqual(bounded.state);
        const restored = walletFromSnapshot(JSON.parse(JSON.stringify(walletSnapshot(bounded.state), bigints), unbigints));
        expect(walletSnapshot(restored)).toEqual(walletSnapshot(bounded.state));
        expect(countedFigures(restored)).toEqual(countedFigures(bounded.state));
      }),
      options,
    );
  });

  it('asks again for a recall made before more usages closed than the state keeps (the record may be stale)', () => {
    const policy: WalletPolicy = { precision: 3, consumptionOrder: [...LOT_TYPES], holdTimeoutMs: HOUR_MS };
    const at = (ms: number) => new Date(T0.getTime() + ms);
    const commands: WalletCommand[] = [
      { type: 'OpenAccount', data: { tenantId: TENANT, accountId: ACCOUNT, kind: 'personal', members: [], now: at(0) } },
      { type: 'GrantCredits', data: { lotId: 'l', lotType: 'reward', amount: (10n ** BigInt(CREDIT_SCALE + 2)) as Credits, expiresAt: null, costBasis: null, source: { kind: 'grant', id: 'l' }, now: at(0) } },
      ...['a', 'b', 'c'].flatMap((usageId, i): WalletCommand[] => [
        { type: 'AuthorizeUsage', data: { usageId, userId: null, feature: 'f', options: {}, credits: (10n ** BigInt(CREDIT_SCALE)) as Credits, phases: null, priceVersion: 'v1', now: at(i) } },
        { type: 'CompleteUsage', data: { usageId, now: at(i) } },
      ]),
    ];
    const { state, events } = runBounded(commands, policy, 1, true);
    const complete: WalletCommand = { type: 'CompleteUsage', data: { usageId: 'a', now: at(9) } };
    expect(() => decide(complete, state, policy)).toThrow(UsageRecallNeededError);
    const record = usageInHistory(events, 'a');
    expect(record?.status).toBe('completed');
    // read when only one usage had closed since: too old for a state that keeps one
    expect(() => decide(complete, state, policy, { usageId: 'a', usage: record, closedSeq: state.closedSeq - 2 })).toThrow(UsageRecallNeededError);
    const recalled = decide(complete, state, policy, { usageId: 'a', usage: record, closedSeq: state.closedSeq });
    expect(recalled.map((e) => e.type)).toEqual(['UsageRecalled']); // completing again changes nothing but brings it back
    expect(fold(recalled, state).usages.get('a')).toEqual(record);
  });
});

function bigints(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? { $bigint: value.toString() } : value;
}

function unbigints(_key: string, value: unknown): unknown {
  return value && typeof value === 'object' && '$bigint' in value ? BigInt((value as { $bigint: string }).$bigint) : value;
}

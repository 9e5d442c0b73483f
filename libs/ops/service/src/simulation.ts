// Policy simulation: what a candidate tenant file (catalog, consumption order, hold timeout, member
// caps...) would have done over a period of recorded usage, without touching live state. Each account
// starts the period as recorded; within it, what customers did is replayed as commands through the
// wallet decider under the candidate (usage priced again from the candidate's catalog), and what the
// platform did on its own (expiries, rollovers) is decided again at the time it happened. Pure but
// for `simulateStored`, which reads the events.
import type { EventStore } from '@creditflow/event-store';
import { Credits, MoneyRounding, ZERO, creditsToMoney, formatCredits, formatMoney } from '@creditflow/kernel';
import { catalogAt, quote } from '@creditflow/pricing-domain';
import { refundRoundingOf } from '@creditflow/refund-domain';
import { TenantConfig } from '@creditflow/tenancy';
import { WALLET_CATEGORY, WalletEventMetadata, fromRecorded } from '@creditflow/wallet-application';
import { WalletCommand, WalletEvent, WalletState, decide, eventTime, evolve, initialState } from '@creditflow/wallet-domain';

export interface SimulationPeriod {
  from: Date;
  to: Date;
}

/** One side (recorded or candidate) of one account over the period. */
interface Side {
  /** Credits charged (captures and accept charges, less restorations), by feature. */
  charged: Map<string, Credits>;
  usages: Map<string, number>;
  denials: number;
  /** When the account was first denied for want of credits in the period: it "hit zero". */
  ranOutAt: string | null;
  expired: Credits;
  /** Expired credits of bought lots, in minor units of their currency (exact, rounded half-even per lot). */
  expiredMoney: Map<string, bigint>;
  clawedBack: Credits;
  /** What those claw-backs pay back: credits x the purchase's price per credit, at the tenant's refund rounding, in minor units. */
  clawedBackMoney: Map<string, bigint>;
  /** What purchases paid (their lots' cost basis), in minor units: the same on both sides, since purchases are replayed as made. */
  revenue: Map<string, bigint>;
}

export interface AccountSimulation {
  accountId: string;
  plan: string;
  recorded: Side;
  candidate: Side;
  /** Recorded events the candidate could not replay, by reason (e.g. a usage its catalog no longer offers). */
  notReplayed: Map<string, number>;
}

/** Replays one account's stream (oldest first) over the period under the candidate. */
export function simulateAccount(events: readonly WalletEvent[], recordedTenant: TenantConfig, candidate: TenantConfig, period: SimulationPeriod): AccountSimulation {
  const policy = candidate.walletPolicy;
  const rounding = { recorded: refundRoundingOf(recordedTenant.refundPolicy), candidate: refundRoundingOf(candidate.refundPolicy) };
  // Every usage stays hot: the replay decides about usages of any age, with no store to recall them from.
  const start: WalletState = { ...initialState, closedUsagesKept: Number.POSITIVE_INFINITY };
  let recorded = start;
  let simulated = start;
  const sides = { recorded: emptySide(), candidate: emptySide() };
  const notReplayed = new Map<string, number>();
  const skip = (reason: string) => notReplayed.set(reason, (notReplayed.get(reason) ?? 0) + 1);
  /** Usages the candidate refused or never saw: their later steps are not replayed. */
  const absent = new Set<string>();
  let pendingPlan: string | undefined;

  for (const event of events) {
    const at = new Date(eventTime(event));
    if (at >= period.to) break;
    if (at < period.from) {
      recorded = evolve(recorded, event);
      simulated = evolve(simulated, event);
      continue;
    }
    measure(sides.recorded, recorded, event, rounding.recorded);
    recorded = evolve(recorded, event);

    const replay = commandFor(event, simulated, recordedTenant, candidate, at, pendingPlan);
    if (event.type === 'PlanAssigned') pendingPlan = event.data.planId;
    if (event.type === 'CreditsGranted') pendingPlan = undefined;
    if (replay === null) continue;
    if ('skip' in replay) {
      skip(replay.skip);
      if (replay.usageId) absent.add(replay.usageId);
      continue;
    }
    if (replay.usageId && absent.has(replay.usageId)) continue;
    let decided: WalletEvent[];
    try {
      decided = 'command' in replay ? decide(replay.command, simulated, policy) : [replay.event];
    } catch (error) {
      skip(`${event.type}: ${(error as { code?: string }).code ?? (error as Error).message}`);
      if (replay.usageId) absent.add(replay.usageId);
      continue;
    }
    for (const e of decided) {
      measure(sides.candidate, simulated, e, rounding.candidate);
      simulated = evolve(simulated, e);
    }
    if (event.type === 'HoldPlaced' && !simulated.openHolds.has(event.data.usageId)) absent.add(event.data.usageId);
    // A usage denied as recorded that the candidate serves: the generation would have run, so it completes.
    if (event.type === 'UsageDenied' && event.data.phase === 'generate' && simulated.openHolds.has(event.data.usageId)) {
      for (const e of decide({ type: 'CompleteUsage', data: { usageId: event.data.usageId, now: at } }, simulated, policy)) {
        measure(sides.candidate, simulated, e, rounding.candidate);
        simulated = evolve(simulated, e);
      }
    }
  }
  return { accountId: recorded.accountId, plan: recorded.plan?.planId ?? '(none)', recorded: sides.recorded, candidate: sides.candidate, notReplayed };
}

type Replay = { command: WalletCommand; usageId?: string } | { event: WalletEvent; usageId?: string } | { skip: string; usageId?: string } | null;

/** The command that makes the candidate do what the recorded event says was done, at the same time. */
function commandFor(event: WalletEvent, state: WalletState, recordedTenant: TenantConfig, candidate: TenantConfig, now: Date, planId: string | undefined): Replay {
  switch (event.type) {
    case 'AccountOpened':
      return { command: { type: 'OpenAccount', data: { tenantId: event.data.tenantId, accountId: event.data.accountId, kind: event.data.kind, members: event.data.members, now } } };
    case 'MembersChanged':
      return { command: { type: 'OpenAccount', data: { tenantId: state.tenantId, accountId: state.accountId, kind: state.kind, members: event.data.members, now } } };
    case 'PlanAssigned':
      return null; // recorded again by the grant that names the plan
    case 'CreditsGranted': {
      const d = event.data;
      const data = { lotId: d.lotId, lotType: d.lotType, amount: d.amount, expiresAt: d.expiresAt ? new Date(d.expiresAt) : null, costBasis: d.costBasis, source: d.source, now };
      return { command: { type: 'GrantCredits', data: planId ? { ...data, planId } : data } };
    }
    case 'HoldPlaced': {
      const d = event.data;
      try {
        const q = quote(catalogAt(candidate.catalogVersions, now), { feature: d.feature, ...d.options }, candidate.precision);
        return {
          usageId: d.usageId,
          command: { type: 'AuthorizeUsage', data: { usageId: d.usageId, userId: d.userId, feature: d.feature, options: d.options, credits: q.credits, phases: q.phases ?? null, priceVersion: q.priceVersion, now } },
        };
      } catch (error) {
        return { skip: `usage not priced by the candidate: ${(error as { code?: string }).code ?? (error as Error).message}`, usageId: d.usageId };
      }
    }
    case 'UsageDenied':
      if (event.data.phase === 'accept') return { usageId: event.data.usageId, command: { type: 'AcceptUsage', data: { usageId: event.data.usageId, now } } };
      // The denial recorded the price, not the options: priced again in proportion to the recorded catalog's default price.
      return repricedDenial(event, recordedTenant, candidate, now);
    case 'HoldCaptured':
      return { usageId: event.data.usageId, command: { type: 'CompleteUsage', data: { usageId: event.data.usageId, now } } };
    case 'HoldReleased':
      return event.data.reason === 'timeout'
        ? { command: { type: 'ExpireDue', data: { now } } }
        : { usageId: event.data.usageId, command: { type: 'FailUsage', data: { usageId: event.data.usageId, reason: event.data.reason, now } } };
    case 'AcceptCharged':
      return { usageId: event.data.usageId, command: { type: 'AcceptUsage', data: { usageId: event.data.usageId, now } } };
    case 'UsageRejected':
      return { usageId: event.data.usageId, command: { type: 'RejectUsage', data: { usageId: event.data.usageId, now } } };
    case 'UsageFailedAfterCompletion':
      return { usageId: event.data.usageId, command: { type: 'FailUsage', data: { usageId: event.data.usageId, reason: event.data.reason, now } } };
    case 'CreditsRestored':
      return { usageId: event.data.usageId, command: { type: 'RestoreUsageCredits', data: { restorationId: event.data.restorationId, usageId: event.data.usageId, reason: event.data.reason, now } } };
    case 'CreditsClawedBack':
      return { command: { type: 'ClawBackCredits', data: { refundId: event.data.refundId, lotId: event.data.lotId, amount: event.data.amount, now } } };
    case 'ClawBackRefused':
      return { command: { type: 'ClawBackCredits', data: { refundId: event.data.refundId, lotId: event.data.lotId, amount: event.data.requested, now } } };
    case 'RolloverExpired':
      return { command: { type: 'ExpireRollover', data: { eventId: event.data.eventId, cap: event.data.cap, cycleEnd: new Date(event.data.cycleEnd), now } } };
    case 'LotExpired': {
      if (!event.data.replacedBy) return { command: { type: 'ExpireDue', data: { now } } };
      // A new day's lot replaced this one: what is left of it under the candidate goes.
      const lot = state.lots.get(event.data.lotId);
      return lot && !lot.expired ? { event: { type: 'LotExpired', data: { ...event.data, amount: lot.remaining } } } : null;
    }
    case 'LoginRecorded':
    case 'AutoTopUpConfigured':
    case 'MemberSpendingLimitSet':
      return { event };
    case 'LowBalanceAlertRaised':
    case 'AutoTopUpRequested':
    case 'RunningOutAlertRaised':
    case 'CreditsExpiringSoon':
      return null; // the candidate raises its own
    default:
      return { skip: `unknown event ${(event as { type: string }).type}` };
  }
}

function repricedDenial(event: Extract<WalletEvent, { type: 'UsageDenied' }>, recordedTenant: TenantConfig, candidate: TenantConfig, now: Date): Replay {
  const d = event.data;
  try {
    const was = quote(catalogAt(recordedTenant.catalogVersions, now), { feature: d.feature }, recordedTenant.precision).credits;
    const is = quote(catalogAt(candidate.catalogVersions, now), { feature: d.feature }, candidate.precision).credits;
    const credits = (was === 0n ? is : (d.required * is) / was) as Credits;
    return {
      usageId: d.usageId,
      command: { type: 'AuthorizeUsage', data: { usageId: d.usageId, userId: d.userId, feature: d.feature, options: {}, credits, phases: null, priceVersion: 'simulated', now } },
    };
  } catch (error) {
    return { skip: `usage not priced by the candidate: ${(error as { code?: string }).code ?? (error as Error).message}`, usageId: d.usageId };
  }
}

/** What an event (about to be folded into `state`) adds to a side's figures. */
function measure(side: Side, state: WalletState, event: WalletEvent, refundRounding: MoneyRounding): void {
  const add = (feature: string, amount: bigint) => side.charged.set(feature, ((side.charged.get(feature) ?? 0n) + amount) as Credits);
  const addMoney = (into: Map<string, bigint>, currency: string, minor: bigint) => into.set(currency, (into.get(currency) ?? 0n) + minor);
  const featureOf = (usageId: string) => state.usages.get(usageId)?.feature ?? '(unknown)';
  switch (event.type) {
    case 'HoldPlaced':
      side.usages.set(event.data.feature, (side.usages.get(event.data.feature) ?? 0) + 1);
      return;
    case 'HoldCaptured':
    case 'AcceptCharged':
      add(featureOf(event.data.usageId), event.data.amount);
      return;
    case 'CreditsRestored':
      add(featureOf(event.data.usageId), -event.data.amount);
      return;
    case 'UsageDenied':
      if (event.data.memberLimit) return;
      side.denials++;
      // A rate limit denies with credits left: the account did not run out.
      if (!event.data.rateLimit) side.ranOutAt ??= event.data.deniedAt;
      return;
    case 'LotExpired':
    case 'RolloverExpired': {
      const shares = event.type === 'LotExpired' ? [{ lotId: event.data.lotId, amount: event.data.amount }] : event.data.lots;
      for (const share of shares) {
        side.expired = (side.expired + share.amount) as Credits;
        const lot = state.lots.get(share.lotId);
        if (lot?.costBasis) {
          const { minor } = creditsToMoney(share.amount, lot.amount, { minor: lot.costBasis.paidMinor, currency: lot.costBasis.currency }, 'half-even');
          addMoney(side.expiredMoney, lot.costBasis.currency, minor);
        }
      }
      return;
    }
    case 'CreditsClawedBack': {
      side.clawedBack = (side.clawedBack + event.data.amount) as Credits;
      const lot = state.lots.get(event.data.lotId);
      if (lot?.costBasis) {
        const { minor } = creditsToMoney(event.data.amount, lot.amount, { minor: lot.costBasis.paidMinor, currency: lot.costBasis.currency }, refundRounding);
        addMoney(side.clawedBackMoney, lot.costBasis.currency, minor);
      }
      return;
    }
    case 'CreditsGranted':
      if (event.data.costBasis) addMoney(side.revenue, event.data.costBasis.currency, event.data.costBasis.paidMinor);
      return;
    default:
      return;
  }
}

function emptySide(): Side {
  return { charged: new Map(), usages: new Map(), denials: 0, ranOutAt: null, expired: ZERO, expiredMoney: new Map(), clawedBack: ZERO, clawedBackMoney: new Map(), revenue: new Map() };
}

// ---- the report ---------------------------------------------------------------------------------

export interface SimulationRow {
  feature: string;
  plan: string;
  usages: number;
  recordedCredits: string;
  candidateCredits: string;
  change: string;
}

export interface SimulationReport {
  tenantId: string;
  from: string;
  to: string;
  accounts: number;
  rows: SimulationRow[];
  totals: { recordedCredits: string; candidateCredits: string; change: string };
  denials: { recorded: number; candidate: number };
  accountsRanOut: { recorded: number; candidate: number; candidateEarlier: { accountId: string; recorded: string | null; candidate: string }[] };
  breakage: { recordedCredits: string; candidateCredits: string; recordedMoney: Record<string, string>; candidateMoney: Record<string, string> };
  /** Refunds owed: the credits refunds clawed back, and the money they pay back (by currency). */
  clawedBack: { recordedCredits: string; candidateCredits: string; recordedMoney: Record<string, string>; candidateMoney: Record<string, string> };
  /** What purchases in the period paid, by currency; purchases are replayed as made, so both sides agree. */
  revenue: { recordedMoney: Record<string, string>; candidateMoney: Record<string, string> };
  notReplayed: Record<string, number>;
}

export function simulationReport(tenantId: string, period: SimulationPeriod, accounts: readonly AccountSimulation[]): SimulationReport {
  const rows = new Map<string, { feature: string; plan: string; usages: number; recorded: bigint; candidate: bigint }>();
  let recordedTotal = 0n;
  let candidateTotal = 0n;
  const notReplayed: Record<string, number> = {};
  const sum = (pick: (s: Side) => bigint, side: 'recorded' | 'candidate') => accounts.reduce((t, a) => t + pick(a[side]), 0n);
  const money = (side: 'recorded' | 'candidate', pick: (s: Side) => Map<string, bigint> = (s) => s.expiredMoney) => {
    const out = new Map<string, bigint>();
    for (const a of accounts) for (const [c, m] of pick(a[side])) out.set(c, (out.get(c) ?? 0n) + m);
    return Object.fromEntries([...out].map(([currency, minor]) => [currency, formatMoney({ minor, currency })]));
  };
  for (const a of accounts) {
    const features = new Set([...a.recorded.charged.keys(), ...a.candidate.charged.keys(), ...a.recorded.usages.keys()]);
    for (const feature of features) {
      const key = `${feature}\u0000${a.plan}`;
      const row = rows.get(key) ?? { feature, plan: a.plan, usages: 0, recorded: 0n, candidate: 0n };
      row.usages += a.recorded.usages.get(feature) ?? 0;
      row.recorded += a.recorded.charged.get(feature) ?? 0n;
      row.candidate += a.candidate.charged.get(feature) ?? 0n;
      rows.set(key, row);
    }
    for (const [reason, n] of a.notReplayed) notReplayed[reason] = (notReplayed[reason] ?? 0) + n;
  }
  for (const r of rows.values()) {
    recordedTotal += r.recorded;
    candidateTotal += r.candidate;
  }
  const c = (v: bigint) => formatCredits(v as Credits);
  const earlier = accounts
    .filter((a) => a.candidate.ranOutAt !== null && (a.recorded.ranOutAt === null || a.candidate.ranOutAt < a.recorded.ranOutAt))
    .map((a) => ({ accountId: a.accountId, recorded: a.recorded.ranOutAt, candidate: a.candidate.ranOutAt! }));
  return {
    tenantId,
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    accounts: accounts.length,
    rows: [...rows.values()]
      .sort((a, b) => a.feature.localeCompare(b.feature) || a.plan.localeCompare(b.plan))
      .map((r) => ({ feature: r.feature, plan: r.plan, usages: r.usages, recordedCredits: c(r.recorded), candidateCredits: c(r.candidate), change: c(r.candidate - r.recorded) })),
    totals: { recordedCredits: c(recordedTotal), candidateCredits: c(candidateTotal), change: c(candidateTotal - recordedTotal) },
    denials: { recorded: accounts.reduce((t, a) => t + a.recorded.denials, 0), candidate: accounts.reduce((t, a) => t + a.candidate.denials, 0) },
    accountsRanOut: { recorded: accounts.filter((a) => a.recorded.ranOutAt).length, candidate: accounts.filter((a) => a.candidate.ranOutAt).length, candidateEarlier: earlier },
    breakage: { recordedCredits: c(sum((s) => s.expired, 'recorded')), candidateCredits: c(sum((s) => s.expired, 'candidate')), recordedMoney: money('recorded'), candidateMoney: money('candidate') },
    clawedBack: {
      recordedCredits: c(sum((s) => s.clawedBack, 'recorded')), candidateCredits: c(sum((s) => s.clawedBack, 'candidate')),
      recordedMoney: money('recorded', (s) => s.clawedBackMoney), candidateMoney: money('candidate', (s) => s.clawedBackMoney),
    },
    revenue: { recordedMoney: money('recorded', (s) => s.revenue), candidateMoney: money('candidate', (s) => s.revenue) },
    notReplayed,
  };
}


/** Reads every wallet stream of the tenant from the store (oldest first) and simulates the period. */
export async function simulateStored(store: EventStore, recordedTenant: TenantConfig, candidate: TenantConfig, period: SimulationPeriod): Promise<SimulationReport> {
  const streams = new Map<string, WalletEvent[]>();
  for (let position = 0n; ; ) {
    const page = await store.readAll({ category: WALLET_CATEGORY, fromPosition: position, maxCount: 2000 });
    if (!page.length) break;
    position = page[page.length - 1].position;
    for (const recorded of page) {
      if ((recorded.metadata as unknown as WalletEventMetadata).tenantId !== recordedTenant.tenantId) continue;
      const events = streams.get(recorded.streamName) ?? [];
      events.push(fromRecorded(recorded));
      streams.set(recorded.streamName, events);
    }
  }
  return simulationReport(recordedTenant.tenantId, period, [...streams.values()].map((events) => simulateAccount(events, recordedTenant, candidate, period)));
}

export const SIMULATION_CSV_COLUMNS = ['feature', 'plan', 'usages', 'recordedCredits', 'candidateCredits', 'change'] as const;

// The account's state is a fold of its events. `evolve` never throws, validates or reads the clock;
// it copies only what an event changes, so earlier states stay valid (decide may fold ahead).
import { assertNever, Credits, PersistentMap, PersistentSet, ZERO } from '@creditflow/kernel';
import { AllowanceShare, AllowanceUse, withAllowanceUses, withoutAllowanceUses, withRateLimitUses } from './allowances';
import { CostBasis, LotShare, LotSource, MemberLimitDenial, RateLimitDenial, WalletEvent } from './wallet.events';
import { LotType } from './wallet.policy';

export interface Lot {
  lotId: string;
  type: LotType;
  amount: Credits;
  /** Neither consumed, held nor expired. */
  remaining: Credits;
  grantedAt: string;
  expiresAt: string | null;
  expired: boolean;
  /** Its coming expiry was noticed (CreditsExpiringSoon); absent on lots from before notices existed. */
  expiryNoticed?: boolean;
  costBasis: CostBasis | null;
  source: LotSource;
  fingerprint: string;
}

export type UsageStatus = 'authorized' | 'denied' | 'completed' | 'accepted' | 'rejected' | 'failed';

export interface Usage {
  usageId: string;
  userId: string | null;
  feature: string;
  status: UsageStatus;
  /** Quoted price of the first (or only) phase, held at authorization. */
  credits: Credits;
  phases: { generate: Credits; accept: Credits } | null;
  priceVersion: string;
  /** Lots still held for this usage (authorized only). */
  held: LotShare[];
  holdExpiresAt: string | null;
  /** Lots actually charged, all phases. */
  charged: LotShare[];
  /** Why the last authorize/accept was refused (status denied, or a denied accept). */
  denial: { required: Credits; available: Credits; memberLimit?: MemberLimitDenial; rateLimit?: RateLimitDenial } | null;
  /** Where the generate (or only) phase's credits came from, as authorized: allowances first, then lots. */
  paidFrom: PaidFrom;
  /** Where the accept phase's credits came from; null until it is charged. */
  acceptPaidFrom: PaidFrom | null;
  /** Allowance uses this usage still counts in windows: given back when its hold is released or its charge restored. */
  allowances: AllowanceShare[];
  restored: boolean;
  fingerprint: string;
}

/** Where a charge's credits came from: free allowances, then lots in the consumption order. */
export interface PaidFrom {
  allowances: AllowanceShare[];
  lots: LotShare[];
}

export interface WalletState {
  exists: boolean;
  tenantId: string;
  accountId: string;
  kind: 'personal' | 'team';
  members: string[];
  /** The plan named by the latest subscription grant; null before any (member caps). */
  plan: { planId: string; subscriptionId: string; since: string } | null;
  lots: ReadonlyMap<string, Lot>;
  /**
   * The hot usages: every open hold, and the latest `closedUsagesKept` usages that closed (captured,
   * released or denied). Older closed usages retire (leave the state), so the state stays bounded
   * however long the account's history; a command about a retired usage gets its record back from the
   * history first (UsageRecalled, see `decide`'s UsageRecall).
   */
  usages: ReadonlyMap<string, Usage>;
  /** How many closed usages stay hot: set by the initial state, the same on every replay. */
  closedUsagesKept: number;
  /** Closed usages still hot, in the order they closed (or were recalled): sequence number -> usageId. */
  closedUsages: ReadonlyMap<string, string>;
  /** Usages closed or recalled so far: the next sequence number of `closedUsages`. */
  closedSeq: number;
  /** Closed usages that left the hot state so far: the sequence number of the oldest one still hot. */
  retiredUsages: number;
  /** Usages holding credits (status authorized): settlement and balances read these, not every usage. */
  openHolds: ReadonlySet<string>;
  restorations: ReadonlySet<string>;
  /** Rollover-expiry events already applied, by their deterministic id. */
  rollovers: ReadonlySet<string>;
  /** Claw-backs by refundId, applied or refused: each refund is answered once. */
  clawBacks: ReadonlyMap<string, { lotId: string; amount: Credits; applied: boolean }>;
  /** Recorded logins: loginId -> the daily lot of its window (a repeated loginId answers with it). */
  logins: ReadonlyMap<string, string>;
  /** The account's own automatic top-up settings; null: the tenant's (see `autoTopUpOf`). */
  autoTopUp: AccountAutoTopUp | null;
  /** Team members' monthly spending limits on the shared balance, by userId. */
  memberLimits: ReadonlyMap<string, Credits>;
  /** What each member spent in the last month they spent in: see `memberSpentIn`. */
  memberSpending: ReadonlyMap<string, MemberMonth>;
  openedAt: string;
  /** Credits charged by UTC day (captures and accept charges, less restorations), the last SPENDING_DAYS days: see `forecastOf`. */
  spendingByDay: ReadonlyMap<string, Credits>;
  /** Allowance uses still in their windows, by allowance id (see allowances.ts). */
  allowanceUses: ReadonlyMap<string, readonly AllowanceUse[]>;
  /** Authorizations rate limits still count, by limit id: when each leaves its window. */
  rateLimitUses: ReadonlyMap<string, readonly number[]>;
  // Figures kept by evolve so that a decision does not recompute them from every lot and open hold
  // (an account with hundreds of holds in flight paid for that on every command). Always equal to
  // what `countedFigures` computes from the lots and holds (property-tested); not trusted from a
  // snapshot: walletFromSnapshot computes them again.
  /** The sum of `remaining` over lots not expired: what `availableOf` answers. */
  available: Credits;
  /** The sum of the shares the open holds keep. */
  held: Credits;
  /** The earliest `holdExpiresAt` of the open holds (null: no hold that times out): settlement looks for timed-out holds only from then on. */
  firstHoldExpiry: string | null;
}

/** How many days of spending the state keeps for forecasts. */
export const SPENDING_DAYS = 31;

/**
 * A member's spending in one UTC calendar month, by the events' own times: holds placed and accept
 * charges, less holds released and credits restored (never below zero: a hold of last month released
 * this month gives nothing back to this month).
 */
export interface MemberMonth {
  month: string;
  spent: Credits;
}

/** The month (UTC, YYYY-MM) of an ISO time or a date. */
export function monthOf(at: string | Date): string {
  return (typeof at === 'string' ? at : at.toISOString()).slice(0, 7);
}

/** What `userId` has spent in the month of `now`. */
export function memberSpentIn(state: WalletState, userId: string, now: Date): Credits {
  const m = state.memberSpending.get(userId);
  return m && m.month === monthOf(now) ? m.spent : ZERO;
}

export interface AccountAutoTopUp {
  enabled: boolean;
  /** null: the tenant's threshold. */
  threshold: Credits | null;
  /** null: the tenant's package. */
  packageId: string | null;
}

export const initialState: WalletState = {
  exists: false,
  tenantId: '',
  accountId: '',
  kind: 'personal',
  members: [],
  plan: null,
  lots: new Map(),
  usages: PersistentMap.empty(),
  closedUsagesKept: 250,
  closedUsages: PersistentMap.empty(),
  closedSeq: 0,
  retiredUsages: 0,
  openHolds: PersistentSet.empty(),
  restorations: new Set(),
  rollovers: new Set(),
  clawBacks: new Map(),
  logins: PersistentMap.empty(),
  autoTopUp: null,
  memberLimits: new Map(),
  memberSpending: new Map(),
  openedAt: '',
  spendingByDay: new Map(),
  allowanceUses: new Map(),
  rateLimitUses: new Map(),
  available: ZERO,
  held: ZERO,
  firstHoldExpiry: null,
};

export function evolve(state: WalletState, event: WalletEvent): WalletState {
  switch (event.type) {
    case 'AccountOpened':
      return {
        ...state, exists: true, tenantId: event.data.tenantId, accountId: event.data.accountId, kind: event.data.kind, members: event.data.members,
        openedAt: event.data.openedAt,
      };
    case 'MembersChanged':
      return { ...state, members: event.data.members };
    case 'PlanAssigned':
      return { ...state, plan: { planId: event.data.planId, subscriptionId: event.data.subscriptionId, since: event.data.assignedAt } };
    case 'CreditsGranted': {
      const d = event.data;
      const lot: Lot = {
        lotId: d.lotId, type: d.lotType, amount: d.amount, remaining: d.amount, grantedAt: d.grantedAt, expiresAt: d.expiresAt,
        expired: false, costBasis: d.costBasis, source: d.source, fingerprint: d.fingerprint,
      };
      return withLots(state, new Map(state.lots).set(d.lotId, lot), [d.lotId]);
    }
    case 'HoldPlaced': {
      const d = event.data;
      const usage: Usage = {
        usageId: d.usageId, userId: d.userId, feature: d.feature, status: 'authorized', credits: d.credits, phases: d.phases,
        priceVersion: d.priceVersion, held: d.lots, holdExpiresAt: d.expiresAt, charged: [], denial: null, restored: false,
        fingerprint: d.fingerprint, paidFrom: { allowances: d.allowances ?? [], lots: d.lots }, acceptPaidFrom: null, allowances: d.allowances ?? [],
      };
      const opened = withHold(withoutHold(state, d.usageId), usage);
      return {
        ...withLots(opened, adjustLots(state.lots, d.lots, -1n), d.lots.map((l) => l.lotId)), usages: withEntry(state.usages, d.usageId, usage),
        // The member spends what the shared balance pays: allowances are free.
        memberSpending: spend(state, d.userId, d.placedAt, sumLots(d.lots)),
        allowanceUses: withAllowanceUses(state.allowanceUses, d.usageId, d.allowances, d.placedAt),
        rateLimitUses: withRateLimitUses(state.rateLimitUses, d.rateLimits, d.placedAt),
      };
    }
    case 'UsageDenied': {
      const d = event.data;
      const existing = state.usages.get(d.usageId);
      const usage: Usage = existing
        ? { ...existing, denial: denialOf(d) }
        : {
            usageId: d.usageId, userId: d.userId, feature: d.feature, status: 'denied', credits: d.required, phases: null,
            priceVersion: '', held: [], holdExpiresAt: null, charged: [], denial: denialOf(d),
            restored: false, fingerprint: d.fingerprint, paidFrom: { allowances: [], lots: [] }, acceptPaidFrom: null, allowances: [],
          };
      const denied = { ...state, usages: withEntry(state.usages, d.usageId, usage) };
      return existing ? denied : withClosed(denied, d.usageId);
    }
    case 'UsageRecalled': {
      const { usage } = event.data;
      return withClosed({ ...state, usages: withEntry(state.usages, usage.usageId, usage) }, usage.usageId);
    }
    case 'HoldCaptured': {
      const captured = closeHold(state, event.data.usageId, (u) => ({ ...u, status: 'completed', held: [], holdExpiresAt: null, charged: [...u.charged, ...event.data.lots] }));
      return { ...captured, spendingByDay: spentOn(state, event.data.capturedAt, event.data.amount) };
    }
    case 'HoldReleased': {
      const released = closeHold(state, event.data.usageId, (u) => ({ ...u, status: 'failed', held: [], holdExpiresAt: null, allowances: [] }));
      const userId = state.usages.get(event.data.usageId)?.userId ?? null;
      return {
        ...withLots(released, adjustLots(state.lots, event.data.lots, 1n), event.data.lots.map((l) => l.lotId)),
        memberSpending: spend(state, userId, event.data.releasedAt, -event.data.amount as Credits),
        allowanceUses: withoutAllowanceUses(state.allowanceUses, event.data.usageId),
      };
    }
    case 'AcceptCharged': {
      const paid = event.data.allowances ?? [];
      const charged = updateUsage(state, event.data.usageId, (u) => ({
        ...u, status: 'accepted', denial: null, charged: [...u.charged, ...event.data.lots], acceptPaidFrom: { allowances: paid, lots: event.data.lots },
        allowances: [...u.allowances, ...paid],
      }));
      const userId = state.usages.get(event.data.usageId)?.userId ?? null;
      return {
        ...withLots(charged, adjustLots(state.lots, event.data.lots, -1n), event.data.lots.map((l) => l.lotId)),
        memberSpending: spend(state, userId, event.data.chargedAt, event.data.amount),
        spendingByDay: spentOn(state, event.data.chargedAt, event.data.amount),
        allowanceUses: withAllowanceUses(state.allowanceUses, event.data.usageId, paid, event.data.chargedAt),
      };
    }
    case 'UsageRejected':
      return updateUsage(state, event.data.usageId, (u) => ({ ...u, status: 'rejected' }));
    case 'UsageFailedAfterCompletion':
      return updateUsage(state, event.data.usageId, (u) => ({ ...u, status: 'failed' }));
    case 'CreditsRestored': {
      const restored = updateUsage(state, event.data.usageId, (u) => ({ ...u, restored: true, allowances: [] }));
      const restorations = new Set(state.restorations).add(event.data.restorationId);
      const userId = state.usages.get(event.data.usageId)?.userId ?? null;
      return {
        ...withLots(restored, adjustLots(state.lots, event.data.lots, 1n), event.data.lots.map((l) => l.lotId)), restorations,
        memberSpending: spend(state, userId, event.data.restoredAt, -event.data.amount as Credits),
        spendingByDay: spentOn(state, event.data.restoredAt, -event.data.amount as Credits),
        allowanceUses: withoutAllowanceUses(state.allowanceUses, event.data.usageId),
      };
    }
    case 'RolloverExpired': {
      const rollovers = new Set(state.rollovers).add(event.data.eventId);
      return { ...withLots(state, adjustLots(state.lots, event.data.lots, -1n), event.data.lots.map((l) => l.lotId)), rollovers };
    }
    case 'LotExpired': {
      const lot = state.lots.get(event.data.lotId);
      if (!lot) return state;
      const remaining = (lot.remaining - event.data.amount) as Credits;
      return withLots(state, new Map(state.lots).set(lot.lotId, { ...lot, remaining, expired: true }), [lot.lotId]);
    }
    case 'CreditsClawedBack': {
      const d = event.data;
      const clawBacks = new Map(state.clawBacks).set(d.refundId, { lotId: d.lotId, amount: d.amount, applied: true });
      return { ...withLots(state, adjustLots(state.lots, [{ lotId: d.lotId, amount: d.amount }], -1n), [d.lotId]), clawBacks };
    }
    case 'ClawBackRefused': {
      const d = event.data;
      return { ...state, clawBacks: new Map(state.clawBacks).set(d.refundId, { lotId: d.lotId, amount: d.requested, applied: false }) };
    }
    case 'LoginRecorded':
      return { ...state, logins: withEntry(state.logins, event.data.loginId, event.data.lotId) };
    case 'AutoTopUpConfigured': {
      const { enabled, threshold, packageId } = event.data;
      return { ...state, autoTopUp: { enabled, threshold, packageId } };
    }
    case 'MemberSpendingLimitSet': {
      const { userId, monthlyCredits } = event.data;
      const memberLimits = new Map(state.memberLimits);
      if (monthlyCredits === null) memberLimits.delete(userId);
      else memberLimits.set(userId, monthlyCredits);
      return { ...state, memberLimits };
    }
    case 'CreditsExpiringSoon': {
      const lot = state.lots.get(event.data.lotId);
      if (!lot) return state;
      return withLots(state, new Map(state.lots).set(lot.lotId, { ...lot, expiryNoticed: true }), [lot.lotId]);
    }
    case 'LowBalanceAlertRaised':
    case 'AutoTopUpRequested':
    case 'RunningOutAlertRaised':
      return state;
    default:
      return assertNever(event);
  }
}

export function fold(events: Iterable<WalletEvent>, from: WalletState = initialState): WalletState {
  let state = from;
  for (const e of events) state = evolve(state, e);
  return state;
}

export interface Balance {
  available: Credits;
  held: Credits;
  byType: Record<LotType, Credits>;
}

export function balanceOf(state: WalletState): Balance {
  const byType: Record<LotType, Credits> = { daily: ZERO, trial: ZERO, subscription: ZERO, reward: ZERO, topup: ZERO };
  for (const lot of state.lots.values()) {
    if (lot.expired) continue;
    byType[lot.type] = (byType[lot.type] + lot.remaining) as Credits;
  }
  return { available: state.available, held: state.held, byType };
}

/** The credits the account can spend now (before settling what is due): kept by evolve, not summed. */
export function availableOf(state: WalletState): Credits {
  return state.available;
}

/** The figures evolve keeps (available, held, firstHoldExpiry), computed from the lots and open holds. */
export function countedFigures(state: Pick<WalletState, 'lots' | 'openHolds' | 'usages'>): Pick<WalletState, 'available' | 'held' | 'firstHoldExpiry'> {
  let available = 0n;
  for (const lot of state.lots.values()) if (!lot.expired) available += lot.remaining;
  return { available: available as Credits, ...countedHolds(state) };
}

function countedHolds(state: Pick<WalletState, 'openHolds' | 'usages'>): Pick<WalletState, 'held' | 'firstHoldExpiry'> {
  let held = 0n;
  let firstHoldExpiry: string | null = null;
  for (const id of state.openHolds) {
    const usage = state.usages.get(id);
    if (!usage) continue;
    for (const share of usage.held) held += share.amount;
    if (usage.holdExpiresAt !== null && (firstHoldExpiry === null || usage.holdExpiresAt < firstHoldExpiry)) firstHoldExpiry = usage.holdExpiresAt;
  }
  return { held: held as Credits, firstHoldExpiry };
}

/** The state with `lots` replaced, its available figure moved by what the lots named by `changed` now count for. */
function withLots(state: WalletState, lots: Map<string, Lot>, changed: string[]): WalletState {
  let available = state.available as bigint;
  for (const lotId of new Set(changed)) available += live(lots.get(lotId)) - live(state.lots.get(lotId));
  return { ...state, lots, available: available as Credits };
}

function live(lot: Lot | undefined): bigint {
  return lot && !lot.expired ? lot.remaining : 0n;
}

/** `usage` (authorized) added to the open holds. */
function withHold(state: WalletState, usage: Usage): WalletState {
  const expiry = usage.holdExpiresAt;
  return {
    ...state,
    // A PersistentSet: adding copies one path, not every open hold (an account may have thousands in flight).
    openHolds: PersistentSet.from(state.openHolds).add(usage.usageId),
    held: (state.held + sumHeld(usage)) as Credits,
    firstHoldExpiry: expiry !== null && (state.firstHoldExpiry === null || expiry < state.firstHoldExpiry) ? expiry : state.firstHoldExpiry,
  };
}

/** The usage's hold (if open) removed from the open holds; the earliest expiry found again only when it was this hold's. */
function withoutHold(state: WalletState, usageId: string): WalletState {
  if (!state.openHolds.has(usageId)) return state;
  const usage = state.usages.get(usageId);
  const next = { ...state, openHolds: PersistentSet.from(state.openHolds).delete(usageId), held: (state.held - (usage ? sumHeld(usage) : 0n)) as Credits };
  if (next.openHolds.size === 0) next.firstHoldExpiry = null;
  else if (usage?.holdExpiresAt !== null && usage?.holdExpiresAt === state.firstHoldExpiry) next.firstHoldExpiry = countedHolds(next).firstHoldExpiry;
  return next;
}

/** The usage's hold closed (captured or released): out of the open holds, into the closed usages. */
function closeHold(state: WalletState, usageId: string, change: (u: Usage) => Usage): WalletState {
  const wasOpen = state.openHolds.has(usageId);
  const closed = updateUsage(withoutHold(state, usageId), usageId, change);
  return wasOpen ? withClosed(closed, usageId) : closed;
}

/** `usageId` (closed, or recalled) the newest of the closed usages; the oldest beyond `closedUsagesKept` retire. */
function withClosed(state: WalletState, usageId: string): WalletState {
  let closedUsages = PersistentMap.from(state.closedUsages).set(String(state.closedSeq), usageId);
  let usages = PersistentMap.from(state.usages);
  let retiredUsages = state.retiredUsages;
  const closedSeq = state.closedSeq + 1;
  while (closedSeq - retiredUsages > state.closedUsagesKept) {
    const oldest = String(retiredUsages++);
    usages = usages.delete(closedUsages.get(oldest)!);
    closedUsages = closedUsages.delete(oldest);
  }
  return { ...state, usages, closedUsages, closedSeq, retiredUsages };
}

/**
 * A usage's record as its history holds it (`events`: the account's events, or only those about the
 * usage), for a command about a retired usage; null if no usage with this id was ever on the account.
 */
export function usageInHistory(events: Iterable<WalletEvent>, usageId: string): Usage | null {
  let state: WalletState = { ...initialState, exists: true };
  for (const event of events) if (isAboutUsage(event, usageId)) state = evolve(state, event);
  return state.usages.get(usageId) ?? null;
}

/**
 * Whether `evolve` builds a usage's record from this event alone (its hold, its denial at authorize,
 * its recall): reading a history backwards for one usage can stop there.
 */
export function startsUsageRecord(event: WalletEvent): boolean {
  return event.type === 'HoldPlaced' || event.type === 'UsageRecalled' || (event.type === 'UsageDenied' && event.data.phase === 'generate');
}

/** Whether the event is about the usage `usageId` (names it, or recalls it). */
export function isAboutUsage(event: WalletEvent, usageId: string): boolean {
  if (event.type === 'UsageRecalled') return event.data.usage.usageId === usageId;
  return 'usageId' in event.data && event.data.usageId === usageId;
}

function sumHeld(usage: Usage): bigint {
  let held = 0n;
  for (const share of usage.held) held += share.amount;
  return held;
}

function denialOf(d: Extract<WalletEvent, { type: 'UsageDenied' }>['data']): Usage['denial'] {
  return {
    required: d.required, available: d.available, ...(d.memberLimit ? { memberLimit: d.memberLimit } : {}), ...(d.rateLimit ? { rateLimit: d.rateLimit } : {}),
  };
}

function sumLots(shares: readonly LotShare[]): Credits {
  return shares.reduce<bigint>((sum, s) => sum + s.amount, 0n) as Credits;
}

/** A member's spending moved by `amount` at `at` (see MemberMonth); accounts without a userId keep nothing. */
function spend(state: WalletState, userId: string | null, at: string, amount: Credits): ReadonlyMap<string, MemberMonth> {
  if (userId === null) return state.memberSpending;
  const month = monthOf(at);
  const current = state.memberSpending.get(userId);
  if (current && current.month > month) return state.memberSpending; // an older month's change: this month's figure stays
  const before = current && current.month === month ? current.spent : 0n;
  const spent = before + amount;
  return new Map(state.memberSpending).set(userId, { month, spent: (spent < 0n ? 0n : spent) as Credits });
}

/** The day's spending moved by `amount`; days more than SPENDING_DAYS before the newest are dropped. */
function spentOn(state: WalletState, at: string, amount: Credits): ReadonlyMap<string, Credits> {
  const day = at.slice(0, 10);
  const next = new Map(state.spendingByDay).set(day, ((state.spendingByDay.get(day) ?? 0n) + amount) as Credits);
  const newest = [...next.keys()].reduce((a, b) => (a > b ? a : b));
  const oldest = new Date(Date.parse(`${newest}T00:00:00Z`) - (SPENDING_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
  for (const d of next.keys()) if (d < oldest) next.delete(d);
  return next;
}


// Usages and logins are PersistentMaps (thousands per account, looked up by id): an event copies one
// path of one, not the whole map. Lots stay a plain Map: there are few, and every command iterates them.
function withEntry<V>(map: ReadonlyMap<string, V>, key: string, value: V): PersistentMap<string, V> {
  return PersistentMap.from(map).set(key, value);
}

function adjustLots(lots: ReadonlyMap<string, Lot>, shares: LotShare[], sign: 1n | -1n): Map<string, Lot> {
  const next = new Map(lots);
  for (const share of shares) {
    const lot = next.get(share.lotId);
    if (lot) next.set(lot.lotId, { ...lot, remaining: (lot.remaining + sign * share.amount) as Credits });
  }
  return next;
}

function updateUsage(state: WalletState, usageId: string, change: (u: Usage) => Usage): WalletState {
  const usage = state.usages.get(usageId);
  return usage ? { ...state, usages: withEntry(state.usages, usageId, change(usage)) } : state;
}

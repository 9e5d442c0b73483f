// The account's state is a fold of its events. `evolve` never throws, validates or reads the clock;
// it copies only what an event changes, so earlier states stay valid (decide may fold ahead).
import { assertNever, Credits, PersistentMap, ZERO } from '@creditflow/kernel';
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
  usages: ReadonlyMap<string, Usage>;
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
  openHolds: new Set(),
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
      return { ...state, lots: new Map(state.lots).set(d.lotId, lot) };
    }
    case 'HoldPlaced': {
      const d = event.data;
      const usage: Usage = {
        usageId: d.usageId, userId: d.userId, feature: d.feature, status: 'authorized', credits: d.credits, phases: d.phases,
        priceVersion: d.priceVersion, held: d.lots, holdExpiresAt: d.expiresAt, charged: [], denial: null, restored: false,
        fingerprint: d.fingerprint, paidFrom: { allowances: d.allowances ?? [], lots: d.lots }, acceptPaidFrom: null, allowances: d.allowances ?? [],
      };
      return {
        ...state, lots: adjustLots(state.lots, d.lots, -1n), usages: withEntry(state.usages, d.usageId, usage), openHolds: new Set(state.openHolds).add(d.usageId),
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
      return { ...state, usages: withEntry(state.usages, d.usageId, usage) };
    }
    case 'HoldCaptured': {
      const captured = updateUsage(state, event.data.usageId, (u) => ({ ...u, status: 'completed', held: [], holdExpiresAt: null, charged: [...u.charged, ...event.data.lots] }));
      return { ...captured, openHolds: without(state.openHolds, event.data.usageId), spendingByDay: spentOn(state, event.data.capturedAt, event.data.amount) };
    }
    case 'HoldReleased': {
      const released = updateUsage(state, event.data.usageId, (u) => ({ ...u, status: 'failed', held: [], holdExpiresAt: null, allowances: [] }));
      const userId = state.usages.get(event.data.usageId)?.userId ?? null;
      return {
        ...released, lots: adjustLots(state.lots, event.data.lots, 1n), openHolds: without(state.openHolds, event.data.usageId),
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
        ...charged, lots: adjustLots(state.lots, event.data.lots, -1n), memberSpending: spend(state, userId, event.data.chargedAt, event.data.amount),
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
        ...restored, restorations, lots: adjustLots(state.lots, event.data.lots, 1n),
        memberSpending: spend(state, userId, event.data.restoredAt, -event.data.amount as Credits),
        spendingByDay: spentOn(state, event.data.restoredAt, -event.data.amount as Credits),
        allowanceUses: withoutAllowanceUses(state.allowanceUses, event.data.usageId),
      };
    }
    case 'RolloverExpired': {
      const rollovers = new Set(state.rollovers).add(event.data.eventId);
      return { ...state, rollovers, lots: adjustLots(state.lots, event.data.lots, -1n) };
    }
    case 'LotExpired': {
      const lot = state.lots.get(event.data.lotId);
      if (!lot) return state;
      const remaining = (lot.remaining - event.data.amount) as Credits;
      return { ...state, lots: new Map(state.lots).set(lot.lotId, { ...lot, remaining, expired: true }) };
    }
    case 'CreditsClawedBack': {
      const d = event.data;
      const clawBacks = new Map(state.clawBacks).set(d.refundId, { lotId: d.lotId, amount: d.amount, applied: true });
      return { ...state, clawBacks, lots: adjustLots(state.lots, [{ lotId: d.lotId, amount: d.amount }], -1n) };
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
      return { ...state, lots: new Map(state.lots).set(lot.lotId, { ...lot, expiryNoticed: true }) };
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
  let available = 0n;
  for (const lot of state.lots.values()) {
    if (lot.expired) continue;
    available += lot.remaining;
    byType[lot.type] = (byType[lot.type] + lot.remaining) as Credits;
  }
  let held = 0n;
  for (const id of state.openHolds) for (const share of state.usages.get(id)?.held ?? []) held += share.amount;
  return { available: available as Credits, held: held as Credits, byType };
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

function without(set: ReadonlySet<string>, key: string): ReadonlySet<string> {
  const next = new Set(set);
  next.delete(key);
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

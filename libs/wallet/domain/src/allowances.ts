// The access waterfall's first steps: free allowances, consumed before any credit lot, and hard rate
// limits, which deny instead of spending. Pure: every window is counted from what the events recorded
// (each use keeps the instant it leaves its window, `until`), never from a side store or the clock.
//
// - An allowance gives N uses or N credits per rolling window (a minute, an hour, a day) of one
//   feature group (its `features`, or every feature), to the accounts of its `plans`, or, without
//   `plans`, to every account whose plan no allowance names (the tenant's default).
// - A usage is paid by the allowances that apply, in the tenant file's order, then by the lots in the
//   consumption order. A `uses` allowance pays a whole authorization (quantity uses) or nothing; a
//   `credits` allowance pays what it has left, up to the price. Accept phases are paid by `credits`
//   allowances only (the use was counted when the usage was authorized).
// - A use leaves its window `windowMs` after it was made. A hold released (failure, cancellation,
//   timeout) or a charge restored gives its allowance use back while it is still in its window.
// - A rate limit counts authorizations (holds placed) per rolling window; one more than it allows is
//   denied (`rate_limited`) with the instant the oldest counted one leaves the window (`retryAt`).
import { Credits, ZERO } from '@creditflow/kernel';

export const ALLOWANCE_PERIODS = ['minute', 'hour', 'day'] as const;
export type AllowancePeriod = (typeof ALLOWANCE_PERIODS)[number];

export const PERIOD_MS: Readonly<Record<AllowancePeriod, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Which accounts and features a rule covers: null = every feature; plans null = the tenant's default. */
export interface Coverage {
  /** The feature group: these feature ids, or every feature (null). */
  features: readonly string[] | null;
  /** Accounts on these plans; null: accounts whose plan no rule of this kind names (and accounts without a plan). */
  plans: readonly string[] | null;
}

export interface Allowance extends Coverage {
  id: string;
  /** What the balance answer calls it ("free images"). */
  title?: string;
  /** What the window grants: `uses` authorizations or `credits` credits. */
  unit: 'uses' | 'credits';
  /** Uses (a whole number, as units: 1n = one use) or credits (fixed-point). */
  amount: bigint;
  per: AllowancePeriod;
}

export interface RateLimit extends Coverage {
  id: string;
  /** Authorizations allowed per window. */
  uses: number;
  per: AllowancePeriod;
}

/** What an allowance paid of a charge, as recorded on the event: its credits, uses, and when they leave the window. */
export interface AllowanceShare {
  allowanceId: string;
  credits: Credits;
  uses: number;
  /** The instant this use leaves the allowance's window. */
  until: string;
}

/** An authorization counted by a rate limit, as recorded on HoldPlaced: when it leaves the limit's window. */
export interface RateLimitUse {
  limitId: string;
  until: string;
}

/** One use of an allowance in the state: by which usage, and until when it counts. */
export interface AllowanceUse {
  usageId: string;
  credits: Credits;
  uses: number;
  until: string;
}

/** The state the waterfall keeps: uses still in their windows (pruned as events arrive). */
export interface WaterfallState {
  /** Allowance id -> its uses, oldest first. */
  allowanceUses: ReadonlyMap<string, readonly AllowanceUse[]>;
  /** Rate limit id -> when each counted authorization leaves the window (epoch ms: compared on every authorize), oldest first. */
  rateLimitUses: ReadonlyMap<string, readonly number[]>;
}

/** The rules of one kind that apply to an account on `planId` and a feature (see Coverage). */
export function rulesFor<R extends Coverage>(rules: readonly R[] | undefined, planId: string | null, feature: string | null): R[] {
  if (!rules || rules.length === 0) return [];
  const planHasOwn = planId !== null && rules.some((r) => r.plans?.includes(planId));
  return rules.filter(
    (r) => (r.plans === null ? !planHasOwn : planId !== null && r.plans.includes(planId)) && (feature === null || r.features === null || r.features.includes(feature)),
  );
}

/** An allowance's standing at `now`: what is used and left in the window, and when the oldest use (and the last) leaves it. */
export interface AllowanceStanding {
  allowance: Allowance;
  used: bigint;
  left: bigint;
  /** When the oldest use still counted leaves the window (the next credits or use come back); null: nothing used. */
  resetsAt: string | null;
  /** When every use counted now has left the window; null: nothing used. */
  fullAt: string | null;
}

export function standingOf(state: WaterfallState, allowance: Allowance, now: Date): AllowanceStanding {
  const at = now.toISOString();
  let used = 0n;
  let resetsAt: string | null = null;
  let fullAt: string | null = null;
  // One pass, no copies: this runs on every authorize the allowance covers.
  for (const u of state.allowanceUses.get(allowance.id) ?? []) {
    if (u.until <= at) continue;
    used += allowance.unit === 'uses' ? BigInt(u.uses) : u.credits;
    if (resetsAt === null || u.until < resetsAt) resetsAt = u.until;
    if (fullAt === null || u.until > fullAt) fullAt = u.until;
  }
  const left = used >= allowance.amount ? 0n : allowance.amount - used;
  return { allowance, used, left, resetsAt, fullAt };
}

/**
 * What the allowances pay of `credits` (the authorization's price, or an accept phase with `uses` 0),
 * in order, and what is left for the lots. Nothing is paid of a free charge.
 */
export function payFromAllowances(
  state: WaterfallState, allowances: readonly Allowance[], credits: Credits, uses: number, now: Date,
): { shares: AllowanceShare[]; rest: Credits } {
  const shares: AllowanceShare[] = [];
  let rest = credits as bigint;
  for (const allowance of allowances) {
    if (rest === 0n) break;
    if (allowance.unit === 'uses' && uses <= 0) continue;
    const { left } = standingOf(state, allowance, now);
    const until = new Date(now.getTime() + PERIOD_MS[allowance.per]).toISOString();
    if (allowance.unit === 'uses') {
      if (BigInt(uses) > left) continue;
      shares.push({ allowanceId: allowance.id, credits: rest as Credits, uses, until });
      rest = 0n;
    } else if (left > 0n) {
      const take = left < rest ? left : rest;
      shares.push({ allowanceId: allowance.id, credits: take as Credits, uses: 0, until });
      rest -= take;
    }
  }
  return { shares, rest: rest as Credits };
}

/** The first rate limit an authorization at `now` would pass, with when to retry; null: none. */
export function rateLimitBreach(state: WaterfallState, limits: readonly RateLimit[], now: Date): { limit: RateLimit; retryAt: string } | null {
  const at = now.getTime();
  for (const limit of limits) {
    const uses = state.rateLimitUses.get(limit.id) ?? [];
    let live = 0;
    for (const u of uses) if (u > at) live++;
    if (live < limit.uses) continue;
    // Denied (rare): the retry time is when enough of the counted authorizations have left the window.
    const sorted = uses.filter((u) => u > at).sort((a, b) => a - b);
    return { limit, retryAt: new Date(sorted[sorted.length - limit.uses]).toISOString() };
  }
  return null;
}

/** When authorizations counted now by these limits leave their windows. */
export function rateLimitUses(limits: readonly RateLimit[], now: Date): RateLimitUse[] {
  return limits.map((l) => ({ limitId: l.id, until: new Date(now.getTime() + PERIOD_MS[l.per]).toISOString() }));
}

// ---- the fold: used by evolve with the events' own times ------------------------------------------

/**
 * Uses recorded by an event at `at`. Lists are in the order uses were made, so a list whose oldest use
 * is still in its window is kept as it is (evolve runs several times per decision: it stays O(1) when
 * nothing left a window); one whose oldest use has left is filtered. The state stays bounded by the
 * windows (give or take a window, if the clock ever went back between two commands).
 */
export function withAllowanceUses(
  uses: ReadonlyMap<string, readonly AllowanceUse[]>, usageId: string, shares: readonly AllowanceShare[] | undefined, at: string,
): ReadonlyMap<string, readonly AllowanceUse[]> {
  if (!shares?.length && ![...uses.values()].some((list) => list[0].until <= at)) return uses;
  const next = new Map<string, readonly AllowanceUse[]>();
  for (const [id, list] of uses) {
    const live = list[0].until <= at ? list.filter((u) => u.until > at) : list;
    if (live.length) next.set(id, live);
  }
  for (const s of shares ?? []) next.set(s.allowanceId, [...(next.get(s.allowanceId) ?? []), { usageId, credits: s.credits, uses: s.uses, until: s.until }]);
  return next;
}

/** A usage's allowance uses given back (its hold released, its charge restored): gone from every window. */
export function withoutAllowanceUses(uses: ReadonlyMap<string, readonly AllowanceUse[]>, usageId: string): ReadonlyMap<string, readonly AllowanceUse[]> {
  let changed = false;
  const next = new Map<string, readonly AllowanceUse[]>();
  for (const [id, list] of uses) {
    const kept = list.filter((u) => u.usageId !== usageId);
    if (kept.length !== list.length) changed = true;
    if (kept.length) next.set(id, kept);
  }
  return changed ? next : uses;
}

/** Authorizations counted by rate limits at `at`; pruned like the allowance uses (withAllowanceUses). */
export function withRateLimitUses(uses: ReadonlyMap<string, readonly number[]>, counted: readonly RateLimitUse[] | undefined, at: string): ReadonlyMap<string, readonly number[]> {
  if (!counted?.length && uses.size === 0) return uses;
  const atMs = Date.parse(at);
  if (!counted?.length && ![...uses.values()].some((list) => list[0] <= atMs)) return uses;
  const next = new Map<string, readonly number[]>();
  for (const [id, list] of uses) {
    const live = list[0] <= atMs ? list.filter((u) => u > atMs) : list;
    if (live.length) next.set(id, live);
  }
  for (const c of counted ?? []) next.set(c.limitId, [...(next.get(c.limitId) ?? []), Date.parse(c.until)]);
  return next;
}

/** The credits an event's allowance shares paid. */
export function allowanceCredits(shares: readonly AllowanceShare[] | undefined): Credits {
  return (shares ?? []).reduce<bigint>((sum, s) => sum + s.credits, ZERO) as Credits;
}

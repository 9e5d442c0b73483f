// decide: (command, state, policy) -> events. Pure: re-run after a version conflict, so no I/O.
// Every command first settles what time has made due (expired lots, timed-out holds), so a balance is
// never computed over credits that should be gone, whether or not a sweeper has run.
import { addCredits, assertNever, Credits, Decider, formatCredits, InvalidAmountError } from '@creditflow/kernel';
import { AllowanceShare, payFromAllowances, rateLimitBreach, rateLimitUses, rulesFor } from './allowances';
import { allocate } from './lots';
import { WalletCommand } from './wallet.commands';
import {
  AccountNotFoundError, AutoTopUpIncompleteError, IdempotencyConflictError, MemberLimitError, NotAMemberError, NotATeamError, UsageNotFoundError,
  UsageRecallNeededError, UsageStateError,
} from './wallet.errors';
import { LotShare, MemberLimitDenial, RateLimitDenial, WalletEvent } from './wallet.events';
import { WalletPolicy, autoTopUpOf } from './wallet.policy';
import { FORECAST_WINDOW_DAYS, forecastOf } from './wallet.forecast';
import { availableOf, evolve, fold, initialState, Lot, memberSpentIn, monthOf, Usage, WalletState } from './wallet.state';

/** One account, `wallet-<tenant>_<account>`, in the one decider shape, under its tenant's policy. */
export function walletDecider(policy: WalletPolicy): Decider<WalletCommand, WalletEvent, WalletState> {
  return { decide: (command, state) => decide(command, state, policy), evolve, initialState };
}

/**
 * What the application found in an account's history for a usage its state did not hold (the decider
 * asked with UsageRecallNeededError), or knows of a usage id that no account ever used before (its
 * claim was new: `usage` null).
 */
export interface UsageRecall {
  usageId: string;
  /** The usage's record (`usageInHistory`); null: no usage with this id was ever on the account. */
  usage: Usage | null;
  /**
   * The account's `closedSeq` as of a state read before the history was: the recall still holds while
   * fewer than `closedUsagesKept` usages closed since (a usage recalled and changed after the read
   * would still be hot).
   */
  closedSeq: number;
}

export function decide(command: WalletCommand, state: WalletState, policy: WalletPolicy, recall?: UsageRecall): WalletEvent[] {
  const now = command.data.now;
  const due = settleDue(state, now);
  const settled = fold(due, state);
  // The recall holds unless more usages closed since it was read than the state keeps (`state`: what
  // this decision settles closes nothing the recall is about, only open holds).
  const known = recall && !settled.usages.has(recall.usageId) && state.closedSeq < recall.closedSeq + state.closedUsagesKept ? recall : undefined;
  // A recalled usage is hot again before anything is decided about it, in the stream as in the state
  // (after settling: holds released there close usages, which could retire it again).
  const recalled: WalletEvent[] = known?.usage ? [{ type: 'UsageRecalled', data: { usage: known.usage, recalledAt: iso(now) } }] : [];
  const events = [...due, ...recalled, ...decideCommand(command, fold(recalled, settled), policy, known && known.usage === null ? known.usageId : null)];
  const signalled = [...events, ...balanceSignals(state, fold(events, state), policy, now)];
  return [...signalled, ...expirySignals(fold(signalled, state), policy, now)];
}

/** Lots of the notified types whose unused credits expire within the notice window, each noticed once. */
function expirySignals(state: WalletState, policy: WalletPolicy, now: Date): WalletEvent[] {
  const notice = policy.expiringSoon;
  if (!notice || !state.exists) return [];
  const at = iso(now);
  const horizon = iso(new Date(now.getTime() + notice.withinMs));
  return [...state.lots.values()]
    .filter((lot) => !lot.expired && !lot.expiryNoticed && lot.remaining > 0n && notice.lotTypes.includes(lot.type))
    .filter((lot) => lot.expiresAt !== null && lot.expiresAt > at && lot.expiresAt <= horizon)
    .map((lot) => ({ type: 'CreditsExpiringSoon', data: { lotId: lot.lotId, lotType: lot.type, amount: lot.remaining, expiresAt: lot.expiresAt!, noticedAt: at } }));
}

/** `absent`: a usage id known never to have been on the account (a recall found nothing). */
function decideCommand(command: WalletCommand, state: WalletState, policy: WalletPolicy, absent: string | null): WalletEvent[] {
  if (command.type !== 'OpenAccount' && command.type !== 'ExpireDue' && !state.exists) {
    throw new AccountNotFoundError(state.accountId || '(unknown)');
  }
  switch (command.type) {
    case 'OpenAccount':
      return openAccount(command.data, state, policy);
    case 'GrantCredits':
      return grantCredits(command.data, state);
    case 'RecordLogin':
      return recordLogin(command.data, state);
    case 'AuthorizeUsage':
      return authorizeUsage(command.data, state, policy, absent);
    case 'CompleteUsage':
      return completeUsage(command.data, state, absent);
    case 'FailUsage':
      return failUsage(command.data, state, absent);
    case 'AcceptUsage':
      return acceptUsage(command.data, state, policy, absent);
    case 'RejectUsage':
      return rejectUsage(command.data, state, absent);
    case 'RestoreUsageCredits':
      return restoreUsageCredits(command.data, state, absent);
    case 'ClawBackCredits':
      return clawBackCredits(command.data, state);
    case 'ExpireRollover':
      return expireRollover(command.data, state);
    case 'ExpireDue':
      return [];
    case 'ConfigureAutoTopUp':
      return configureAutoTopUp(command.data, state, policy);
    case 'SetMemberSpendingLimit':
      return setMemberSpendingLimit(command.data, state);
    default:
      return assertNever(command);
  }
}

type Data<T extends WalletCommand['type']> = Extract<WalletCommand, { type: T }>['data'];

function openAccount(cmd: Data<'OpenAccount'>, state: WalletState, policy: WalletPolicy): WalletEvent[] {
  const members = [...new Set(cmd.members)].sort();
  if (state.exists) {
    if (state.kind !== cmd.kind) throw new IdempotencyConflictError(cmd.accountId);
    const same = members.length === state.members.length && members.every((m, i) => m === state.members[i]);
    if (same) return [];
    refuseBeyondMemberCap(cmd.kind, members, state, policy);
    return [{ type: 'MembersChanged', data: { members, changedAt: iso(cmd.now) } }];
  }
  refuseBeyondMemberCap(cmd.kind, members, state, policy);
  const events: WalletEvent[] = [
    { type: 'AccountOpened', data: { tenantId: cmd.tenantId, accountId: cmd.accountId, kind: cmd.kind, members, openedAt: iso(cmd.now) } },
  ];
  if (policy.trial && policy.trial.amount > 0n) {
    const expiresAt = policy.trial.validForMs === null ? null : iso(new Date(cmd.now.getTime() + policy.trial.validForMs));
    events.push({
      type: 'CreditsGranted',
      data: {
        lotId: `trial:${cmd.accountId}`, lotType: 'trial', amount: policy.trial.amount, grantedAt: iso(cmd.now), expiresAt,
        costBasis: null, source: { kind: 'trial', id: cmd.accountId }, fingerprint: 'trial',
      },
    });
  }
  return events;
}

function grantCredits(cmd: Data<'GrantCredits'>, state: WalletState): WalletEvent[] {
  refuseNegative(cmd.amount);
  const fingerprint = grantFingerprint(cmd);
  const existing = state.lots.get(cmd.lotId);
  if (existing) {
    // One daily lot per day window, whichever login asks first: a later login that day is a repeat.
    if (existing.source.kind === 'login' && cmd.source.kind === 'login') return [];
    if (existing.fingerprint !== fingerprint) throw new IdempotencyConflictError(cmd.lotId);
    return [];
  }
  const events: WalletEvent[] = cmd.lotType === 'daily' ? replaceDailyLots(state, cmd.lotId, cmd.now) : [];
  if (cmd.planId !== undefined && cmd.planId !== state.plan?.planId) {
    events.push({ type: 'PlanAssigned', data: { planId: cmd.planId, subscriptionId: cmd.source.id, assignedAt: iso(cmd.now) } });
  }
  events.push({
    type: 'CreditsGranted',
    data: {
      lotId: cmd.lotId, lotType: cmd.lotType, amount: cmd.amount, grantedAt: iso(cmd.now), expiresAt: cmd.expiresAt ? iso(cmd.expiresAt) : null,
      costBasis: cmd.costBasis, source: cmd.source, fingerprint,
    },
  });
  // A grant that is already past its expiry (e.g. a late-delivered daily grant) expires at once.
  if (cmd.expiresAt && cmd.expiresAt <= cmd.now) {
    events.push({ type: 'LotExpired', data: { lotId: cmd.lotId, amount: cmd.amount, expiredAt: iso(cmd.now) } });
  }
  return events;
}

/**
 * "Valid for 24 hours; resets every 24 hours": an account never holds two days' daily credits. A new
 * daily lot replaces every daily lot still held from an earlier window: what is left of it expires at
 * the grant (held credits are not left: released later, they expire at once, the lot being expired).
 * Only a rolling expiry lets a lot outlive its window (a login at 23:50 UTC keeps its lot until 23:50
 * the next day); a lot that expires at the reset is gone before the next window's first login.
 */
function replaceDailyLots(state: WalletState, lotId: string, now: Date): WalletEvent[] {
  return [...state.lots.values()]
    .filter((lot) => lot.type === 'daily' && !lot.expired && lot.lotId !== lotId)
    .map((lot) => ({ type: 'LotExpired', data: { lotId: lot.lotId, amount: lot.remaining, expiredAt: iso(now), replacedBy: lotId } }) as WalletEvent);
}

/**
 * A login is idempotent by its loginId: repeated (at any time), it changes nothing and is answered with
 * the lot it got first. A new loginId gets its window's daily lot: granted by the window's first login,
 * the same lot for every later one (`grantCredits` treats a login lot granted before as a repeat).
 */
function recordLogin(cmd: Data<'RecordLogin'>, state: WalletState): WalletEvent[] {
  if (state.logins.has(cmd.loginId)) return [];
  const grant = grantCredits(
    { lotId: cmd.lotId, lotType: 'daily', amount: cmd.amount, expiresAt: cmd.expiresAt, costBasis: null, source: { kind: 'login', id: cmd.window }, now: cmd.now },
    state,
  );
  return [...grant, { type: 'LoginRecorded', data: { loginId: cmd.loginId, lotId: cmd.lotId, loggedInAt: iso(cmd.now) } }];
}

/**
 * The plan caps a team's member count (the latest subscription grant's plan; see `memberCapsOf` for
 * an account without one). Removing members is always allowed, so a team left above a smaller plan's
 * cap can shrink step by step; adding anyone must leave the team within the cap. Nobody is removed
 * automatically and members beyond a cap keep drawing on the balance.
 */
function refuseBeyondMemberCap(kind: 'personal' | 'team', members: string[], state: WalletState, policy: WalletPolicy): void {
  const caps = policy.memberCaps;
  if (kind !== 'team' || !caps) return;
  const planId = state.plan?.planId ?? null;
  const known = planId !== null && Object.prototype.hasOwnProperty.call(caps.byPlan, planId);
  const cap = known ? caps.byPlan[planId!] : caps.withoutPlan;
  if (cap === null || members.length <= cap) return;
  if (members.every((m) => state.members.includes(m))) return;
  throw new MemberLimitError(members.length, cap, known ? planId : null);
}

function authorizeUsage(cmd: Data<'AuthorizeUsage'>, state: WalletState, policy: WalletPolicy, absent: string | null): WalletEvent[] {
  refuseNegative(cmd.credits);
  if (cmd.phases) {
    refuseNegative(cmd.phases.generate);
    refuseNegative(cmd.phases.accept);
  }
  const fingerprint = fingerprintOf([cmd.userId, cmd.feature, cmd.options]);
  const existing = lookUpUsage(state, cmd.usageId, absent);
  if (existing) {
    if (existing.fingerprint !== fingerprint) throw new IdempotencyConflictError(cmd.usageId);
    return [];
  }
  if (state.kind === 'team' && (cmd.userId === null || !state.members.includes(cmd.userId))) throw new NotAMemberError(cmd.userId);
  const planId = state.plan?.planId ?? null;
  const denied = (extra: { memberLimit: MemberLimitDenial } | { rateLimit: RateLimitDenial } | Record<string, never>): WalletEvent[] => [{
    type: 'UsageDenied',
    data: {
      usageId: cmd.usageId, userId: cmd.userId, feature: cmd.feature, phase: 'generate', required: cmd.credits,
      available: availableOf(state), deniedAt: iso(cmd.now), fingerprint, ...extra,
    },
  }];
  // The waterfall: a hard rate limit denies before anything is spent; then free allowances, then lots.
  const limits = rulesFor(policy.rateLimits, planId, cmd.feature);
  const breach = rateLimitBreach(state, limits, cmd.now);
  if (breach) return denied({ rateLimit: { limitId: breach.limit.id, uses: breach.limit.uses, per: breach.limit.per, retryAt: breach.retryAt } });
  const uses = typeof cmd.options.quantity === 'number' ? cmd.options.quantity : 1;
  const free = payFromAllowances(state, rulesFor(policy.allowances, planId, cmd.feature), cmd.credits, uses, cmd.now);
  const memberLimit = beyondMemberLimit(state, cmd.userId, free.rest, cmd.now);
  if (memberLimit) return denied({ memberLimit });
  const shares = allocate(state.lots.values(), policy.consumptionOrder, free.rest);
  if (!shares) return denied({});
  const counted = rateLimitUses(limits, cmd.now);
  return [{
    type: 'HoldPlaced',
    data: {
      usageId: cmd.usageId, userId: cmd.userId, feature: cmd.feature, options: cmd.options, credits: cmd.credits, phases: cmd.phases,
      priceVersion: cmd.priceVersion, lots: shares, placedAt: iso(cmd.now), expiresAt: iso(new Date(cmd.now.getTime() + policy.holdTimeoutMs)),
      fingerprint, ...(free.shares.length ? { allowances: free.shares } : {}), ...(counted.length ? { rateLimits: counted } : {}),
    },
  }];
}

/** The member's monthly limit would be passed by spending `credits` now: the denial's figures; else null. */
function beyondMemberLimit(state: WalletState, userId: string | null, credits: Credits, now: Date): MemberLimitDenial | null {
  const limit = userId === null || state.kind !== 'team' ? undefined : state.memberLimits.get(userId);
  if (limit === undefined) return null;
  const spent = memberSpentIn(state, userId!, now);
  return spent + credits > limit ? { limit, spent, month: monthOf(now) } : null;
}

/** Only for a member of a team account; the same limit again records nothing. */
function setMemberSpendingLimit(cmd: Data<'SetMemberSpendingLimit'>, state: WalletState): WalletEvent[] {
  if (state.kind !== 'team') throw new NotATeamError(state.accountId);
  if (!state.members.includes(cmd.userId)) throw new NotAMemberError(cmd.userId);
  if (cmd.monthlyCredits !== null) refuseNegative(cmd.monthlyCredits);
  if ((state.memberLimits.get(cmd.userId) ?? null) === cmd.monthlyCredits) return [];
  return [{ type: 'MemberSpendingLimitSet', data: { userId: cmd.userId, monthlyCredits: cmd.monthlyCredits, setAt: iso(cmd.now) } }];
}

function completeUsage(cmd: Data<'CompleteUsage'>, state: WalletState, absent: string | null): WalletEvent[] {
  const usage = usageOf(state, cmd.usageId, absent);
  if (usage.status === 'completed' || usage.status === 'accepted' || usage.status === 'rejected') return [];
  if (usage.status !== 'authorized') throw new UsageStateError(usage.usageId, usage.status, 'completed');
  return [{
    type: 'HoldCaptured',
    data: { usageId: usage.usageId, lots: usage.held, amount: sumShares(usage.held), capturedAt: iso(cmd.now), ...withAllowances(usage.paidFrom.allowances) },
  }];
}

function failUsage(cmd: Data<'FailUsage'>, state: WalletState, absent: string | null): WalletEvent[] {
  const usage = usageOf(state, cmd.usageId, absent);
  if (usage.status === 'failed') return [];
  if (usage.status === 'authorized') return releaseHold(usage, state, cmd.now, cmd.reason);
  if (usage.status === 'completed' || usage.status === 'accepted' || usage.status === 'rejected') {
    // The charge stands here; whether it is given back is the refund policy's decision, which
    // arrives later as RestoreUsageCredits.
    return [{ type: 'UsageFailedAfterCompletion', data: { usageId: usage.usageId, reason: cmd.reason, charged: sumShares(usage.charged), failedAt: iso(cmd.now) } }];
  }
  throw new UsageStateError(usage.usageId, usage.status, 'failed');
}

function acceptUsage(cmd: Data<'AcceptUsage'>, state: WalletState, policy: WalletPolicy, absent: string | null): WalletEvent[] {
  const usage = usageOf(state, cmd.usageId, absent);
  if (usage.status === 'accepted') return [];
  if (!usage.phases) throw new UsageStateError(usage.usageId, 'not phased', 'accepted');
  if (usage.status !== 'completed') throw new UsageStateError(usage.usageId, usage.status, 'accepted');
  // Accept phases are paid by credit allowances first (the use was counted at authorization), then lots.
  const credited = rulesFor(policy.allowances, state.plan?.planId ?? null, usage.feature).filter((a) => a.unit === 'credits');
  const free = payFromAllowances(state, credited, usage.phases.accept, 0, cmd.now);
  const memberLimit = beyondMemberLimit(state, usage.userId, free.rest, cmd.now);
  const shares = memberLimit ? null : allocate(state.lots.values(), policy.consumptionOrder, free.rest);
  if (!shares) {
    // A repeated accept that is still refused for the same reason records nothing new: the state's
    // `denial` already holds the answer (402 with required and available) to give again.
    const available = availableOf(state);
    const d = usage.denial;
    const same = d && d.required === usage.phases.accept && d.available === available
      && d.memberLimit?.limit === memberLimit?.limit && d.memberLimit?.spent === memberLimit?.spent && d.memberLimit?.month === memberLimit?.month;
    if (same) return [];
    return [{
      type: 'UsageDenied',
      data: {
        usageId: usage.usageId, userId: usage.userId, feature: usage.feature, phase: 'accept', required: usage.phases.accept,
        available, deniedAt: iso(cmd.now), fingerprint: usage.fingerprint, ...(memberLimit ? { memberLimit } : {}),
      },
    }];
  }
  return [{
    type: 'AcceptCharged',
    data: { usageId: usage.usageId, lots: shares, amount: sumShares(shares), chargedAt: iso(cmd.now), ...withAllowances(free.shares) },
  }];
}

function rejectUsage(cmd: Data<'RejectUsage'>, state: WalletState, absent: string | null): WalletEvent[] {
  const usage = usageOf(state, cmd.usageId, absent);
  if (usage.status === 'rejected') return [];
  if (!usage.phases) throw new UsageStateError(usage.usageId, 'not phased', 'rejected');
  if (usage.status !== 'completed') throw new UsageStateError(usage.usageId, usage.status, 'rejected');
  return [{ type: 'UsageRejected', data: { usageId: usage.usageId, rejectedAt: iso(cmd.now) } }];
}

function restoreUsageCredits(cmd: Data<'RestoreUsageCredits'>, state: WalletState, absent: string | null): WalletEvent[] {
  if (state.restorations.has(cmd.restorationId)) return [];
  const usage = usageOf(state, cmd.usageId, absent);
  if (usage.restored) return [];
  if (usage.charged.length === 0 && usage.allowances.length === 0) throw new UsageStateError(usage.usageId, usage.status, 'restored (nothing was charged)');
  const events: WalletEvent[] = [{
    type: 'CreditsRestored',
    data: {
      restorationId: cmd.restorationId, usageId: usage.usageId, lots: usage.charged, amount: sumShares(usage.charged), restoredAt: iso(cmd.now), reason: cmd.reason,
      ...withAllowances(usage.allowances),
    },
  }];
  return [...events, ...expireReturnedToExpiredLots(usage.charged, state, cmd.now)];
}

/**
 * A refund takes back unused credits of a purchase's lot, once per refundId (the same refundId with
 * another lot or amount is WALLET.ID_REUSED). Unused = the lot's `remaining` after settling what
 * time made due: neither consumed, held nor expired. If the lot has fewer unused credits than the
 * refund asks, nothing is taken and `ClawBackRefused` records it (the refund service then voids the
 * refund: no money without the credits). Credits that a hold release or a restoration returns to a
 * lot after its claw-back stay with the account: they were not unused when the refund was paid.
 */
function clawBackCredits(cmd: Data<'ClawBackCredits'>, state: WalletState): WalletEvent[] {
  if (cmd.amount <= 0n) throw new InvalidAmountError(formatCredits(cmd.amount), 'must be greater than 0');
  const earlier = state.clawBacks.get(cmd.refundId);
  if (earlier) {
    if (earlier.lotId !== cmd.lotId || earlier.amount !== cmd.amount) throw new IdempotencyConflictError(cmd.refundId);
    return [];
  }
  const lot = state.lots.get(cmd.lotId);
  const unused = (lot && !lot.expired ? lot.remaining : 0n) as Credits;
  if (unused < cmd.amount) {
    return [{ type: 'ClawBackRefused', data: { refundId: cmd.refundId, lotId: cmd.lotId, requested: cmd.amount, unused, refusedAt: iso(cmd.now) } }];
  }
  return [{ type: 'CreditsClawedBack', data: { refundId: cmd.refundId, lotId: cmd.lotId, amount: cmd.amount, clawedBackAt: iso(cmd.now) } }];
}

/**
 * Keeps at most `cap` of the unused subscription credits; the excess expires, oldest lots first (they
 * would have been consumed first, so what is kept is the newest). The scheduler sends a cycle's
 * rollover-expiry before the next cycle's grant on the account's key, so every subscription lot
 * present now belongs to the cycles that ended. Held credits are not counted: usage in flight has them.
 */
function expireRollover(cmd: Data<'ExpireRollover'>, state: WalletState): WalletEvent[] {
  if (state.rollovers.has(cmd.eventId)) return [];
  const cycleEnd = iso(cmd.cycleEnd);
  const lots = [...state.lots.values()]
    .filter((l) => l.type === 'subscription' && !l.expired && l.remaining > 0n)
    .sort((a, b) => a.grantedAt.localeCompare(b.grantedAt) || a.lotId.localeCompare(b.lotId));
  let excess = lots.reduce((sum, l) => sum + l.remaining, 0n) - cmd.cap;
  const shares: LotShare[] = [];
  for (const lot of lots) {
    if (excess <= 0n) break;
    const take = (lot.remaining < excess ? lot.remaining : excess) as Credits;
    shares.push({ lotId: lot.lotId, amount: take });
    excess -= take;
  }
  return [{ type: 'RolloverExpired', data: { eventId: cmd.eventId, cap: cmd.cap, cycleEnd, lots: shares, amount: sumShares(shares), expiredAt: iso(cmd.now) } }];
}

/**
 * Expired lots and timed-out holds, as of `now`. Lots expire first, with what they still have; a
 * timed-out hold is then released onto them and its credits expire at once. (The other order lost
 * credits: the release expired only the returned share and marked the lot expired, so the lot's
 * unheld remainder was never expired by any event.)
 */
function settleDue(state: WalletState, now: Date): WalletEvent[] {
  if (!state.exists) return [];
  const at = iso(now);
  const events: WalletEvent[] = [];
  for (const lot of state.lots.values()) {
    if (!lot.expired && lot.expiresAt !== null && lot.expiresAt <= at) {
      events.push({ type: 'LotExpired', data: { lotId: lot.lotId, amount: lot.remaining, expiredAt: at } });
    }
  }
  const afterExpiry = fold(events, state);
  // No open hold times out before the earliest expiry among them: most commands look at none.
  if (afterExpiry.firstHoldExpiry === null || afterExpiry.firstHoldExpiry > at) return events;
  for (const usageId of afterExpiry.openHolds) {
    const usage = afterExpiry.usages.get(usageId)!;
    if (usage.status === 'authorized' && usage.holdExpiresAt !== null && usage.holdExpiresAt <= at) {
      events.push(...releaseHold(usage, afterExpiry, now, 'timeout'));
    }
  }
  return events;
}

function releaseHold(usage: Usage, state: WalletState, now: Date, reason: 'platform_error' | 'cancelled' | 'timeout'): WalletEvent[] {
  return [
    { type: 'HoldReleased', data: { usageId: usage.usageId, lots: usage.held, amount: sumShares(usage.held), releasedAt: iso(now), reason, ...withAllowances(usage.allowances) } },
    ...expireReturnedToExpiredLots(usage.held, state, now),
  ];
}

/** Credits returned to a lot that has meanwhile expired expire at once. */
function expireReturnedToExpiredLots(shares: LotShare[], state: WalletState, now: Date): WalletEvent[] {
  return shares
    .filter((s) => isExpiredAt(state.lots.get(s.lotId), now) && s.amount > 0n)
    .map((s) => ({ type: 'LotExpired', data: { lotId: s.lotId, amount: s.amount, expiredAt: iso(now) } }) as WalletEvent);
}

function isExpiredAt(lot: Lot | undefined, now: Date): boolean {
  return !!lot && (lot.expired || (lot.expiresAt !== null && lot.expiresAt <= iso(now)));
}

/**
 * The account's own automatic top-up (SPEC: "the account's threshold"): switched on, it needs a
 * threshold and a package, its own or the tenant's (WALLET.AUTO_TOP_UP_INCOMPLETE otherwise); the
 * threshold is above 0. A setting, so the same settings again record nothing. Setting it asks for
 * nothing even below the threshold: requests come with the next crossing.
 */
function configureAutoTopUp(cmd: Data<'ConfigureAutoTopUp'>, state: WalletState, policy: WalletPolicy): WalletEvent[] {
  if (cmd.threshold !== null && cmd.threshold <= 0n) throw new InvalidAmountError(formatCredits(cmd.threshold), 'must be greater than 0');
  if (cmd.enabled) {
    const missing = [
      ...(cmd.threshold === null && !policy.autoTopUp ? (['threshold'] as const) : []),
      ...(cmd.packageId === null && !policy.autoTopUp ? (['packageId'] as const) : []),
    ];
    if (missing.length) throw new AutoTopUpIncompleteError(missing);
  }
  const own = state.autoTopUp;
  if (own && own.enabled === cmd.enabled && own.threshold === cmd.threshold && own.packageId === cmd.packageId) return [];
  return [{ type: 'AutoTopUpConfigured', data: { enabled: cmd.enabled, threshold: cmd.threshold, packageId: cmd.packageId, configuredAt: iso(cmd.now) } }];
}

/** A low-balance alert (and the auto top-up request) fire once, when available crosses below the threshold. */
function balanceSignals(before: WalletState, after: WalletState, policy: WalletPolicy, now: Date): WalletEvent[] {
  if (!before.exists) return [];
  const was = availableOf(before);
  const is = availableOf(after);
  const events: WalletEvent[] = [];
  const threshold = policy.lowBalanceThreshold;
  if (threshold !== undefined && was >= threshold && is < threshold) {
    events.push({ type: 'LowBalanceAlertRaised', data: { available: is, threshold, raisedAt: iso(now) } });
  }
  const days = policy.runOutAlertDays;
  if (days !== undefined) {
    const [wasDays, isDays] = [forecastOf(before, now, FORECAST_WINDOW_DAYS).runsOutInDays, forecastOf(after, now, FORECAST_WINDOW_DAYS)];
    if ((wasDays === null || wasDays >= days) && isDays.runsOutInDays !== null && isDays.runsOutInDays < days) {
      events.push({ type: 'RunningOutAlertRaised', data: { available: is, perDay: isDays.perDay, runsOutAt: isDays.runsOutAt!, withinDays: days, raisedAt: iso(now) } });
    }
  }
  const topUp = autoTopUpOf(after.autoTopUp, policy);
  if (topUp && was >= topUp.threshold && is < topUp.threshold) {
    events.push({ type: 'AutoTopUpRequested', data: { packageId: topUp.packageId, available: is, threshold: topUp.threshold, requestedAt: iso(now) } });
  }
  return events;
}

function refuseNegative(amount: Credits): void {
  if (amount < 0n) throw new InvalidAmountError(formatCredits(amount), 'must not be negative');
}

function usageOf(state: WalletState, usageId: string, absent: string | null): Usage {
  const usage = lookUpUsage(state, usageId, absent);
  if (!usage) throw new UsageNotFoundError(usageId);
  return usage;
}

/** The hot usage; undefined if there is none and none can have retired; else its record must be recalled. */
function lookUpUsage(state: WalletState, usageId: string, absent: string | null): Usage | undefined {
  const usage = state.usages.get(usageId);
  if (usage || absent === usageId || state.retiredUsages === 0) return usage;
  throw new UsageRecallNeededError(usageId);
}

/** An event's `allowances`, only where allowances paid something (events of accounts without any stay as they were). */
function withAllowances(shares: AllowanceShare[]): { allowances?: AllowanceShare[] } {
  return shares.length ? { allowances: shares } : {};
}

function sumShares(shares: LotShare[]): Credits {
  return shares.reduce<Credits>((sum, s) => addCredits(sum, s.amount), 0n as Credits);
}

function iso(d: Date): string {
  return d.toISOString();
}

/**
 * What a grant's repeat must match. The list price is left out: it is the tenant's, not the caller's,
 * and lots granted before it was recorded must still recognise their repeats.
 */
export function grantFingerprint(cmd: Pick<Data<'GrantCredits'>, 'lotType' | 'amount' | 'expiresAt' | 'costBasis' | 'source'>): string {
  const basis = cmd.costBasis && { ...cmd.costBasis, listPriceMinor: undefined };
  return fingerprintOf([cmd.lotType, cmd.amount, cmd.expiresAt?.toISOString() ?? null, basis, cmd.source]);
}

/** Canonical content of a command, to tell a repeat (same id, same content) from a reused id. */
export function fingerprintOf(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
    }
    return v;
  });
}


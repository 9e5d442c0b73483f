// What the HTTP API and the decisions show of an account: decimal strings, ISO times.
import { Credits, addCredits, formatCredits } from '@creditflow/kernel';
import {
  AllowanceShare, CostBasis, Forecast, LotShare, MemberLimitDenial, PaidFrom, RateLimitDenial, Statement, Usage, WalletEvent, WalletPolicy, WalletState,
  autoTopUpOf, balanceOf, decide, fold, isDiscounted, memberSpentIn, monthOf, paidFromOfEvent, rulesFor, standingOf,
} from '@creditflow/wallet-domain';
import { WalletEventMetadata, toWire } from './wallet.codec';

/** The state as of `now`: expiries and hold timeouts that are due are applied (without storing them). */
export function settledAt(state: WalletState, policy: WalletPolicy, now: Date): WalletState {
  if (!state.exists) return state;
  return fold(decide({ type: 'ExpireDue', data: { now } }, state, policy), state);
}

export function balanceView(state: WalletState) {
  const balance = balanceOf(state);
  return {
    accountId: state.accountId,
    type: state.kind,
    members: state.members,
    /** The plan of the latest subscription grant (it caps a team's members); null before any. */
    planId: state.plan?.planId ?? null,
    available: formatCredits(balance.available),
    held: formatCredits(balance.held),
    byType: Object.fromEntries(Object.entries(balance.byType).map(([k, v]) => [k, formatCredits(v)])),
    lots: [...state.lots.values()]
      .sort((a, b) => a.grantedAt.localeCompare(b.grantedAt) || a.lotId.localeCompare(b.lotId))
      .filter((l) => !l.expired || l.remaining > 0n)
      .map((l) => ({
        lotId: l.lotId,
        type: l.type,
        amount: formatCredits(l.amount),
        remaining: formatCredits(l.remaining),
        grantedAt: l.grantedAt,
        expiresAt: l.expiresAt,
        costBasis: l.costBasis ? costBasisView(l.costBasis) : null,
        source: l.source,
      })),
  };
}

/** A lot's cost basis on the wire: money in minor units as integer strings; the list price, code and contract where recorded. */
function costBasisView(b: CostBasis) {
  return {
    paidMinor: b.paidMinor.toString(), currency: b.currency, promotional: b.promotional,
    ...(b.listPriceMinor !== undefined ? { listPriceMinor: b.listPriceMinor.toString(), discounted: isDiscounted(b) } : {}),
    ...(b.discountCode !== undefined ? { discountCode: b.discountCode } : {}),
    ...(b.contractId !== undefined ? { contractId: b.contractId } : {}),
  };
}

/**
 * An account's automatic top-up as it applies: on (threshold, package) or off, and whether the account
 * chose (`account`) or follows the tenant's default (`tenant`).
 */
export function autoTopUpView(state: WalletState, policy: WalletPolicy) {
  const inEffect = autoTopUpOf(state.autoTopUp, policy);
  return {
    accountId: state.accountId,
    enabled: inEffect !== null,
    threshold: inEffect ? formatCredits(inEffect.threshold) : null,
    packageId: inEffect?.packageId ?? null,
    source: state.autoTopUp ? ('account' as const) : ('tenant' as const),
  };
}

/** One source of a charge's credits on the wire: `allowance:<id>` or `lot:<lotId>`, with a decimal amount. */
export interface PaidFromEntry {
  source: string;
  amount: string;
}

/** Where credits came from, in the order they were taken: allowances first, then lots (they sum to the charge). */
export function paidFromView(paid: { allowances?: readonly AllowanceShare[]; lots: readonly LotShare[] }): PaidFromEntry[] {
  return [
    ...(paid.allowances ?? []).map((a) => ({ source: `allowance:${a.allowanceId}`, amount: formatCredits(a.credits) })),
    ...paid.lots.map((l) => ({ source: `lot:${l.lotId}`, amount: formatCredits(l.amount) })),
  ];
}

/** The `paidFrom` of a stored event that moves a usage's credits (hold, capture, accept charge, release, restoration); null for others. */
export function eventPaidFrom(event: WalletEvent): PaidFromEntry[] | null {
  const paid = paidFromOfEvent(event);
  return paid ? paidFromView(paid) : null;
}

/**
 * The allowances that apply to the account, as of `now`: used and left in the current rolling window,
 * and when the oldest use leaves it (`resetsAt`: the next credits or use come back) and the last
 * (`fullAt`: all of it is back). Amounts of a `credits` allowance are decimal credits; of a `uses`
 * allowance, whole numbers.
 */
export function allowancesView(state: WalletState, policy: WalletPolicy, now: Date) {
  return rulesFor(policy.allowances, state.plan?.planId ?? null, null).map((allowance) => {
    const standing = standingOf(state, allowance, now);
    const n = (v: bigint) => (allowance.unit === 'uses' ? v.toString() : formatCredits(v as Credits));
    return {
      allowanceId: allowance.id,
      ...(allowance.title ? { title: allowance.title } : {}),
      unit: allowance.unit,
      per: allowance.per,
      features: allowance.features,
      limit: n(allowance.amount),
      used: n(standing.used),
      left: n(standing.left),
      resetsAt: standing.resetsAt,
      fullAt: standing.fullAt,
    };
  });
}

export type UsageAction = 'authorize' | 'complete' | 'fail' | 'accept' | 'reject';
const ANSWERED_STATUS = { authorize: 'authorized', complete: 'completed', fail: 'failed', accept: 'accepted', reject: 'rejected' } as const;

export type UsageResponse =
  | {
      usageId: string; status: (typeof ANSWERED_STATUS)[UsageAction]; credits: string; phases?: { generate: string; accept: string };
      /** Phased usages: what the result costs if it is kept (generate + accept). */
      total?: string; userId?: string;
      /** Where this step's credits came from (authorize and complete: the generate phase; accept: the accept phase). */
      paidFrom?: PaidFromEntry[];
    }
  | { usageId: string; error: 'insufficient_credits'; required: string; available: string }
  | MemberLimitAnswer
  | RateLimitedAnswer;

/** A usage refused by a hard rate limit of the tenant's plan: nothing was spent; another authorization is allowed from `retryAt`. */
export type RateLimitedAnswer = {
  usageId: string; error: 'rate_limited'; required: string; rateLimit: string; limit: number; per: string; retryAt: string;
};

export function rateLimitedAnswer(usageId: string, required: Credits, r: RateLimitDenial): RateLimitedAnswer {
  return { usageId, error: 'rate_limited', required: formatCredits(required), rateLimit: r.limitId, limit: r.uses, per: r.per, retryAt: r.retryAt };
}

/** A usage refused by the member's monthly spending limit (the balance may have paid): the limit, what was spent, when it resets. */
export type MemberLimitAnswer = {
  usageId: string; error: 'member_spending_limit'; required: string; limit: string; spent: string; month: string; resetsAt: string;
};

export function memberLimitAnswer(usageId: string, required: Credits, m: MemberLimitDenial): MemberLimitAnswer {
  return {
    usageId, error: 'member_spending_limit', required: formatCredits(required), limit: formatCredits(m.limit), spent: formatCredits(m.spent),
    month: m.month, resetsAt: monthStartAfter(m.month),
  };
}

/** The first instant (UTC) of the month after `month` (YYYY-MM). */
function monthStartAfter(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 1)).toISOString();
}

/** GET /v1/accounts/{id}/members: each member's monthly spending limit and what they spent this month. */
export function membersView(state: WalletState, now: Date) {
  const month = monthOf(now);
  return {
    accountId: state.accountId,
    month,
    resetsAt: monthStartAfter(month),
    members: state.members.map((userId) => {
      const limit = state.memberLimits.get(userId) ?? null;
      const spent = memberSpentIn(state, userId, now);
      return {
        userId,
        monthlyLimit: limit === null ? null : formatCredits(limit),
        spent: formatCredits(spent),
        remaining: limit === null ? null : formatCredits((limit > spent ? limit - spent : 0n) as Credits),
      };
    }),
  };
}

/**
 * The answer to a usage command that succeeded, from the usage's state. It names the command's own
 * outcome, not the usage's latest status, so a repeated command gets the answer the first one got.
 */
export function usageResponse(usage: Usage, action: UsageAction): UsageResponse {
  const deniedNow = action === 'authorize' ? usage.status === 'denied' : action === 'accept' && usage.status === 'completed' && usage.denial !== null;
  if (deniedNow && usage.denial!.memberLimit) return memberLimitAnswer(usage.usageId, usage.denial!.required, usage.denial!.memberLimit);
  if (deniedNow && usage.denial!.rateLimit) return rateLimitedAnswer(usage.usageId, usage.denial!.required, usage.denial!.rateLimit);
  if (deniedNow) {
    return { usageId: usage.usageId, error: 'insufficient_credits', required: formatCredits(usage.denial!.required), available: formatCredits(usage.denial!.available) };
  }
  const credits = action === 'accept' && usage.phases ? usage.phases.accept : usage.credits;
  return {
    usageId: usage.usageId,
    status: ANSWERED_STATUS[action],
    credits: formatCredits(credits),
    ...(usage.phases
      ? { phases: { generate: formatCredits(usage.phases.generate), accept: formatCredits(usage.phases.accept) }, total: formatCredits(addCredits(usage.phases.generate, usage.phases.accept)) }
      : {}),
    ...(usage.userId ? { userId: usage.userId } : {}),
    ...paidFromOf(usage, action),
  };
}

function paidFromOf(usage: Usage, action: UsageAction): { paidFrom?: PaidFromEntry[] } {
  const paid: PaidFrom | null = action === 'authorize' || action === 'complete' ? usage.paidFrom : action === 'accept' ? usage.acceptPaidFrom : null;
  return paid ? { paidFrom: paidFromView(paid) } : {};
}

/** One row of GET /v1/accounts/{id}/transactions per stored event. */
/** `principal`: who or what caused the event, as its metadata recorded it (events from before it was recorded have none). */
export function transactionView(event: WalletEvent, revision: bigint, recordedAt: Date, principal?: WalletEventMetadata['principal']) {
  const paidFrom = eventPaidFrom(event);
  return {
    revision: revision.toString(), type: event.type, recordedAt: recordedAt.toISOString(), ...(toWire(event.data) as object), ...(paidFrom ? { paidFrom } : {}),
    ...(principal ? { principal } : {}),
  };
}

export function forecastView(forecast: Forecast) {
  return {
    since: forecast.since,
    spent: formatCredits(forecast.spent),
    perDay: formatCredits(forecast.perDay),
    runsOutInDays: forecast.runsOutInDays,
    runsOutAt: forecast.runsOutAt,
  };
}

/** GET /v1/accounts/{id}/statement: every change with the balance after it, and the burn rate. */
export function statementView(accountId: string, statement: Statement, forecast: Forecast, now: Date) {
  return {
    accountId,
    asOf: now.toISOString(),
    /** The last stored event the statement reflects; lines without a revision are expiries due now, not stored yet. */
    revision: statement.revision?.toString() ?? null,
    available: formatCredits(statement.available),
    held: formatCredits(statement.held),
    forecast: forecastView(forecast),
    lines: statement.lines.map((l) => ({
      revision: l.revision?.toString() ?? null,
      at: l.at,
      type: l.type,
      reference: l.reference,
      availableChange: formatCredits(l.availableChange),
      heldChange: formatCredits(l.heldChange),
      available: formatCredits(l.available),
      held: formatCredits(l.held),
      ...(l.paidFrom ? { paidFrom: paidFromView(l.paidFrom) } : {}),
    })),
  };
}

export const STATEMENT_CSV_COLUMNS = ['revision', 'at', 'type', 'reference', 'availableChange', 'heldChange', 'available', 'held', 'paidFrom'] as const;

/** A line's `paidFrom` in one CSV cell: `<source>=<amount>` separated by spaces (empty where the line moves no usage's credits). */
export function paidFromText(paidFrom: readonly PaidFromEntry[] | undefined): string {
  return (paidFrom ?? []).map((p) => `${p.source}=${p.amount}`).join(' ');
}

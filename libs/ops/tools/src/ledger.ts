// The ledger of wallet accounts: every stored event with what it names, its amount and the account's
// balance after it (a fold with the wallet domain's evolve, as the wallet itself folds). Pure.
import type { RecordedEvent } from '@creditflow/event-store';
import { Credits, formatCredits, formatMoney } from '@creditflow/kernel';
import { WalletEventMetadata, fromRecorded } from '@creditflow/wallet-application';
import { CostBasis, WalletEvent, WalletState, balanceOf, evolve, initialState } from '@creditflow/wallet-domain';

export interface EventFacts {
  /** The event's own time on the platform's clock (null for none). */
  at: string | null;
  /** What it is about: a usage, lot, refund, login... */
  reference: string;
  /** The credits it names (its amount), '' when it names none. */
  credits: string;
  /** The type of the lot(s) it moves, where one type. */
  lotType: string;
  /** One line for people. */
  detail: string;
}

const c = (amount: Credits) => formatCredits(amount);
const options = (o: Record<string, string | number>) => {
  const values = Object.entries(o).map(([k, v]) => `${k}=${v}`);
  return values.length ? ` (${values.join(', ')})` : '';
};

/** A lot's price: `USD 9.99`, with the list price where it differs and why. */
export function costBasisText(basis: CostBasis | null): string {
  if (!basis) return '';
  const money = (minor: bigint) => {
    try {
      return formatMoney({ minor, currency: basis.currency });
    } catch {
      return `${minor} minor units`;
    }
  };
  const reasons = [basis.promotional ? 'promotional' : '', basis.discountCode ? `code ${basis.discountCode}` : '', basis.contractId ? `contract ${basis.contractId}` : ''].filter(Boolean);
  const list = basis.listPriceMinor !== undefined && basis.listPriceMinor !== basis.paidMinor ? `, list ${money(basis.listPriceMinor)}` : '';
  return `${basis.currency} ${money(basis.paidMinor)}${list}${reasons.length ? ` (${reasons.join(', ')})` : ''}`;
}

/** What one event says, read against the state before it (for the types of the lots it moves). */
export function eventFacts(event: WalletEvent, before: WalletState): EventFacts {
  const typesOf = (lotIds: string[]) => [...new Set(lotIds.map((id) => before.lots.get(id)?.type ?? 'unknown'))].join('+');
  const shares = (lots: { lotId: string; amount: Credits }[]) => lots.map((l) => `${l.lotId} ${c(l.amount)}`).join(', ');
  // Where a usage's credits came from: free allowances first (the waterfall), then the lots.
  const paid = (d: { lots: { lotId: string; amount: Credits }[]; allowances?: { allowanceId: string; credits: Credits }[] }) =>
    [...(d.allowances ?? []).map((a) => `allowance ${a.allowanceId} ${c(a.credits)}`), ...(d.lots.length || !d.allowances?.length ? [shares(d.lots)] : [])].join(', ');
  const none = { credits: '', lotType: '' };
  switch (event.type) {
    case 'AccountOpened': {
      const d = event.data;
      return { at: d.openedAt, reference: d.accountId, ...none, detail: `${d.kind} account opened${d.members.length ? `, members ${d.members.join(', ')}` : ''}` };
    }
    case 'MembersChanged':
      return { at: event.data.changedAt, reference: '', ...none, detail: `members ${event.data.members.join(', ') || '(none)'}` };
    case 'PlanAssigned':
      return { at: event.data.assignedAt, reference: event.data.subscriptionId, ...none, detail: `plan ${event.data.planId}` };
    case 'CreditsGranted': {
      const d = event.data;
      const cost = costBasisText(d.costBasis);
      return {
        at: d.grantedAt, reference: d.lotId, credits: c(d.amount), lotType: d.lotType,
        detail: `${d.lotType} lot from ${d.source.kind} ${d.source.id}${d.expiresAt ? `, expires ${d.expiresAt}` : ''}${cost ? `, paid ${cost}` : ''}`,
      };
    }
    case 'HoldPlaced': {
      const d = event.data;
      return {
        at: d.placedAt, reference: d.usageId, credits: c(d.credits), lotType: typesOf(d.lots.map((l) => l.lotId)),
        detail: `hold for ${d.feature}${options(d.options)}${d.userId ? ` by ${d.userId}` : ''} on ${paid(d)}, until ${d.expiresAt}`,
      };
    }
    case 'UsageDenied': {
      const d = event.data;
      const why = d.memberLimit
        ? `${d.userId} had spent ${c(d.memberLimit.spent)} of a ${c(d.memberLimit.limit)} limit in ${d.memberLimit.month}`
        : d.rateLimit
          ? `rate limit ${d.rateLimit.limitId} (${d.rateLimit.uses} a ${d.rateLimit.per}) reached, retry at ${d.rateLimit.retryAt}`
          : `had ${c(d.available)}`;
      return { at: d.deniedAt, reference: d.usageId, credits: c(d.required), lotType: '', detail: `${d.feature} ${d.phase} denied: needed ${c(d.required)}, ${why}` };
    }
    case 'HoldCaptured':
      return { at: event.data.capturedAt, reference: event.data.usageId, credits: c(event.data.amount), lotType: typesOf(event.data.lots.map((l) => l.lotId)), detail: `captured from ${paid(event.data)}` };
    case 'HoldReleased':
      return { at: event.data.releasedAt, reference: event.data.usageId, credits: c(event.data.amount), lotType: typesOf(event.data.lots.map((l) => l.lotId)), detail: `released (${event.data.reason}) to ${shares(event.data.lots)}` };
    case 'AcceptCharged':
      return { at: event.data.chargedAt, reference: event.data.usageId, credits: c(event.data.amount), lotType: typesOf(event.data.lots.map((l) => l.lotId)), detail: `accept phase charged from ${paid(event.data)}` };
    case 'UsageRejected':
      return { at: event.data.rejectedAt, reference: event.data.usageId, ...none, detail: 'result rejected' };
    case 'UsageFailedAfterCompletion':
      return { at: event.data.failedAt, reference: event.data.usageId, credits: c(event.data.charged), lotType: '', detail: `failed after completion (${event.data.reason})` };
    case 'CreditsRestored':
      return { at: event.data.restoredAt, reference: event.data.usageId, credits: c(event.data.amount), lotType: typesOf(event.data.lots.map((l) => l.lotId)), detail: `restored (${event.data.reason}, ${event.data.restorationId}) to ${shares(event.data.lots)}` };
    case 'CreditsClawedBack':
      return { at: event.data.clawedBackAt, reference: event.data.refundId, credits: c(event.data.amount), lotType: typesOf([event.data.lotId]), detail: `clawed back from ${event.data.lotId} (refund)` };
    case 'ClawBackRefused':
      return { at: event.data.refusedAt, reference: event.data.refundId, credits: c(event.data.requested), lotType: typesOf([event.data.lotId]), detail: `claw-back refused: ${event.data.lotId} had ${c(event.data.unused)} unused` };
    case 'RolloverExpired':
      return { at: event.data.expiredAt, reference: event.data.eventId, credits: c(event.data.amount), lotType: typesOf(event.data.lots.map((l) => l.lotId)), detail: `rollover above the cap of ${c(event.data.cap)} expired` };
    case 'LotExpired':
      return { at: event.data.expiredAt, reference: event.data.lotId, credits: c(event.data.amount), lotType: typesOf([event.data.lotId]), detail: `lot expired${event.data.replacedBy ? `, replaced by ${event.data.replacedBy}` : ''}` };
    case 'LoginRecorded':
      return { at: event.data.loggedInAt, reference: event.data.loginId, ...none, detail: `login, daily lot ${event.data.lotId}` };
    case 'LowBalanceAlertRaised':
      return { at: event.data.raisedAt, reference: '', credits: c(event.data.available), lotType: '', detail: `low-balance alert: ${c(event.data.available)} below ${c(event.data.threshold)}` };
    case 'CreditsExpiringSoon':
      return { at: event.data.noticedAt, reference: event.data.lotId, credits: c(event.data.amount), lotType: event.data.lotType, detail: `credits expiring soon, at ${event.data.expiresAt}` };
    case 'AutoTopUpRequested':
      return { at: event.data.requestedAt, reference: event.data.packageId, credits: c(event.data.available), lotType: '', detail: `automatic top-up requested: ${c(event.data.available)} below ${c(event.data.threshold)}` };
    case 'AutoTopUpConfigured': {
      const d = event.data;
      return { at: d.configuredAt, reference: d.packageId ?? '', ...none, detail: `automatic top-up ${d.enabled ? `on${d.threshold !== null ? ` below ${c(d.threshold)}` : ''}` : 'off'}` };
    }
    case 'MemberSpendingLimitSet': {
      const d = event.data;
      return { at: d.setAt, reference: d.userId, ...none, detail: d.monthlyCredits === null ? `no spending limit for ${d.userId}` : `${d.userId} may spend ${c(d.monthlyCredits)} a month` };
    }
    default:
      return { at: null, reference: '', ...none, detail: (event as { type: string }).type };
  }
}

export interface LedgerRow {
  position: string;
  recordedAt: string;
  accountId: string;
  revision: string;
  type: string;
  at: string;
  reference: string;
  lotType: string;
  credits: string;
  /** Change of the available balance (signed decimal). */
  availableChange: string;
  /** Available and held after the event. */
  available: string;
  held: string;
  detail: string;
}

export const LEDGER_COLUMNS: (keyof LedgerRow)[] = [
  'position', 'recordedAt', 'accountId', 'revision', 'type', 'at', 'reference', 'lotType', 'credits', 'availableChange', 'available', 'held', 'detail',
];

/** Folds each account's events as they come (in store order) and answers one ledger row per event. */
export class LedgerBuilder {
  private readonly states = new Map<string, WalletState>();

  constructor(readonly tenantId: string) {}

  /** The row for `recorded`; null when it is another tenant's. */
  add(recorded: RecordedEvent): LedgerRow | null {
    const { tenantId, accountId } = recorded.metadata as unknown as WalletEventMetadata;
    if (tenantId !== this.tenantId) return null;
    const before = this.states.get(accountId) ?? initialState;
    const event = fromRecorded(recorded);
    const after = evolve(before, event);
    this.states.set(accountId, after);
    const [was, is] = [balanceOf(before), balanceOf(after)];
    const facts = eventFacts(event, before);
    return {
      position: recorded.position.toString(),
      recordedAt: recorded.recordedAt.toISOString(),
      accountId,
      revision: recorded.revision.toString(),
      type: event.type,
      at: facts.at ?? '',
      reference: facts.reference,
      lotType: facts.lotType,
      credits: facts.credits,
      availableChange: c((is.available - was.available) as Credits),
      available: c(is.available),
      held: c(is.held),
      detail: facts.detail,
    };
  }

  get accounts(): number {
    return this.states.size;
  }
}

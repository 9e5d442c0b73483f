// An account statement: every change of its credits with the running balance after it and the stream
// position it reflects, so a customer or an auditor can check it line by line against the history;
// and the burn rate it shows ("runs out in about N days"). Pure: built from the stored events.
import { Credits, ZERO, assertNever } from '@creditflow/kernel';
import { WalletEvent } from './wallet.events';
import { WalletPolicy } from './wallet.policy';
import { WalletState, balanceOf, evolve, initialState } from './wallet.state';
import { decide } from './wallet.decide';

export interface StoredWalletEvent {
  event: WalletEvent;
  revision: bigint;
}

export interface StatementLine {
  /** The stream revision of the event; null for an expiry that is due at the statement's time but not stored yet. */
  revision: bigint | null;
  type: WalletEvent['type'];
  /** The event's own time (the platform clock when it was decided). */
  at: string;
  /** What the change is about: the usage (also for a restoration), else the refund, the lot or the rollover. */
  reference: string;
  availableChange: Credits;
  heldChange: Credits;
  available: Credits;
  held: Credits;
}

export interface Statement {
  /** When the account was opened (null: no events). */
  openedAt: string | null;
  lines: StatementLine[];
  /** The last stored revision the statement reflects (null: no events). */
  revision: bigint | null;
  available: Credits;
  held: Credits;
  /** Credits spent on usage (captured and accept charges, less restorations), at each event's time. */
  spending: { at: string; amount: Credits }[];
}

/**
 * Every stored event that changes available or held credits, in stream order, with the balance after
 * it; then the expiries due at `now` that no command has stored yet (the balance answer applies them
 * too), so the last line's balance is the balance answer's.
 */
export function statementOf(stored: Iterable<StoredWalletEvent>, policy: WalletPolicy, now: Date): Statement {
  let state: WalletState = initialState;
  let before = { available: ZERO, held: ZERO };
  let revision: bigint | null = null;
  let openedAt: string | null = null;
  const lines: StatementLine[] = [];
  const spending: { at: string; amount: Credits }[] = [];
  const apply = (event: WalletEvent, at: bigint | null) => {
    state = evolve(state, event);
    const after = balanceOf(state);
    const spent = spentBy(event);
    if (spent !== 0n) spending.push({ at: eventTime(event), amount: spent as Credits });
    if (after.available === before.available && after.held === before.held) return;
    lines.push({
      revision: at, type: event.type, at: eventTime(event), reference: referenceOf(event),
      availableChange: (after.available - before.available) as Credits, heldChange: (after.held - before.held) as Credits,
      available: after.available, held: after.held,
    });
    before = after;
  };
  for (const { event, revision: r } of stored) {
    if (event.type === 'AccountOpened') openedAt = event.data.openedAt;
    apply(event, r);
    revision = r;
  }
  if (state.exists) for (const event of decide({ type: 'ExpireDue', data: { now } }, state, policy)) apply(event, null);
  return { openedAt, lines, revision, available: before.available, held: before.held, spending };
}

export interface Forecast {
  /** The start of the span the rate is measured over: the window's, or the account's opening when later. */
  since: string;
  spent: Credits;
  /** Credits per day over that span (rounded down to the credit unit). */
  perDay: Credits;
  /** Days until available credits run out at that rate, rounded down to a tenth; null when nothing is spent. */
  runsOutInDays: number | null;
  runsOutAt: string | null;
}

const DAY_MS = 86_400_000;
/** Shorter spans extrapolate too wildly: a day is the shortest the rate is measured over. */
const SHORTEST_SPAN_MS = DAY_MS;

/**
 * The burn rate over the last `windowDays` (or since the account was opened, if later; at least a day)
 * and when the available credits run out at that rate. Grants to come are not counted: it answers
 * "at this pace, with what I have".
 */
export function forecastOf(statement: Statement, now: Date, windowDays: number): Forecast {
  const windowStart = now.getTime() - windowDays * DAY_MS;
  const start = statement.openedAt ? Math.max(windowStart, Date.parse(statement.openedAt)) : windowStart;
  const spanMs = BigInt(Math.max(now.getTime() - start, SHORTEST_SPAN_MS));
  let spent = 0n;
  for (const s of statement.spending) if (Date.parse(s.at) > start) spent += s.amount;
  const since = new Date(start).toISOString();
  if (spent <= 0n) return { since, spent: ZERO, perDay: ZERO, runsOutInDays: null, runsOutAt: null };
  const day = BigInt(DAY_MS);
  // available / (spent / span), exactly in integers: tenths of a day, and milliseconds.
  const tenths = (statement.available * spanMs * 10n) / (spent * day);
  const runsOutAt = new Date(now.getTime() + Number((statement.available * spanMs) / spent));
  return { since, spent: spent as Credits, perDay: ((spent * day) / spanMs) as Credits, runsOutInDays: Number(tenths) / 10, runsOutAt: runsOutAt.toISOString() };
}

function spentBy(event: WalletEvent): bigint {
  switch (event.type) {
    case 'HoldCaptured':
    case 'AcceptCharged':
      return event.data.amount;
    case 'CreditsRestored':
      return -event.data.amount;
    default:
      return 0n;
  }
}

function referenceOf(event: WalletEvent): string {
  const d = event.data as Partial<Record<'usageId' | 'refundId' | 'lotId' | 'eventId', string>>;
  return d.usageId ?? d.refundId ?? d.lotId ?? d.eventId ?? '';
}

/** The event's own time: the platform clock when it was decided. */
export function eventTime(event: WalletEvent): string {
  switch (event.type) {
    case 'AccountOpened': return event.data.openedAt;
    case 'MembersChanged': return event.data.changedAt;
    case 'PlanAssigned': return event.data.assignedAt;
    case 'CreditsGranted': return event.data.grantedAt;
    case 'HoldPlaced': return event.data.placedAt;
    case 'UsageDenied': return event.data.deniedAt;
    case 'HoldCaptured': return event.data.capturedAt;
    case 'HoldReleased': return event.data.releasedAt;
    case 'AcceptCharged': return event.data.chargedAt;
    case 'UsageRejected': return event.data.rejectedAt;
    case 'UsageFailedAfterCompletion': return event.data.failedAt;
    case 'CreditsRestored': return event.data.restoredAt;
    case 'CreditsClawedBack': return event.data.clawedBackAt;
    case 'ClawBackRefused': return event.data.refusedAt;
    case 'RolloverExpired': return event.data.expiredAt;
    case 'LotExpired': return event.data.expiredAt;
    case 'LoginRecorded': return event.data.loggedInAt;
    case 'LowBalanceAlertRaised': return event.data.raisedAt;
    case 'AutoTopUpRequested': return event.data.requestedAt;
    case 'AutoTopUpConfigured': return event.data.configuredAt;
    case 'MemberSpendingLimitSet': return event.data.setAt;
    default: return assertNever(event);
  }
}

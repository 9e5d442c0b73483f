// An account statement: every change of its credits with the running balance after it and the stream
// position it reflects, so a customer or an auditor can check it line by line against the history. Pure.
import { Credits, ZERO, assertNever } from '@creditflow/kernel';
import { WalletEvent } from './wallet.events';
import { WalletPolicy } from './wallet.policy';
import { PaidFrom, WalletState, balanceOf, evolve, initialState } from './wallet.state';
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
  /** A usage's hold, charge, release or restoration: the allowances and lots it moved (allowances first). */
  paidFrom?: PaidFrom;
}

export interface Statement {
  lines: StatementLine[];
  /** The last stored revision the statement reflects (null: no events). */
  revision: bigint | null;
  available: Credits;
  held: Credits;
  /** The account's state at the statement's time (due expiries applied). */
  state: WalletState;
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
  const lines: StatementLine[] = [];
  const apply = (event: WalletEvent, at: bigint | null) => {
    state = evolve(state, event);
    const after = balanceOf(state);
    const paidFrom = paidFromOfEvent(event);
    // A usage paid by allowances alone changes no balance; it has its line all the same, saying so.
    if (after.available === before.available && after.held === before.held && !paidFrom?.allowances.length) return;
    lines.push({
      revision: at, type: event.type, at: eventTime(event), reference: referenceOf(event),
      availableChange: (after.available - before.available) as Credits, heldChange: (after.held - before.held) as Credits,
      available: after.available, held: after.held, ...(paidFrom ? { paidFrom } : {}),
    });
    before = after;
  };
  for (const { event, revision: r } of stored) {
    apply(event, r);
    revision = r;
  }
  if (state.exists) for (const event of decide({ type: 'ExpireDue', data: { now } }, state, policy)) apply(event, null);
  return { lines, revision, available: before.available, held: before.held, state };
}

/** Where the credits an event moves for a usage came from (hold, capture, accept charge, release, restoration); null for other events. */
export function paidFromOfEvent(event: WalletEvent): PaidFrom | null {
  switch (event.type) {
    case 'HoldPlaced':
    case 'HoldCaptured':
    case 'AcceptCharged':
    case 'HoldReleased':
    case 'CreditsRestored':
      return { allowances: event.data.allowances ?? [], lots: event.data.lots };
    default:
      return null;
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
    case 'UsageRecalled': return event.data.recalledAt;
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
    case 'RunningOutAlertRaised': return event.data.raisedAt;
    case 'CreditsExpiringSoon': return event.data.noticedAt;
    case 'AutoTopUpConfigured': return event.data.configuredAt;
    case 'MemberSpendingLimitSet': return event.data.setAt;
    default: return assertNever(event);
  }
}

// The life of one refund, stream `refund-<tenant>_<refundId>`: decided once, then (for a money refund)
// settled or voided by what the wallet did with its claw-back. A small decider in the usual shape:
// commands in, events out; `evolve` only copies what the events say.
//
// Rules:
// - A refundId is decided once. The same refundId with the same request gets the first decision back
//   (nothing appended); with a different request (account, purchase, usage or reason) it is refused
//   with REFUND.ID_REUSED. `decideRefund` runs only for a refundId not seen before.
// - Settlement exists only for decisions that claw credits back (money refunds). It is `pending` until
//   the wallet reports the claw-back: `CreditsClawedBack` settles it (the money is payable),
//   `ClawBackRefused` voids it (the credits were used, held or gone before the claw-back applied, so
//   no money is returned; a new request under a new refundId is judged on what is unused then).
// - Settling or voiding is idempotent and final: whichever the wallet reported first stands.
import { assertNever, Credits, Decider, DomainError, formatCredits, Money } from '@creditflow/kernel';
import { decideRefund } from './refund.decide';
import { RefundPolicy } from './refund.policy';
import { RefundRule, RefundRules } from './refund.rules';
import { RefundDecision, RefundFacts, RefundRequest } from './refund.types';

export type Settlement = 'pending' | 'settled' | 'voided';

export type RefundCommand =
  | { type: 'DecideRefund'; data: { request: RefundRequest; policy: RefundPolicy; facts: RefundFacts; now: Date } }
  /** The wallet clawed the credits back (CreditsClawedBack with this refundId). */
  | { type: 'SettleRefund'; data: { refundId: string; now: Date } }
  /** The wallet refused the claw-back: the lot no longer had that many unused credits. */
  | { type: 'VoidRefund'; data: { refundId: string; unused: Credits; now: Date } };

export type RefundEvent =
  | { type: 'RefundDecided'; data: { decision: RefundDecision; fingerprint: string } }
  /** `money`: what is now payable (the decision's money), carried so the settlement message needs nothing else. */
  | { type: 'RefundSettled'; data: { refundId: string; money: Money | null; settledAt: string } }
  | { type: 'RefundVoided'; data: { refundId: string; rule: RefundRule; reason: string; unused: Credits; voidedAt: string } };

export interface RefundRecord {
  exists: boolean;
  decision: RefundDecision | null;
  fingerprint: string;
  /** Null for decisions with nothing to settle (denials, restorations). */
  settlement: Settlement | null;
  voided: { rule: RefundRule; reason: string; unused: Credits; voidedAt: string } | null;
}

export const initialRefundRecord: RefundRecord = { exists: false, decision: null, fingerprint: '', settlement: null, voided: null };

export class RefundIdReusedError extends DomainError {
  constructor(refundId: string) {
    super('REFUND.ID_REUSED', `refund "${refundId}" was already requested with different content`, { refundId });
  }
}

export function decideRefundRecord(command: RefundCommand, state: RefundRecord): RefundEvent[] {
  switch (command.type) {
    case 'DecideRefund': {
      const { request, policy, facts, now } = command.data;
      const fingerprint = requestFingerprint(request);
      if (state.exists) {
        if (state.fingerprint !== fingerprint) throw new RefundIdReusedError(request.refundId);
        return [];
      }
      return [{ type: 'RefundDecided', data: { decision: decideRefund(request, policy, facts, now), fingerprint } }];
    }
    case 'SettleRefund':
      if (state.settlement !== 'pending') return [];
      return [{ type: 'RefundSettled', data: { refundId: command.data.refundId, money: state.decision?.money ?? null, settledAt: command.data.now.toISOString() } }];
    case 'VoidRefund': {
      if (state.settlement !== 'pending' || !state.decision?.creditsClawedBack) return [];
      const { refundId, unused, now } = command.data;
      const { lotId, amount } = state.decision.creditsClawedBack;
      return [{
        type: 'RefundVoided',
        data: {
          refundId, rule: RefundRules.CREDITS_USED_BEFORE_CLAWBACK, unused, voidedAt: now.toISOString(),
          reason: `the wallet could not take back ${formatCredits(amount)} credits from lot "${lotId}": only ${formatCredits(unused)} were still unused when the decision arrived, so no money is returned; request a new refund for what is unused now`,
        },
      }];
    }
    default:
      return assertNever(command);
  }
}

export function evolveRefundRecord(state: RefundRecord, event: RefundEvent): RefundRecord {
  switch (event.type) {
    case 'RefundDecided': {
      const { decision, fingerprint } = event.data;
      const settles = decision.status === 'approved' && decision.creditsClawedBack !== undefined;
      return { ...state, exists: true, decision, fingerprint, settlement: settles ? 'pending' : null };
    }
    case 'RefundSettled':
      return { ...state, settlement: 'settled' };
    case 'RefundVoided': {
      const { rule, reason, unused, voidedAt } = event.data;
      return { ...state, settlement: 'voided', voided: { rule, reason, unused, voidedAt } };
    }
    default:
      return assertNever(event);
  }
}

/** What makes two requests under one refundId the same request. */
export function requestFingerprint(request: RefundRequest): string {
  return JSON.stringify([request.accountId, request.purchaseId ?? null, request.usageId ?? null, request.reason]);
}

/** One refund, `refund-<tenant>_<refundId>`, in the one decider shape (the policy and facts come with DecideRefund). */
export const refundDecider: Decider<RefundCommand, RefundEvent, RefundRecord> = {
  decide: decideRefundRecord,
  evolve: evolveRefundRecord,
  initialState: initialRefundRecord,
};

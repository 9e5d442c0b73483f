import { IsIn, IsOptional, Matches } from 'class-validator';
import { ID, ID_MESSAGE } from '../fields';

// On creditflow.refunds.v1, keyed `<tenant>:<accountId>`. The refund service publishes decided,
// settled and voided from its store; anyone may send requested (same body as POST /v1/refunds).
export const REFUND_TYPES = {
  requested: 'creditflow.refund.requested',
  decided: 'creditflow.refund.decided',
  /** The wallet clawed the credits back: the decision's money is now payable (payment side). */
  settled: 'creditflow.refund.settled',
  /** The wallet could not claw the credits back (used before the decision arrived): no money is returned. */
  voided: 'creditflow.refund.voided',
} as const;

/** POST /v1/refunds and `creditflow.refund.requested`. */
export class RefundRequest {
  @Matches(ID, { message: `refundId ${ID_MESSAGE}` }) refundId!: string;
  @Matches(ID, { message: `accountId ${ID_MESSAGE}` }) accountId!: string;
  @IsOptional() @Matches(ID, { message: `purchaseId ${ID_MESSAGE}` }) purchaseId?: string;
  @IsOptional() @Matches(ID, { message: `usageId ${ID_MESSAGE}` }) usageId?: string;
  @IsIn(['system_failure', 'initial_payment', 'unused_credits']) reason!: 'system_failure' | 'initial_payment' | 'unused_credits';
}

/** `creditflow.refund.decided` data: what the wallet applies. Amounts are decimal strings. */
export interface RefundDecisionData {
  refundId: string;
  accountId: string;
  purchaseId?: string;
  usageId?: string;
  status: 'approved' | 'denied';
  /** Stable code of the rule that decided (REFUND.*). */
  rule: string;
  /** Why, in a sentence. */
  reason: string;
  /** The tenant's refund policy kind. */
  policy?: string;
  money?: { amount: string; currency: string };
  /** `money` before rounding to the minor unit (exact, or cut after 12 decimals), and the rounding applied. */
  moneyUnrounded?: { amount: string; currency: string };
  rounding?: 'half-even' | 'half-up' | 'down';
  creditsRestored?: { usageId: string; amount: string };
  creditsClawedBack?: { lotId: string; amount: string };
  decidedAt?: string;
}

/** `creditflow.refund.settled` and `creditflow.refund.voided` data: what became of a money refund's claw-back. */
export interface RefundSettlementData {
  refundId: string;
  accountId: string;
  settlement: 'settled' | 'voided';
  /** settled: the money to pay now. */
  money?: { amount: string; currency: string };
  /** voided: the rule and the sentence, and the credits that were still unused. */
  rule?: string;
  reason?: string;
  unused?: string;
  at: string;
}

/**
 * The answer of POST /v1/refunds (SPEC section 4): `creditsRestored` and `creditsClawedBack` are the
 * credit amounts as decimal strings (like every amount on the HTTP contract); the lot a claw-back
 * takes from is `lotId`. `settlement` follows a money refund's claw-back: pending until the wallet
 * applies it, then settled (money payable) or voided (see `voided`). A repeated refundId gets the
 * first decision with its current settlement.
 */
export interface RefundResponse {
  refundId: string;
  accountId: string;
  purchaseId?: string;
  usageId?: string;
  status: 'approved' | 'denied';
  rule: string;
  reason: string;
  policy: string;
  money?: { amount: string; currency: string };
  /** `money` before rounding to the minor unit (exact, or cut after 12 decimals), and the rounding applied (the policy's). */
  moneyUnrounded?: { amount: string; currency: string };
  rounding?: 'half-even' | 'half-up' | 'down';
  creditsRestored?: string;
  creditsClawedBack?: string;
  lotId?: string;
  settlement?: 'pending' | 'settled' | 'voided';
  voided?: { rule: string; reason: string; unused: string; at: string };
  decidedAt: string;
}

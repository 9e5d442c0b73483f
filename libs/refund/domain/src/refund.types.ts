// What a refund decision reads and returns. The shell gathers the facts from the wallet; the decision
// is pure and is recorded by refundId (a repeated refundId gets the first decision from the shell).
import { Credits, Money, MoneyRounding } from '@creditflow/kernel';
import { RefundPolicyKind } from './refund.policy';
import { RefundRule } from './refund.rules';

export type RefundReason = 'system_failure' | 'initial_payment' | 'unused_credits';

export interface RefundRequest {
  refundId: string;
  accountId: string;
  /** Required for initial_payment and unused_credits. */
  purchaseId?: string;
  /** Required for system_failure. */
  usageId?: string;
  reason: RefundReason;
}

export interface PurchaseFacts {
  purchaseId: string;
  /** The purchase's lot in the wallet; defaults to `purchaseId`. */
  lotId?: string;
  purchasedAt: Date;
  /** Credits the purchase granted. */
  credits: Credits;
  /** Credits of that lot neither consumed, held nor expired (follows from the consumption order). */
  unused: Credits;
  /** What was paid for the whole purchase. */
  paid: Money;
  promotional: boolean;
  /** The package's list price when bought (absent for purchases recorded before it was kept). */
  listPrice?: Money;
  /** Why the price paid differs from the list price, as the purchase said: a discount code, a custom contract (promotional above). */
  discountCode?: string;
  contractId?: string;
  /** The account's first purchase transaction (not a renewal, upgrade or repeat purchase). */
  isInitialPayment: boolean;
}

export interface UsageFacts {
  usageId: string;
  /** Credits captured for the usage, all phases. */
  charged: Credits;
  /** How the usage failed after completion, if it did. */
  failedReason: 'platform_error' | 'cancelled' | null;
  /** Credits already given back for it. */
  restored: boolean;
}

export interface ApprovedRefund {
  refundId: string;
  purchaseId?: string;
  usageId?: string;
}

export interface RefundFacts {
  purchase?: PurchaseFacts;
  usage?: UsageFacts;
  /** Refunds already approved on this account (at least those for the request's purchase or usage). */
  approvedRefunds: readonly ApprovedRefund[];
}

export interface RefundDecision {
  refundId: string;
  accountId: string;
  purchaseId?: string;
  usageId?: string;
  status: 'approved' | 'denied';
  /** Stable code of the rule that decided (see refund.rules.ts). */
  rule: RefundRule;
  /** The policy kind that applied. */
  policy: RefundPolicyKind;
  /** A human sentence saying why. */
  reason: string;
  /** Money to return: unused credits x the purchase's price per credit, rounded to the minor unit by `rounding`. */
  money?: Money;
  /** `money` before rounding, a decimal string in the major unit (exact, or cut after 12 decimals). */
  moneyUnrounded?: { amount: string; currency: string };
  /** How `money` was rounded (the policy's setting, or DEFAULT_REFUND_ROUNDING). */
  rounding?: MoneyRounding;
  /** Credits to take back from the purchase's lot. */
  creditsClawedBack?: { lotId: string; amount: Credits };
  /** Credits to give back for a failed usage. */
  creditsRestored?: { usageId: string; amount: Credits };
  decidedAt: string;
}

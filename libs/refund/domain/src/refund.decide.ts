// decideRefund: (request, policy, facts, now) -> decision. Pure: no store, no clock; the shell loads
// the facts from the wallet, records the decision by refundId and sends it on.
//
// Rules (SPEC section 6), with the choices where the seeds are silent:
// - system_failure (needs usageId): approved when the policy restores credits on platform error (see
//   restoresOnPlatformError), the usage was reported failed with `platform_error` after being
//   charged, and its credits were not restored yet; the decision restores everything it charged.
// - initial_payment and unused_credits (need purchaseId) ask for money for a purchase's unused credits:
//   - none (amisi): denied with the policy's sentence ("credits are non-refundable").
//   - platform-error-restores (gptimage2): denied; only failed generations are made good, in credits.
//   - initial-payment-window (visualgpt): both reasons are judged by the one money rule the seed
//     allows: the purchase must be the account's initial payment (no renewal, upgrade or repeat
//     purchase), not promotional (when excludePromotional), not paid below its list price (when
//     excludeDiscounted: "promotional or discounted rates are final"), and the request at most windowHours after
//     it, inclusive: exactly 24 h 00 min 00.000 s qualifies, one millisecond later does not.
//   - unused-credits-window (apinfer): any purchase, promotional or not, within windowDays, a day being
//     a 24 h period from purchasedAt, inclusive: at most windowDays x 24 h after the purchase ("day 30"
//     is (29 x 24 h, 30 x 24 h]), one millisecond later is day 31.
//   Approved money = unused x paid / credits, rounded to the minor unit as the policy says (`rounding`,
//   default half-even: DEFAULT_REFUND_ROUNDING; kernel creditsToMoney), shown unrounded beside it; the
//   unused credits are clawed back from the purchase's lot. Nothing unused: denied. Unused credits whose
//   money rounds to nothing: denied rather than taking credits back for nothing.
// - A purchase or usage that already has an approved refund (under any refundId) is denied as a
//   duplicate; a repeated refundId must be answered by the shell with its first decision before
//   calling this.
// - Requests no policy can judge throw: malformed (REFUND.INVALID_REQUEST) or naming a purchase or usage
//   the wallet does not know (REFUND.PURCHASE_NOT_FOUND / REFUND.USAGE_NOT_FOUND, worth a retry).
//   A policy that refuses the reason outright (amisi) decides without looking the subject up.
import { assertNever, creditsToMoney, creditsToMoneyUnrounded, Credits, DAY_MS, DomainError, formatMoney, HOUR_MS, Money, MoneyRounding } from '@creditflow/kernel';
import { InvalidRefundRequestError, RefundSubjectNotFoundError } from './refund.errors';
import { RefundPolicy, refundRoundingOf, restoresOnPlatformError } from './refund.policy';
import { RefundRule, RefundRules } from './refund.rules';
import { PurchaseFacts, RefundDecision, RefundFacts, RefundReason, RefundRequest, UsageFacts } from './refund.types';

type Verdict = Pick<RefundDecision, 'status' | 'rule' | 'reason' | 'money' | 'moneyUnrounded' | 'rounding' | 'creditsClawedBack' | 'creditsRestored'>;

const REASONS: readonly RefundReason[] = ['system_failure', 'initial_payment', 'unused_credits'];

export function decideRefund(request: RefundRequest, policy: RefundPolicy, facts: RefundFacts, now: Date): RefundDecision {
  validate(request, now);
  const verdict = request.reason === 'system_failure' ? judgeSystemFailure(request, policy, facts) : judgeMoneyRequest(request, policy, facts, now);
  return {
    refundId: request.refundId,
    accountId: request.accountId,
    ...(request.purchaseId !== undefined ? { purchaseId: request.purchaseId } : {}),
    ...(request.usageId !== undefined ? { usageId: request.usageId } : {}),
    policy: policy.kind,
    ...verdict,
    decidedAt: now.toISOString(),
  };
}

export type Restoration =
  | { restore: true; usageId: string; amount: Credits; rule: RefundRule; reason: string }
  | { restore: false; usageId: string; rule: RefundRule; reason: string };

/**
 * Whether a usage reported failed after completion gets its credits back without a refund request:
 * yes for gptimage2, visualgpt (system failure) and apinfer; no for amisi. Same rule as a
 * system_failure request, so a later request for a restored usage is denied as a duplicate.
 */
export function restorationForFailedUsage(policy: RefundPolicy, usage: UsageFacts): Restoration {
  const verdict = judgeRestoration(policy, usage, false);
  return verdict.status === 'approved'
    ? { restore: true, usageId: usage.usageId, amount: usage.charged, rule: verdict.rule, reason: verdict.reason }
    : { restore: false, usageId: usage.usageId, rule: verdict.rule, reason: verdict.reason };
}

function judgeSystemFailure(request: RefundRequest, policy: RefundPolicy, facts: RefundFacts): Verdict {
  if (!restoresOnPlatformError(policy)) return refusesRestoration(policy);
  const usage = usageOf(request, facts);
  const refunded = facts.approvedRefunds.some((r) => r.usageId === usage.usageId);
  return judgeRestoration(policy, usage, refunded);
}

function judgeRestoration(policy: RefundPolicy, usage: UsageFacts, alreadyRefunded: boolean): Verdict {
  if (!restoresOnPlatformError(policy)) return refusesRestoration(policy);
  if (alreadyRefunded || usage.restored) {
    return deny(RefundRules.DUPLICATE, `the credits of usage "${usage.usageId}" were already restored`);
  }
  if (usage.failedReason === null) {
    return deny(RefundRules.NOT_A_PLATFORM_ERROR, `usage "${usage.usageId}" was not reported as failed, so there is no system failure to make good`);
  }
  if (usage.failedReason === 'cancelled') {
    return deny(RefundRules.NOT_A_PLATFORM_ERROR, `usage "${usage.usageId}" was cancelled, not failed by a platform or model error`);
  }
  if (usage.charged <= 0n) return deny(RefundRules.NOTHING_CHARGED, `usage "${usage.usageId}" charged no credits, so there is nothing to restore`);
  return {
    status: 'approved',
    rule: RefundRules.PLATFORM_ERROR_RESTORED,
    reason: `usage "${usage.usageId}" failed through a platform or model error; its credits are restored`,
    creditsRestored: { usageId: usage.usageId, amount: usage.charged },
  };
}

function refusesRestoration(policy: RefundPolicy): Verdict {
  return policy.kind === 'none'
    ? deny(RefundRules.NON_REFUNDABLE, policy.reason)
    : deny(RefundRules.NO_RESTORATION, 'this product does not restore credits for failed generations');
}

function judgeMoneyRequest(request: RefundRequest, policy: RefundPolicy, facts: RefundFacts, now: Date): Verdict {
  switch (policy.kind) {
    case 'none':
      return deny(RefundRules.NON_REFUNDABLE, policy.reason);
    case 'platform-error-restores':
      return deny(
        RefundRules.REASON_NOT_COVERED,
        'this product only restores the credits of generations that fail through platform or model error; payments are refunded under the payment processor’s rules',
      );
    case 'initial-payment-window': {
      const purchase = purchaseOf(request, facts);
      const duplicate = duplicateOf(purchase, facts);
      if (duplicate) return duplicate;
      if (!purchase.isInitialPayment) {
        return deny(RefundRules.NOT_INITIAL_PAYMENT, `purchase "${purchase.purchaseId}" is not the account's initial payment; renewals, upgrades and repeat purchases are not refundable`);
      }
      if (policy.excludePromotional && purchase.promotional) {
        return deny(RefundRules.PROMOTIONAL, `purchase "${purchase.purchaseId}" was made at a promotional rate and is final`);
      }
      if (policy.excludeDiscounted && isDiscounted(purchase)) {
        return deny(RefundRules.DISCOUNTED, `purchase "${purchase.purchaseId}" was made at a discounted rate (${discountOf(purchase)}) and is final`);
      }
      if (elapsedMs(purchase, now) > policy.windowHours * HOUR_MS) {
        return deny(RefundRules.OUTSIDE_WINDOW, `refunds of the initial payment are available within ${policy.windowHours} hours of it; purchase "${purchase.purchaseId}" is older`);
      }
      return refundUnused(purchase, refundRoundingOf(policy), RefundRules.INITIAL_PAYMENT_WINDOW, `requested within ${policy.windowHours} hours of the initial, non-promotional payment`);
    }
    case 'unused-credits-window': {
      const purchase = purchaseOf(request, facts);
      const duplicate = duplicateOf(purchase, facts);
      if (duplicate) return duplicate;
      if (elapsedMs(purchase, now) > policy.windowDays * DAY_MS) {
        return deny(RefundRules.OUTSIDE_WINDOW, `unused credits are refundable within ${policy.windowDays} days of the purchase; purchase "${purchase.purchaseId}" is older`);
      }
      return refundUnused(purchase, refundRoundingOf(policy), RefundRules.UNUSED_CREDITS_WINDOW, `requested within ${policy.windowDays} days of the purchase`);
    }
    default:
      return assertNever(policy);
  }
}

function refundUnused(purchase: PurchaseFacts, rounding: MoneyRounding, rule: RefundRule, why: string): Verdict {
  if (purchase.unused <= 0n) return deny(RefundRules.NOTHING_UNUSED, `all credits of purchase "${purchase.purchaseId}" have been used; there is nothing to refund`);
  const money: Money = creditsToMoney(purchase.unused, purchase.credits, purchase.paid, rounding);
  if (money.minor <= 0n) {
    return deny(RefundRules.NOTHING_UNUSED, `the unused credits of purchase "${purchase.purchaseId}" are worth less than the smallest unit of ${purchase.paid.currency}`);
  }
  return {
    status: 'approved',
    rule,
    reason: `${why}: the unused credits of purchase "${purchase.purchaseId}" are refunded at its original price per credit`,
    money,
    moneyUnrounded: { amount: creditsToMoneyUnrounded(purchase.unused, purchase.credits, purchase.paid), currency: purchase.paid.currency },
    rounding,
    creditsClawedBack: { lotId: purchase.lotId ?? purchase.purchaseId, amount: purchase.unused },
  };
}

/** Paid below the package's list price, whatever the stated reason (unknown for purchases recorded without a list price). */
export function isDiscounted(purchase: PurchaseFacts): boolean {
  return purchase.listPrice !== undefined && purchase.paid.minor < purchase.listPrice.minor;
}

function discountOf(purchase: PurchaseFacts): string {
  const money = (m: Money) => `${m.currency} ${formatMoney(m)}`;
  const why = purchase.discountCode !== undefined ? `discount code ${purchase.discountCode}` : purchase.contractId !== undefined ? `contract ${purchase.contractId}` : 'no reason recorded';
  return `${money(purchase.paid)} paid against a list price of ${money(purchase.listPrice!)}, ${why}`;
}

function duplicateOf(purchase: PurchaseFacts, facts: RefundFacts): Verdict | null {
  const earlier = facts.approvedRefunds.find((r) => r.purchaseId === purchase.purchaseId);
  return earlier ? deny(RefundRules.DUPLICATE, `purchase "${purchase.purchaseId}" was already refunded (refund "${earlier.refundId}")`) : null;
}

function purchaseOf(request: RefundRequest, facts: RefundFacts): PurchaseFacts {
  const id = request.purchaseId as string;
  const purchase = facts.purchase;
  if (!purchase || purchase.purchaseId !== id) throw new RefundSubjectNotFoundError('purchase', id);
  if (purchase.credits <= 0n || purchase.unused < 0n || purchase.unused > purchase.credits || purchase.paid.minor < 0n) {
    throw new DomainError('REFUND.INCONSISTENT_FACTS', `the wallet's facts about purchase "${id}" are inconsistent`, { purchaseId: id });
  }
  return purchase;
}

function usageOf(request: RefundRequest, facts: RefundFacts): UsageFacts {
  const id = request.usageId as string;
  const usage = facts.usage;
  if (!usage || usage.usageId !== id) throw new RefundSubjectNotFoundError('usage', id);
  return usage;
}

function elapsedMs(purchase: PurchaseFacts, now: Date): number {
  return now.getTime() - purchase.purchasedAt.getTime();
}

function deny(rule: RefundRule, reason: string): Verdict {
  return { status: 'denied', rule, reason };
}

function validate(request: RefundRequest, now: Date): void {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new InvalidRefundRequestError('the decision time (`now`) is not a valid date');
  if (!nonEmpty(request.refundId)) throw new InvalidRefundRequestError('refundId is required');
  if (!nonEmpty(request.accountId)) throw new InvalidRefundRequestError('accountId is required');
  if (!REASONS.includes(request.reason)) {
    throw new InvalidRefundRequestError(`reason must be one of ${REASONS.join(', ')}`, { reason: request.reason });
  }
  if (request.reason === 'system_failure' && !nonEmpty(request.usageId)) {
    throw new InvalidRefundRequestError('a system_failure refund names the failed usage (usageId)');
  }
  if (request.reason !== 'system_failure' && !nonEmpty(request.purchaseId)) {
    throw new InvalidRefundRequestError(`an ${request.reason} refund names the purchase (purchaseId)`);
  }
}

function nonEmpty(s: string | undefined): s is string {
  return typeof s === 'string' && s.length > 0;
}

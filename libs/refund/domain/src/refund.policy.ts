// A tenant's refund policy, as its tenant file states it (libs/tenancy builds it). One variant per
// seed's kind of rule. `platformErrorRestores` (optional on every variant) overrides whether a usage
// that failed through platform or model error after completion gets its credits back; without it each
// kind has the default in `restoresOnPlatformError`.
import { assertNever, MoneyRounding } from '@creditflow/kernel';

export type RefundPolicy =
  | {
      /** amisi: credits are non-refundable. `reason` is the sentence every denial carries. */
      kind: 'none';
      reason: string;
      platformErrorRestores?: boolean;
    }
  | {
      /** visualgpt: system failures restore credits; money only within `windowHours` of the initial payment. */
      kind: 'initial-payment-window';
      windowHours: number;
      excludePromotional: boolean;
      /** Purchases paid below their list price (a discount code, a contract, a promotion) are final; default false. */
      excludeDiscounted?: boolean;
      systemFailureRestores: boolean;
      platformErrorRestores?: boolean;
      /** How refund money is rounded to the currency's minor unit; default DEFAULT_REFUND_ROUNDING. */
      rounding?: MoneyRounding;
    }
  | {
      /** apinfer: unused credits of any purchase refundable within `windowDays` of it. */
      kind: 'unused-credits-window';
      windowDays: number;
      platformErrorRestores?: boolean;
      /** How refund money is rounded to the currency's minor unit; default DEFAULT_REFUND_ROUNDING. */
      rounding?: MoneyRounding;
    }
  | {
      /** gptimage2: a generation failed through platform or model error gets its credits back; no money refunds here. */
      kind: 'platform-error-restores';
      platformErrorRestores?: boolean;
    };

export type RefundPolicyKind = RefundPolicy['kind'];

/**
 * Whether a platform-error failure gives the credits back. Defaults: platform-error-restores yes;
 * initial-payment-window as `systemFailureRestores` (visualgpt: errors from system failures);
 * unused-credits-window yes (apinfer is pay-per-use and its seed is silent: charging for a generation
 * the platform failed would contradict "pay only for what you use"); none no (amisi).
 */
export function restoresOnPlatformError(policy: RefundPolicy): boolean {
  if (policy.platformErrorRestores !== undefined) return policy.platformErrorRestores;
  switch (policy.kind) {
    case 'none':
      return false;
    case 'initial-payment-window':
      return policy.systemFailureRestores;
    case 'unused-credits-window':
    case 'platform-error-restores':
      return true;
    default:
      return assertNever(policy);
  }
}

/**
 * How refund money is rounded to the currency's minor unit where the policy does not say: half-even
 * (banker's). Chosen over half-up because ties then round up as often as down, so over many refunds
 * neither the customers nor the tenant gain from rounding, and because it keeps more of the refund
 * figures this repository documented (98.25 of apinfer's 100 credits for CNY 10 is 9.825: 9.82 as
 * before; half-up would pay 9.83). The seeds give no refund figure to match. Before issue 13 money was
 * rounded down (towards zero), now the policy setting `down`.
 */
export const DEFAULT_REFUND_ROUNDING: MoneyRounding = 'half-even';

/** The rounding of a policy that refunds money. */
export function refundRoundingOf(policy: RefundPolicy): MoneyRounding {
  return (policy.kind === 'initial-payment-window' || policy.kind === 'unused-credits-window' ? policy.rounding : undefined) ?? DEFAULT_REFUND_ROUNDING;
}

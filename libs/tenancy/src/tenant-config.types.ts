// A tenant's validated configuration, as read from config/tenants/<tenantId>.(yaml|json).
import { Catalog, CreditPackage, Plan } from '@creditflow/pricing-domain';
import { WalletPolicy } from '@creditflow/wallet-domain';

/**
 * How a tenant refunds, for the refund service to interpret. Every approved money refund returns
 * unused credits of the purchase at that purchase's original price per credit.
 * Lives here until the refund domain owns it; it is plain data with no behaviour.
 */
export type RefundPolicy =
  /** Nothing is refunded (amisi: "Credits are non-refundable"). */
  | { readonly kind: 'none'; readonly reason: string }
  /**
   * A refund only within `windowHours` of the account's initial (first) payment, never for a
   * promotional one when `excludePromotional`; system failures restore the credits when
   * `systemFailureRestores` (visualgpt).
   */
  | {
      readonly kind: 'initial-payment-window';
      readonly windowHours: number;
      readonly excludePromotional: boolean;
      readonly systemFailureRestores: boolean;
    }
  /** Unused credits of any purchase refundable within `windowDays` of it (apinfer). */
  | { readonly kind: 'unused-credits-window'; readonly windowDays: number }
  /** No money refunds; a generation that fails through platform error gets its credits back (gptimage2). */
  | { readonly kind: 'platform-error-restores' };

export const REFUND_POLICY_KINDS = ['none', 'initial-payment-window', 'unused-credits-window', 'platform-error-restores'] as const;
export type RefundPolicyKind = RefundPolicy['kind'];

export interface TenantConfig {
  readonly tenantId: string;
  readonly name: string;
  /** Digits after the decimal point the tenant's credit amounts may carry (0..6). */
  readonly precision: number;
  /** ISO 4217 code of every package and plan price. */
  readonly currency: string;
  /** Sorted by effectiveFrom; pick one with `catalogAt(catalogVersions, now)`. */
  readonly catalogVersions: readonly Catalog[];
  readonly walletPolicy: WalletPolicy;
  readonly plans: readonly Plan[];
  readonly packages: readonly CreditPackage[];
  readonly refundPolicy: RefundPolicy;
  /** Whether a `platform_error` failure reported after completion restores the usage's credits. */
  readonly restoreOnPlatformError: boolean;
  /** The file this configuration was read from, as named in error messages. */
  readonly sourceFile: string;
}

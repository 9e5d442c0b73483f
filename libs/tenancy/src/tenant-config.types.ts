// A tenant's validated configuration, as read from config/tenants/<tenantId>.(yaml|json).
import { Catalog, CreditPackage, Plan } from '@creditflow/pricing-domain';
import { WalletPolicy } from '@creditflow/wallet-domain';

import type { RefundPolicy } from '@creditflow/refund-domain';

/** How a tenant refunds: the refund domain's policy type, read from the tenant file. */
export type { RefundPolicy };

export const REFUND_POLICY_KINDS = ['none', 'initial-payment-window', 'unused-credits-window', 'platform-error-restores'] as const;
export type RefundPolicyKind = RefundPolicy['kind'];

/** Where a tenant's alerts are POSTed (see config/tenants/README.md, webhooks). */
export interface WebhookConfig {
  readonly id: string;
  readonly url: string;
  /** Alert kinds delivered (ALERT_KINDS of @creditflow/contracts: `low-balance`, ...). */
  readonly alerts: readonly string[];
  /** The environment variable holding the signing secret (CREDITFLOW_WEBHOOK_SECRET_...): never the secret itself. */
  readonly secretEnv: string;
}

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
  readonly autoRestoreOnPlatformError: boolean;
  /** Per-account usage analytics only for accounts on these plans (amisi: business, enterprise); null = every account. */
  readonly accountAnalyticsPlans: readonly string[] | null;
  readonly webhooks: readonly WebhookConfig[];
  /** The file this configuration was read from, as named in error messages. */
  readonly sourceFile: string;
}

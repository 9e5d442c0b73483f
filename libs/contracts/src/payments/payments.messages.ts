import { IsBoolean, IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { DECIMAL, DECIMAL_MESSAGE, ID, ID_MESSAGE } from '../fields';

export const PAYMENT_TYPES = {
  purchase: 'creditflow.payment.purchase',
  subscriptionStarted: 'creditflow.payment.subscription-started',
  subscriptionCancelled: 'creditflow.payment.subscription-cancelled',
  /** The payment side recorded an account's automatic top-up options (what PUT /v1/accounts/{id}/auto-top-up does). */
  autoTopUpConfigured: 'creditflow.payment.auto-top-up-configured',
} as const;

/** The payment message types the wallet handles; the others are the scheduler's. */
export const WALLET_PAYMENT_TYPES: readonly string[] = [PAYMENT_TYPES.purchase, PAYMENT_TYPES.autoTopUpConfigured];

/** POST /v1/purchases and `creditflow.payment.purchase`. */
export class PurchaseRequest {
  @Matches(ID, { message: `purchaseId ${ID_MESSAGE}` }) purchaseId!: string;
  @Matches(ID, { message: `accountId ${ID_MESSAGE}` }) accountId!: string;
  @IsString() packageId!: string;
  @Matches(DECIMAL, { message: `amountPaid ${DECIMAL_MESSAGE}` }) amountPaid!: string;
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as "USD"' }) currency!: string;
  @IsOptional() @IsBoolean() promotional?: boolean;
  /**
   * Why `amountPaid` may differ from the package's list price (else 422 price_mismatch): a discount
   * code applied at checkout (below the list price), or the custom contract that sets the price.
   */
  @IsOptional() @Matches(ID, { message: `discountCode ${ID_MESSAGE}` }) discountCode?: string;
  @IsOptional() @Matches(ID, { message: `contractId ${ID_MESSAGE}` }) contractId?: string;
}

/** PUT /v1/accounts/{accountId}/subscription. */
export class SubscriptionBody {
  @IsString() planId!: string;
  @IsIn(['monthly', 'yearly']) billingPeriod!: 'monthly' | 'yearly';
  /** Only for a custom plan (amisi enterprise): the allocation agreed in the contract. */
  @IsOptional() @Matches(DECIMAL, { message: `monthlyCredits ${DECIMAL_MESSAGE}` }) monthlyCredits?: string;
  /** Only for a custom plan: unused credits kept at a cycle end (0 = the balance refreshes). */
  @IsOptional() @Matches(DECIMAL, { message: `rolloverCap ${DECIMAL_MESSAGE}` }) rolloverCap?: string;
}

/**
 * `creditflow.payment.subscription-started` data: the payment side took a plan for the account (the
 * scheduler does what PUT /v1/accounts/{accountId}/subscription does). The CloudEvent `id` names the
 * request: a redelivered message changes nothing.
 */
export class SubscriptionStartedData {
  @Matches(ID, { message: `accountId ${ID_MESSAGE}` }) accountId!: string;
  @Matches(ID, { message: `planId ${ID_MESSAGE}` }) planId!: string;
  @IsIn(['monthly', 'yearly']) billingPeriod!: 'monthly' | 'yearly';
}

/** `creditflow.payment.subscription-cancelled` data: as DELETE /v1/accounts/{accountId}/subscription. */
export class SubscriptionCancelledData {
  @Matches(ID, { message: `accountId ${ID_MESSAGE}` }) accountId!: string;
}

/** `creditflow.payment.auto-top-up-configured` data: as PUT /v1/accounts/{accountId}/auto-top-up, with the account. */
export class AutoTopUpConfiguredData {
  @Matches(ID, { message: `accountId ${ID_MESSAGE}` }) accountId!: string;
  @IsBoolean() enabled!: boolean;
  @IsOptional() @Matches(DECIMAL, { message: `threshold ${DECIMAL_MESSAGE}` }) threshold?: string;
  @IsOptional() @Matches(ID, { message: `packageId ${ID_MESSAGE}` }) packageId?: string;
}

import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { DECIMAL, DECIMAL_MESSAGE, ID, ID_MESSAGE } from '../fields';

export const USAGE_COMMAND_TYPES = {
  authorize: 'creditflow.usage.authorize',
  complete: 'creditflow.usage.complete',
  fail: 'creditflow.usage.fail',
  accept: 'creditflow.usage.accept',
  reject: 'creditflow.usage.reject',
} as const;
export type UsageCommandType = (typeof USAGE_COMMAND_TYPES)[keyof typeof USAGE_COMMAND_TYPES];
export type UsageAction = keyof typeof USAGE_COMMAND_TYPES;

export const USAGE_DECISION_TYPES = {
  authorized: 'creditflow.usage.authorized',
  denied: 'creditflow.usage.denied',
  completed: 'creditflow.usage.completed',
  failed: 'creditflow.usage.failed',
  accepted: 'creditflow.usage.accepted',
  rejected: 'creditflow.usage.rejected',
} as const;
export type UsageDecisionType = (typeof USAGE_DECISION_TYPES)[keyof typeof USAGE_DECISION_TYPES];

/** What to price: the feature and its options (SPEC section 4, POST /v1/quotes). */
export class QuoteRequest {
  @IsString() @MaxLength(64) feature!: string;
  @IsOptional() @IsString() @MaxLength(64) model?: string;
  @IsOptional() @IsString() @MaxLength(64) resolution?: string;
  @IsOptional() @IsString() @MaxLength(64) quality?: string;
  @IsOptional() @IsString() @MaxLength(64) detail?: string;
  @IsOptional() @IsInt() @Min(1) @Max(10000) quantity?: number;
}

/** POST /v1/usage/authorize and `creditflow.usage.authorize`. */
export class AuthorizeUsageRequest extends QuoteRequest {
  @Matches(ID, { message: `usageId ${ID_MESSAGE}` }) usageId!: string;
  @Matches(ID, { message: `accountId ${ID_MESSAGE}` }) accountId!: string;
  @IsOptional() @Matches(ID, { message: `userId ${ID_MESSAGE}` }) userId?: string;
}

/** POST /v1/usage/{usageId}/fail; complete, accept and reject take no body. */
export class FailUsageBody {
  @IsIn(['platform_error', 'cancelled']) reason!: 'platform_error' | 'cancelled';
}

/** `creditflow.usage.complete|fail|accept|reject` data: the usage id travels in the message. */
export class UsageStepRequest {
  @Matches(ID, { message: `usageId ${ID_MESSAGE}` }) usageId!: string;
  @IsOptional() @Matches(ID, { message: `accountId ${ID_MESSAGE}` }) accountId?: string;
  @IsOptional() @IsIn(['platform_error', 'cancelled']) reason?: 'platform_error' | 'cancelled';
}

/** The options a priced authorize carries: what the price was computed from (the quote request's, by name). */
export class PricedOptions {
  @IsOptional() @IsString() @MaxLength(64) model?: string;
  @IsOptional() @IsString() @MaxLength(64) resolution?: string;
  @IsOptional() @IsString() @MaxLength(64) quality?: string;
  @IsOptional() @IsString() @MaxLength(64) detail?: string;
  @IsOptional() @IsInt() @Min(1) @Max(10000) quantity?: number;
}

/** Two-phase prices: what generating holds and what accepting charges on top. */
export class PricedPhases {
  @Matches(DECIMAL, { message: `generate ${DECIMAL_MESSAGE}` }) generate!: string;
  @Matches(DECIMAL, { message: `accept ${DECIMAL_MESSAGE}` }) accept!: string;
}

/** The price fixed at authorization, decimal strings. */
export class PricedPrice {
  @Matches(DECIMAL, { message: `credits ${DECIMAL_MESSAGE}` }) credits!: string;
  @IsOptional() @ValidateNested() @Type(() => PricedPhases) phases?: PricedPhases;
  @IsString() @MaxLength(64) priceVersion!: string;
}

/** Why pricing refused the request: the wallet answers it with a denial. */
export class PricingRefusal {
  @IsString() @MaxLength(128) error!: string;
  @IsString() @MaxLength(1024) message!: string;
  @IsOptional() @IsObject() details?: Record<string, unknown>;
}

/**
 * Usage commands after pricing: what the wallet consumes from `creditflow.priced-usage.v1`. Checked on
 * receipt like every other payload: anyone who can write to the topic can send one.
 */
export class PricedUsage {
  @IsIn(Object.keys(USAGE_COMMAND_TYPES)) action!: UsageAction;
  @Matches(ID, { message: `usageId ${ID_MESSAGE}` }) usageId!: string;
  @Matches(ID, { message: `accountId ${ID_MESSAGE}` }) accountId!: string;
  @IsOptional() @Matches(ID, { message: `userId ${ID_MESSAGE}` }) userId?: string;
  @IsOptional() @IsString() @MaxLength(64) feature?: string;
  @IsOptional() @ValidateNested() @Type(() => PricedOptions) options?: PricedOptions;
  @IsOptional() @IsIn(['platform_error', 'cancelled']) reason?: 'platform_error' | 'cancelled';
  /** Set on authorize: the price fixed at authorization. */
  @IsOptional() @ValidateNested() @Type(() => PricedPrice) price?: PricedPrice;
  /** Set when pricing refused the request. */
  @IsOptional() @ValidateNested() @Type(() => PricingRefusal) error?: PricingRefusal;
}

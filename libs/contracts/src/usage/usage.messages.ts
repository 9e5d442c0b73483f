import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ID, ID_MESSAGE } from '../fields';

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

/** Usage commands after pricing: what the wallet consumes from `creditflow.priced-usage.v1`. */
export interface PricedUsage {
  action: UsageAction;
  usageId: string;
  accountId: string;
  userId?: string;
  feature?: string;
  options?: Record<string, string | number>;
  reason?: 'platform_error' | 'cancelled';
  /** Set on authorize: the price fixed at authorization, decimal strings. */
  price?: { credits: string; phases?: { generate: string; accept: string }; priceVersion: string };
  /** Set when pricing refused the request: the wallet turns it into a denial. */
  error?: { error: string; message: string; details?: unknown };
}

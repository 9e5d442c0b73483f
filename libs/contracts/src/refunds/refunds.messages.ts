import { IsIn, IsOptional, Matches } from 'class-validator';
import { ID, ID_MESSAGE } from '../fields';

export const REFUND_TYPES = {
  requested: 'creditflow.refund.requested',
  decided: 'creditflow.refund.decided',
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
  status: 'approved' | 'denied';
  rule: string;
  reason: string;
  money?: { amount: string; currency: string };
  creditsRestored?: { usageId: string; amount: string };
  creditsClawedBack?: { lotId: string; amount: string };
}

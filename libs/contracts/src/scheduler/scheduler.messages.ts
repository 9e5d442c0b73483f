import { IsIn, IsISO8601, IsInt, IsOptional, Matches, Min } from 'class-validator';
import { DECIMAL, DECIMAL_MESSAGE, ID, ID_MESSAGE } from '../fields';

export const SCHEDULER_TYPES = {
  tick: 'creditflow.scheduler.tick',
  dailyReset: 'creditflow.scheduler.daily-reset',
  monthlyGrant: 'creditflow.scheduler.monthly-grant',
  rolloverExpiry: 'creditflow.scheduler.rollover-expiry',
} as const;

/** `creditflow.scheduler-triggers.v1` data and POST /v1/scheduler/ticks body: a cron trigger. */
export class SchedulerTickRequest {
  /** Defaults to the platform clock's now. */
  @IsOptional() @IsISO8601({ strict: true }) at?: string;
}

/** `creditflow.scheduler.monthly-grant` data. Amounts are decimal strings; checked on receipt by the wallet. */
export class MonthlyGrantData {
  @Matches(ID, { message: `eventId ${ID_MESSAGE}` }) eventId!: string;
  @Matches(ID, { message: `subscriptionId ${ID_MESSAGE}` }) subscriptionId!: string;
  @Matches(ID, { message: `accountId ${ID_MESSAGE}` }) accountId!: string;
  @Matches(ID, { message: `planId ${ID_MESSAGE}` }) planId!: string;
  @IsInt() @Min(0) cycle!: number;
  @IsIn(['subscription', 'trial']) lotType!: 'subscription' | 'trial';
  @Matches(DECIMAL, { message: `amount ${DECIMAL_MESSAGE}` }) amount!: string;
  @IsISO8601({ strict: true }) at!: string;
  /** null: the grant never expires. */
  @IsOptional() @IsISO8601({ strict: true }) expiresAt!: string | null;
}

/** `creditflow.scheduler.rollover-expiry` data; checked on receipt by the wallet. */
export class RolloverExpiryData {
  @Matches(ID, { message: `eventId ${ID_MESSAGE}` }) eventId!: string;
  @Matches(ID, { message: `subscriptionId ${ID_MESSAGE}` }) subscriptionId!: string;
  @Matches(ID, { message: `accountId ${ID_MESSAGE}` }) accountId!: string;
  @IsInt() @Min(0) cycle!: number;
  @Matches(DECIMAL, { message: `rolloverCap ${DECIMAL_MESSAGE}` }) rolloverCap!: string;
  @IsISO8601({ strict: true }) at!: string;
}

/**
 * `creditflow.scheduler.daily-reset` data: tenant-wide (keyed by the tenant id, no subject). Daily
 * credits of tenants whose daily expiry is `reset` expire at `at`, local midnight starting `day` in
 * `timeZone`; the wallet records that expiry on every account holding such credits.
 */
export interface DailyResetData {
  /** `daily-reset:<tenant>:<day>` */
  eventId: string;
  day: string;
  at: string;
  timeZone: string;
}

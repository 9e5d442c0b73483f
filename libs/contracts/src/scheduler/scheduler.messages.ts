import { IsISO8601, IsOptional } from 'class-validator';

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

/** `creditflow.scheduler.monthly-grant` data. Amounts are decimal strings. */
export interface MonthlyGrantData {
  eventId: string;
  subscriptionId: string;
  accountId: string;
  planId: string;
  cycle: number;
  lotType: 'subscription' | 'trial';
  amount: string;
  at: string;
  expiresAt: string | null;
}

/** `creditflow.scheduler.rollover-expiry` data. */
export interface RolloverExpiryData {
  eventId: string;
  subscriptionId: string;
  accountId: string;
  cycle: number;
  rolloverCap: string;
  at: string;
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

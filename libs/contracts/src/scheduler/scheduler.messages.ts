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

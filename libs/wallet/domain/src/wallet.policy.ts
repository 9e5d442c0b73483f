// What a tenant's configuration tells the wallet. Built from the tenant file by libs/tenancy.
import { Credits } from '@creditflow/kernel';
import { Allowance, RateLimit } from './allowances';

export const LOT_TYPES = ['daily', 'trial', 'subscription', 'reward', 'topup'] as const;
export type LotType = (typeof LOT_TYPES)[number];

export interface WalletPolicy {
  /** Digits after the decimal point this tenant's amounts may carry (0..6). */
  precision: number;
  /** Lots are consumed by this type order, then soonest expiry, then oldest. */
  consumptionOrder: LotType[];
  /** A hold not captured within this time is released. */
  holdTimeoutMs: number;
  /** Daily free credits granted by a login, once per day window. */
  daily?: DailyCredits;
  /** Trial credits given once when an account is created; null = never expire. */
  trial?: { amount: Credits; validForMs: number | null };
  /** Available credits crossing below this raise one low-balance alert per crossing. */
  lowBalanceThreshold?: Credits;
  /**
   * The tenant's automatic top-up: ask the payment side for `packageId` when an account's available
   * credits fall below `threshold`. The defaults of every account that has not set its own (see
   * `autoTopUpOf`); `enabled` (default true) says whether such an account has it on.
   */
  autoTopUp?: { threshold: Credits; packageId: string; enabled?: boolean };
  /** A command that brings the forecast of when available credits run out (forecastOf, 7 days) under this many days raises one alert per crossing. */
  runOutAlertDays?: number;
  /**
   * Notice, once per lot, credits of these lot types that expire within `withinMs` (an alert for the
   * tenant's webhooks): recorded by the first command on the account inside that window, or by the
   * wallet's sweep (ExpireDue).
   */
  expiringSoon?: { withinMs: number; lotTypes: LotType[] };
  /** How many members a team account may have; absent = no cap. See `memberCapsOf`. */
  memberCaps?: MemberCaps;
  /** Free allowances, consumed before the lots, in this order (the access waterfall, `allowances.ts`). */
  allowances?: readonly Allowance[];
  /** Hard rate limits on authorizations: beyond one, authorize is denied `rate_limited` (`allowances.ts`). */
  rateLimits?: readonly RateLimit[];
}

/** Daily free credits: see `dailyLoginGrant`. */
export interface DailyCredits {
  amount: Credits;
  /** 'rolling-24h': valid 24 h from the grant; 'reset': until the next reset boundary. */
  expiry: 'rolling-24h' | 'reset';
  /** IANA zone of the daily reset boundary (midnight), for expiry 'reset' and the login window. */
  resetTimeZone: string;
}

/** Member caps of team accounts, from the tenant's plans. null = unlimited. */
export interface MemberCaps {
  /** maxMembers of each plan, by plan id. */
  byPlan: Readonly<Record<string, number | null>>;
  /** For a team account the wallet knows no plan of (no subscription grant yet, or a plan no longer configured). */
  withoutPlan: number | null;
}

/**
 * The member caps a tenant's plans imply. A tenant without plans caps nothing. A team account
 * without a plan may have as many members as the tenant's smallest team plan allows (the least
 * maxMembers above 1; null if the only team plans are unlimited); if no plan allows a team, 1.
 * Why not 1 for every account without a plan: the plan reaches the wallet with the subscription's
 * first grant, asynchronously, so a team being formed for a team plan would be refused until that
 * grant lands; and no team plan allows fewer members than the smallest one.
 */
export function memberCapsOf(plans: readonly { id: string; maxMembers: number | null }[]): MemberCaps | undefined {
  if (plans.length === 0) return undefined;
  const byPlan = Object.fromEntries(plans.map((p) => [p.id, p.maxMembers]));
  const teamCaps = plans.map((p) => p.maxMembers).filter((m) => m === null || m > 1);
  const finite = teamCaps.filter((m): m is number => m !== null);
  const withoutPlan = teamCaps.length === 0 ? 1 : finite.length ? Math.min(...finite) : null;
  return { byPlan, withoutPlan };
}

/** An account's automatic top-up in effect: on with this threshold and package, or null (off). */
export interface AutoTopUpInEffect {
  threshold: Credits;
  packageId: string;
  /** 'account': the account set it (what it left null comes from the tenant); 'tenant': the tenant's default. */
  source: 'account' | 'tenant';
}

/**
 * The automatic top-up in effect for an account: its own settings where it set them (threshold and
 * package it left open come from the tenant), else the tenant's, on unless the tenant says `enabled:
 * false`. Off when switched off, or when the tenant has nothing to fill a gap with (the decider refuses
 * to switch on such settings: WALLET.AUTO_TOP_UP_INCOMPLETE).
 */
export function autoTopUpOf(own: { enabled: boolean; threshold: Credits | null; packageId: string | null } | null, policy: WalletPolicy): AutoTopUpInEffect | null {
  const tenant = policy.autoTopUp;
  if (!own) return tenant && tenant.enabled !== false ? { threshold: tenant.threshold, packageId: tenant.packageId, source: 'tenant' } : null;
  if (!own.enabled) return null;
  const threshold = own.threshold ?? tenant?.threshold;
  const packageId = own.packageId ?? tenant?.packageId;
  return threshold !== undefined && packageId !== undefined ? { threshold, packageId, source: 'account' } : null;
}

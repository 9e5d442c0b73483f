// What a tenant's configuration tells the wallet. Built from the tenant file by libs/tenancy.
import { Credits } from '@creditflow/kernel';

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
  /** Ask the payment side for a top-up when the balance falls below the threshold. */
  autoTopUp?: { threshold: Credits; packageId: string };
  /** How many members a team account may have; absent = no cap. See `memberCapsOf`. */
  memberCaps?: MemberCaps;
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

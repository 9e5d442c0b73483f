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
  daily?: {
    amount: Credits;
    /** 'rolling-24h': valid 24 h from the grant; 'reset': until the next reset boundary. */
    expiry: 'rolling-24h' | 'reset';
    /** IANA zone of the daily reset boundary (midnight), for expiry 'reset' and the login window. */
    resetTimeZone: string;
  };
  /** Trial credits given once when an account is created; null = never expire. */
  trial?: { amount: Credits; validForMs: number | null };
  /** Available credits crossing below this raise one low-balance alert per crossing. */
  lowBalanceThreshold?: Credits;
  /** Ask the payment side for a top-up when the balance falls below the threshold. */
  autoTopUp?: { threshold: Credits; packageId: string };
}

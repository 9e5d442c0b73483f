// Wallet commands: imperative requests, each carrying its caller's id and the time it is decided at.
import { Credits } from '@creditflow/kernel';
import { CostBasis, LotSource } from './wallet.events';
import { LotType } from './wallet.policy';

export type WalletCommand =
  | { type: 'OpenAccount'; data: { tenantId: string; accountId: string; kind: 'personal' | 'team'; members: string[]; now: Date } }
  | {
      type: 'GrantCredits';
      data: {
        lotId: string; lotType: LotType; amount: Credits; expiresAt: Date | null; costBasis: CostBasis | null; source: LotSource; now: Date;
        /** A subscription grant names its plan: the account is on that plan from this grant on (member caps). */
        planId?: string;
      };
    }
  /**
   * A login, once per loginId: the daily lot of its window (`daily:<window>`, granted by the window's
   * first login; a new window's lot replaces an earlier one still held), and the login remembered.
   */
  | { type: 'RecordLogin'; data: { loginId: string; lotId: string; window: string; amount: Credits; expiresAt: Date; now: Date } }
  | {
      type: 'AuthorizeUsage';
      data: {
        usageId: string; userId: string | null; feature: string; options: Record<string, string | number>;
        credits: Credits; phases: { generate: Credits; accept: Credits } | null; priceVersion: string; now: Date;
      };
    }
  | { type: 'CompleteUsage'; data: { usageId: string; now: Date } }
  | { type: 'FailUsage'; data: { usageId: string; reason: 'platform_error' | 'cancelled'; now: Date } }
  | { type: 'AcceptUsage'; data: { usageId: string; now: Date } }
  | { type: 'RejectUsage'; data: { usageId: string; now: Date } }
  | { type: 'RestoreUsageCredits'; data: { restorationId: string; usageId: string; reason: string; now: Date } }
  /** An approved refund takes back `amount` unused credits of the purchase's lot, once per refundId. */
  | { type: 'ClawBackCredits'; data: { refundId: string; lotId: string; amount: Credits; now: Date } }
  /** At a billing-cycle end: unused subscription credits granted before `cycleEnd` are kept up to `cap`. */
  | { type: 'ExpireRollover'; data: { eventId: string; cap: Credits; cycleEnd: Date; now: Date } }
  | { type: 'ExpireDue'; data: { now: Date } }
  /** A team member's monthly spending limit (null: none), set as a setting: the same limit again changes nothing. */
  | { type: 'SetMemberSpendingLimit'; data: { userId: string; monthlyCredits: Credits | null; now: Date } }
  /**
   * The account's own automatic top-up: on or off, and its threshold and package (null: the tenant's).
   * Idempotent as a setting: the same settings again change nothing.
   */
  | { type: 'ConfigureAutoTopUp'; data: { enabled: boolean; threshold: Credits | null; packageId: string | null; now: Date } };

export type WalletCommandType = WalletCommand['type'];

// Wallet events: past-tense facts appended to one stream per account. Every field an `evolve` needs
// is on the event; nothing is read from the clock or recomputed on replay.
import { Credits } from '@creditflow/kernel';
import { AllowancePeriod, AllowanceShare, RateLimitUse } from './allowances';
import { LotType } from './wallet.policy';
import type { Usage } from './wallet.state';

export interface LotShare {
  lotId: string;
  amount: Credits;
}

export interface CostBasis {
  /** Money paid for the whole lot, in the currency's minor unit. */
  paidMinor: bigint;
  currency: string;
  promotional: boolean;
  /**
   * The package's list price when it was bought, in the minor unit (absent on lots granted before
   * purchases were checked against it). Paid below it = bought at a discounted rate (`isDiscounted`).
   */
  listPriceMinor?: bigint;
  /** The discount code the purchase named: why it was paid below the list price. */
  discountCode?: string;
  /** The custom contract the purchase named: why its price differs from the list price. */
  contractId?: string;
}

/** A purchase paid below its package's list price (for whatever stated reason: promotion, discount code, contract). */
export function isDiscounted(basis: CostBasis): boolean {
  return basis.listPriceMinor !== undefined && basis.paidMinor < basis.listPriceMinor;
}

/** A member's monthly spending limit refused a usage: the limit, what the member had spent in `month` (UTC, YYYY-MM). */
export interface MemberLimitDenial {
  limit: Credits;
  spent: Credits;
  month: string;
}

/** A rate limit refused a usage: the limit, its window, and when an authorization will be allowed again. */
export interface RateLimitDenial {
  limitId: string;
  uses: number;
  per: AllowancePeriod;
  retryAt: string;
}

export interface LotSource {
  kind: 'grant' | 'login' | 'trial' | 'purchase' | 'subscription' | 'rollover';
  id: string;
}

export type WalletEvent =
  | { type: 'AccountOpened'; data: { tenantId: string; accountId: string; kind: 'personal' | 'team'; members: string[]; openedAt: string } }
  | { type: 'MembersChanged'; data: { members: string[]; changedAt: string } }
  /** The account is on this plan from now on (recorded from a subscription grant that names another plan). */
  | { type: 'PlanAssigned'; data: { planId: string; subscriptionId: string; assignedAt: string } }
  | {
      type: 'CreditsGranted';
      data: {
        lotId: string; lotType: LotType; amount: Credits; grantedAt: string; expiresAt: string | null;
        costBasis: CostBasis | null; source: LotSource; fingerprint: string;
      };
    }
  | {
      type: 'HoldPlaced';
      data: {
        usageId: string; userId: string | null; feature: string; options: Record<string, string | number>;
        credits: Credits; phases: { generate: Credits; accept: Credits } | null; priceVersion: string;
        lots: LotShare[]; placedAt: string; expiresAt: string; fingerprint: string;
        /** What free allowances paid before the lots (the waterfall); absent when none did. `credits` = allowances + lots. */
        allowances?: AllowanceShare[];
        /** The rate limits that counted this authorization; absent when none did. */
        rateLimits?: RateLimitUse[];
      };
    }
  | {
      type: 'UsageDenied';
      data: {
        usageId: string; userId: string | null; feature: string; phase: 'generate' | 'accept'; required: Credits; available: Credits; deniedAt: string;
        fingerprint: string;
        /** Present when the member's monthly spending limit refused it (not the balance). */
        memberLimit?: MemberLimitDenial;
        /** Present when a rate limit refused it (neither the balance nor any allowance was looked at). */
        rateLimit?: RateLimitDenial;
      };
    }
  /** A usage that had left the hot state, brought back (its record, as its history holds it) for a command about it. */
  | { type: 'UsageRecalled'; data: { usage: Usage; recalledAt: string } }
  // `amount` is always the sum of the lot shares (what the balance gives or gets); `allowances`, present
  // only when allowances paid part of the usage, is what they paid (captured, given back, or charged).
  | { type: 'HoldCaptured'; data: { usageId: string; lots: LotShare[]; amount: Credits; capturedAt: string; allowances?: AllowanceShare[] } }
  | { type: 'HoldReleased'; data: { usageId: string; lots: LotShare[]; amount: Credits; releasedAt: string; reason: 'platform_error' | 'cancelled' | 'timeout'; allowances?: AllowanceShare[] } }
  | { type: 'AcceptCharged'; data: { usageId: string; lots: LotShare[]; amount: Credits; chargedAt: string; allowances?: AllowanceShare[] } }
  | { type: 'UsageRejected'; data: { usageId: string; rejectedAt: string } }
  | { type: 'UsageFailedAfterCompletion'; data: { usageId: string; reason: 'platform_error' | 'cancelled'; charged: Credits; failedAt: string } }
  | { type: 'CreditsRestored'; data: { restorationId: string; usageId: string; lots: LotShare[]; amount: Credits; restoredAt: string; reason: string; allowances?: AllowanceShare[] } }
  /** A refund took unused credits back from a lot; they leave the balance for good. */
  | { type: 'CreditsClawedBack'; data: { refundId: string; lotId: string; amount: Credits; clawedBackAt: string } }
  /** A refund's claw-back could not apply (the lot had fewer unused credits, or no such lot): nothing changed; the refund service voids the refund. */
  | { type: 'ClawBackRefused'; data: { refundId: string; lotId: string; requested: Credits; unused: Credits; refusedAt: string } }
  | { type: 'RolloverExpired'; data: { eventId: string; cap: Credits; cycleEnd: string; lots: LotShare[]; amount: Credits; expiredAt: string } }
  /** A lot's unused credits expired: at its expiry, or (daily lots) when a new day's lot replaced it (`replacedBy`). */
  | { type: 'LotExpired'; data: { lotId: string; amount: Credits; expiredAt: string; replacedBy?: string } }
  /** A login was recorded under its loginId; `lotId` is the daily lot of its window (granted by it or by an earlier login). */
  | { type: 'LoginRecorded'; data: { loginId: string; lotId: string; loggedInAt: string } }
  | { type: 'LowBalanceAlertRaised'; data: { available: Credits; threshold: Credits; raisedAt: string } }
  /** A lot's unused credits expire within the tenant's notice window (policy.expiringSoon): noticed once per lot. */
  | { type: 'CreditsExpiringSoon'; data: { lotId: string; lotType: LotType; amount: Credits; expiresAt: string; noticedAt: string } }
  | { type: 'AutoTopUpRequested'; data: { packageId: string; available: Credits; threshold: Credits; requestedAt: string } }
  /** A charge brought the account's run-out forecast under the tenant's `runOutAlertDays` (see forecastOf). */
  | { type: 'RunningOutAlertRaised'; data: { available: Credits; perDay: Credits; runsOutAt: string; withinDays: number; raisedAt: string } }
  /** A team member's monthly spending limit on the shared balance; null: none. */
  | { type: 'MemberSpendingLimitSet'; data: { userId: string; monthlyCredits: Credits | null; setAt: string } }
  /** The account set its own automatic top-up (threshold and package null: the tenant's). */
  | { type: 'AutoTopUpConfigured'; data: { enabled: boolean; threshold: Credits | null; packageId: string | null; configuredAt: string } };

export type WalletEventType = WalletEvent['type'];

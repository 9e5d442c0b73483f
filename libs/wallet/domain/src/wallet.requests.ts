// Rules that turn a caller's request into a wallet command before any account is read: what a reward
// grant, a login and a purchase grant, and who a usage id belongs to. Pure: the shell passes what the
// tenant's configuration says and the time, and runs the command these return.
import { Credits, DAY_MS, localDay, nextDay, parseMoney, startOfLocalDay } from '@creditflow/kernel';
import { WalletCommand } from './wallet.commands';
import { CurrencyMismatchError, IdempotencyConflictError, TransferRefusedError, UnknownPackageError, ZeroGrantError } from './wallet.errors';
import { DailyCredits, LotType } from './wallet.policy';

export type GrantCredits = Extract<WalletCommand, { type: 'GrantCredits' }>;

export interface RewardGrantRequest {
  grantId: string;
  lotType: LotType;
  amount: Credits;
  expiresAt: Date | null;
}

/** An admin's grant (a reward): lot `grant:<grantId>`; granting nothing is refused (WALLET.INVALID_AMOUNT). */
export function rewardGrant(request: RewardGrantRequest, now: Date): GrantCredits {
  if (request.amount === 0n) throw new ZeroGrantError();
  return {
    type: 'GrantCredits',
    data: {
      lotId: `grant:${request.grantId}`, lotType: request.lotType, amount: request.amount, expiresAt: request.expiresAt, costBasis: null,
      source: { kind: 'grant', id: request.grantId }, now,
    },
  };
}

/**
 * The daily free credits a login at `now` grants, or null where the tenant has none. One lot per
 * account and local day of the reset zone, `daily:<day>`, whichever login asks first (the wallet grants
 * a lot id once). It expires 24 h after the grant ('rolling-24h') or when that local day ends
 * ('reset'): the first instant of the next local day, the boundary the scheduler's daily reset emits.
 */
export function dailyLoginGrant(daily: DailyCredits | undefined, now: Date): GrantCredits | null {
  if (!daily) return null;
  const day = localDay(now, daily.resetTimeZone);
  const expiresAt = daily.expiry === 'rolling-24h' ? new Date(now.getTime() + DAY_MS) : startOfLocalDay(nextDay(day), daily.resetTimeZone);
  return {
    type: 'GrantCredits',
    data: { lotId: `daily:${day}`, lotType: 'daily', amount: daily.amount, expiresAt, costBasis: null, source: { kind: 'login', id: day }, now },
  };
}

/** What a tenant sells: its packages, priced in its one currency. */
export interface PurchaseTerms {
  tenantId: string;
  currency: string;
  packages: readonly { id: string; credits: Credits }[];
}

export interface PackagePurchase {
  purchaseId: string;
  packageId: string;
  /** Decimal money in `currency`, as the payment side reported it. */
  amountPaid: string;
  currency: string;
  promotional: boolean;
}

/**
 * A purchased package: a `topup` lot `purchase:<purchaseId>` of the package's credits that never
 * expires and carries the price paid (refunds are valued at it). The package must be one the tenant
 * sells (WALLET.UNKNOWN_PACKAGE, listing them) and the payment in its currency (WALLET.INVALID_CURRENCY);
 * then the amount must be valid money of that currency (MONEY.*).
 */
export function purchaseGrant(terms: PurchaseTerms, request: PackagePurchase, now: Date): GrantCredits {
  const pkg = terms.packages.find((p) => p.id === request.packageId);
  if (!pkg) throw new UnknownPackageError(request.packageId, terms.packages.map((p) => p.id));
  if (request.currency !== terms.currency) throw new CurrencyMismatchError(terms.tenantId, terms.currency, request.currency);
  const paid = parseMoney(request.amountPaid, request.currency);
  return {
    type: 'GrantCredits',
    data: {
      lotId: `purchase:${request.purchaseId}`, lotType: 'topup', amount: pkg.credits, expiresAt: null,
      costBasis: { paidMinor: paid.minor, currency: paid.currency, promotional: request.promotional },
      source: { kind: 'purchase', id: request.purchaseId }, now,
    },
  };
}

/**
 * A usage id names one usage of one account in the tenant (the later steps find the account by it):
 * authorizing it for another account than the one it is already known for is WALLET.ID_REUSED.
 * `knownFor` is the account that claimed it (usage-claim.ts), null if none.
 */
export function assertUsageIdOwner(usageId: string, accountId: string, knownFor: string | null): void {
  if (knownFor !== null && knownFor !== accountId) throw new IdempotencyConflictError(usageId);
}

/** Credits are not transferable between accounts (SPEC section 2): every transfer request is refused. */
export function refuseTransfer(): never {
  throw new TransferRefusedError();
}

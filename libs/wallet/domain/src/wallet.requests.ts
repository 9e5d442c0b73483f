// Rules that turn a caller's request into a wallet command before any account is read: what a reward
// grant, a login and a purchase grant, and who a usage id belongs to. Pure: the shell passes what the
// tenant's configuration says and the time, and runs the command these return.
import { Credits, DAY_MS, Money, formatMoney, localDay, nextDay, parseMoney, startOfLocalDay } from '@creditflow/kernel';
import { WalletCommand } from './wallet.commands';
import { CurrencyMismatchError, IdempotencyConflictError, PriceMismatchError, TransferRefusedError, UnknownPackageError, ZeroGrantError } from './wallet.errors';
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

export type RecordLogin = Extract<WalletCommand, { type: 'RecordLogin' }>;

/**
 * A login at `now` under `loginId`, or null where the tenant has no daily credits: the lot
 * `dailyLoginGrant` names, granted once per window and kept once per loginId by the decider.
 */
export function dailyLogin(daily: DailyCredits | undefined, loginId: string, now: Date): RecordLogin | null {
  const grant = dailyLoginGrant(daily, now);
  if (!grant) return null;
  const { lotId, amount, expiresAt, source } = grant.data;
  return { type: 'RecordLogin', data: { loginId, lotId, window: source.id, amount, expiresAt: expiresAt!, now } };
}

/** What a tenant sells: its packages, priced in its one currency. */
export interface PurchaseTerms {
  tenantId: string;
  currency: string;
  packages: readonly { id: string; credits: Credits; price: Money }[];
}

export interface PackagePurchase {
  purchaseId: string;
  packageId: string;
  /** Decimal money in `currency`, as the payment side reported it. */
  amountPaid: string;
  currency: string;
  /** Bought in a promotional activity (may be paid below the list price). */
  promotional: boolean;
  /** A discount code applied at checkout (may be paid below the list price). */
  discountCode?: string;
  /** A custom contract that sets the price (may be paid below or above the list price). */
  contractId?: string;
}

/**
 * A purchased package: a `topup` lot `purchase:<purchaseId>` of the package's credits that never
 * expires and carries the price paid, the list price and why they differ (refunds are valued at the
 * price paid, and a policy may refuse discounted purchases). The package must be one the tenant sells
 * (WALLET.UNKNOWN_PACKAGE, listing them) and the payment in its currency (WALLET.INVALID_CURRENCY);
 * then the amount must be valid money of that currency (MONEY.*) and match the price (`checkPricePaid`).
 */
export function purchaseGrant(terms: PurchaseTerms, request: PackagePurchase, now: Date): GrantCredits {
  const pkg = terms.packages.find((p) => p.id === request.packageId);
  if (!pkg) throw new UnknownPackageError(request.packageId, terms.packages.map((p) => p.id));
  if (request.currency !== terms.currency) throw new CurrencyMismatchError(terms.tenantId, terms.currency, request.currency);
  const paid = parseMoney(request.amountPaid, request.currency);
  checkPricePaid(pkg.id, pkg.price, paid, request);
  return {
    type: 'GrantCredits',
    data: {
      lotId: `purchase:${request.purchaseId}`, lotType: 'topup', amount: pkg.credits, expiresAt: null,
      costBasis: {
        paidMinor: paid.minor, currency: paid.currency, promotional: request.promotional, listPriceMinor: pkg.price.minor,
        ...(request.discountCode !== undefined ? { discountCode: request.discountCode } : {}),
        ...(request.contractId !== undefined ? { contractId: request.contractId } : {}),
      },
      source: { kind: 'purchase', id: request.purchaseId }, now,
    },
  };
}

/**
 * The price paid is the package's list price, unless the purchase says why not (WALLET.PRICE_MISMATCH
 * otherwise, naming both): below it for a promotion, a discount code or a custom contract; above it
 * only for a custom contract (a promotion or a discount never makes a package dearer). A purchase at
 * the list price may still name a code or contract; they are kept.
 */
export function checkPricePaid(packageId: string, listPrice: Money, paid: Money, request: Pick<PackagePurchase, 'promotional' | 'discountCode' | 'contractId'>): void {
  if (paid.minor === listPrice.minor) return;
  const contract = request.contractId !== undefined;
  const discount = request.promotional || request.discountCode !== undefined;
  if (paid.minor < listPrice.minor ? contract || discount : contract) return;
  const money = (m: Money) => `${m.currency} ${formatMoney(m)}`;
  const why =
    paid.minor > listPrice.minor && discount
      ? 'a promotion or discount code cannot make a package dearer; only a custom contract (contractId) can'
      : paid.minor > listPrice.minor
        ? 'a price above the list price needs the custom contract that sets it (contractId)'
        : 'a price below the list price needs its reason: promotional, a discountCode or a contractId';
  throw new PriceMismatchError(`package "${packageId}" costs ${money(listPrice)}, not ${money(paid)}: ${why}`, {
    packageId,
    listPrice: { amount: formatMoney(listPrice), currency: listPrice.currency },
    amountPaid: { amount: formatMoney(paid), currency: paid.currency },
  });
}

export type ConfigureAutoTopUp = Extract<WalletCommand, { type: 'ConfigureAutoTopUp' }>;

export interface AutoTopUpRequest {
  enabled: boolean;
  /** Absent: the tenant's threshold. */
  threshold?: Credits;
  /** Absent: the tenant's package. */
  packageId?: string;
}

/**
 * An account's own automatic top-up settings. The package must be one the tenant sells
 * (WALLET.UNKNOWN_PACKAGE); the rest (a threshold above 0, something to top up with) is the decider's.
 */
export function autoTopUpSettings(packages: readonly { id: string }[], request: AutoTopUpRequest, now: Date): ConfigureAutoTopUp {
  if (request.packageId !== undefined && !packages.some((p) => p.id === request.packageId)) {
    throw new UnknownPackageError(request.packageId, packages.map((p) => p.id));
  }
  return { type: 'ConfigureAutoTopUp', data: { enabled: request.enabled, threshold: request.threshold ?? null, packageId: request.packageId ?? null, now } };
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

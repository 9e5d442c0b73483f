// Which lots pay for a charge: the tenant's type priority, then soonest expiry (never-expiring
// last), then oldest grant, then lot id so the order is total and replays identically.
import { Credits } from '@creditflow/kernel';
import { LotShare } from './wallet.events';
import { LotType } from './wallet.policy';
import { Lot } from './wallet.state';

export function consumptionOrder(lots: Iterable<Lot>, priority: readonly LotType[]): Lot[] {
  const rank = (t: LotType) => {
    const i = priority.indexOf(t);
    return i < 0 ? priority.length : i;
  };
  return [...lots]
    .filter((l) => !l.expired && l.remaining > 0n)
    .sort(
      (a, b) =>
        rank(a.type) - rank(b.type) ||
        compareExpiry(a.expiresAt, b.expiresAt) ||
        a.grantedAt.localeCompare(b.grantedAt) ||
        a.lotId.localeCompare(b.lotId),
    );
}

/** Shares of `amount` drawn from the lots in consumption order, or null if they do not cover it. */
export function allocate(lots: Iterable<Lot>, priority: readonly LotType[], amount: Credits): LotShare[] | null {
  if (amount === 0n) return [];
  const shares: LotShare[] = [];
  let missing: bigint = amount;
  for (const lot of consumptionOrder(lots, priority)) {
    const take = lot.remaining < missing ? lot.remaining : (missing as Credits);
    shares.push({ lotId: lot.lotId, amount: take });
    missing -= take;
    if (missing === 0n) return shares;
  }
  return null;
}

function compareExpiry(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

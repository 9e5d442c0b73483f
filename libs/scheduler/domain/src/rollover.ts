// Wallet-side helper for `rollover-expiry`: how much of each subscription lot expires so that at most
// `cap` subscription credits remain. The wallet passes the unexpired subscription lots granted before
// the event's `at` (so the grant of the next cycle is never cut), with their remaining (unheld) credits.
//
// Which credits expire: the OLDEST lots first (then lot id, for a total order). Only the kept total
// matters to the customer; the oldest credits are the ones consumption would have drawn first, and
// keeping the newest keeps the credits with the latest provenance. Cap 0 expires everything (refresh).
import { Credits, DomainError } from '@creditflow/kernel';

export interface SubscriptionLotBalance {
  lotId: string;
  remaining: Credits;
  /** ISO string (as on wallet lots) or Date. */
  grantedAt: string | Date;
}

export interface LotExpiry {
  lotId: string;
  amount: Credits;
}

export function rolloverExpiry(subscriptionLots: readonly SubscriptionLotBalance[], cap: Credits): LotExpiry[] {
  if (cap < 0n) throw new DomainError('SCHEDULER.INVALID_ROLLOVER_CAP', 'a rollover cap cannot be negative');
  const lots = subscriptionLots.filter((l) => l.remaining > 0n);
  let excess = lots.reduce((sum, l) => sum + l.remaining, 0n) - cap;
  if (excess <= 0n) return [];
  const oldestFirst = [...lots].sort((a, b) => timeOf(a.grantedAt) - timeOf(b.grantedAt) || a.lotId.localeCompare(b.lotId));
  const expiries: LotExpiry[] = [];
  for (const lot of oldestFirst) {
    if (excess === 0n) break;
    const amount = lot.remaining < excess ? lot.remaining : excess;
    expiries.push({ lotId: lot.lotId, amount: amount as Credits });
    excess -= amount;
  }
  return expiries;
}

function timeOf(t: string | Date): number {
  return typeof t === 'string' ? Date.parse(t) : t.getTime();
}

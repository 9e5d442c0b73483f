// The burn rate and when the credits run out at it ("runs out in about N days"), from the spending the
// state keeps by day. Pure.
import { Credits, ZERO } from '@creditflow/kernel';
import { SPENDING_DAYS, WalletState, availableOf } from './wallet.state';

export interface Forecast {
  /** The first day (UTC) of the span the rate is measured over: the window's, or the account's opening day when later. */
  since: string;
  spent: Credits;
  /** Credits per day over that span (rounded down to the credit unit). */
  perDay: Credits;
  /** Days until available credits run out at that rate, rounded down to a tenth; null when nothing is spent. */
  runsOutInDays: number | null;
  runsOutAt: string | null;
}

const DAY_MS = 86_400_000;
/** The window of the run-out alert (and the balance answer's forecast). */
export const FORECAST_WINDOW_DAYS = 7;

/**
 * The burn rate over the last `windowDays` UTC days, today included (or since the account was opened,
 * if later; at least a day), from the spending the state keeps by day (captures and accept charges,
 * less restorations), and when the available credits run out at that rate. Grants to come are not
 * counted: it answers "at this pace, with what I have".
 */
export function forecastOf(state: WalletState, now: Date, windowDays: number): Forecast {
  const today = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
  const windowStart = today - (Math.min(windowDays, SPENDING_DAYS) - 1) * DAY_MS;
  const opened = state.openedAt ? Date.parse(`${state.openedAt.slice(0, 10)}T00:00:00Z`) : windowStart;
  const start = Math.max(windowStart, opened);
  const since = new Date(start).toISOString().slice(0, 10);
  let spent = 0n;
  for (const [day, amount] of state.spendingByDay) if (day >= since) spent += amount;
  if (spent <= 0n) return { since, spent: ZERO, perDay: ZERO, runsOutInDays: null, runsOutAt: null };
  // The span runs from the first day's start to now: a young day counts for what has passed of it.
  const spanMs = BigInt(Math.max(now.getTime() - start, DAY_MS));
  const day = BigInt(DAY_MS);
  const available = availableOf(state);
  // available / (spent / span), exactly in integers: tenths of a day, and milliseconds.
  const tenths = (available * spanMs * 10n) / (spent * day);
  const runsOutAt = new Date(now.getTime() + Number((available * spanMs) / spent));
  return { since, spent: spent as Credits, perDay: ((spent * day) / spanMs) as Credits, runsOutInDays: Number(tenths) / 10, runsOutAt: runsOutAt.toISOString() };
}

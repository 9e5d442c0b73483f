// Billing cycles are monthly and anchored on the subscription start. Cycle n starts n calendar months
// after the anchor, at the anchor's UTC time of day, on the anchor's day of month clamped to the last
// day of the target month. Every cycle is computed from the anchor, never from the previous cycle, so
// a Jan 31 anchor gives Feb 28 (29 in leap years), Mar 31, Apr 30, ... and never drifts to the 28th.
import { DomainError } from '@creditflow/kernel';

export class InvalidCycleError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('SCHEDULER.INVALID_CYCLE', message, details);
  }
}

/** Start of billing cycle `n` (n >= 0) of a subscription anchored at `anchor`. Cycle 0 starts at the anchor. */
export function cycleStart(anchor: Date, n: number): Date {
  const anchorMs = anchor.getTime();
  if (Number.isNaN(anchorMs)) throw new InvalidCycleError('the cycle anchor is not a valid date');
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidCycleError(`cycle index ${n} is not a non-negative integer`, { n });
  const months = anchor.getUTCMonth() + n;
  const year = anchor.getUTCFullYear() + Math.floor(months / 12);
  const month = months % 12;
  const day = Math.min(anchor.getUTCDate(), daysInMonth(year, month));
  const start = new Date(anchorMs);
  // Set year, month and day together so no intermediate date overflows into the next month.
  start.setUTCFullYear(year, month, day);
  return start;
}

/**
 * Index of the cycle that contains `at`: the largest n with cycleStart(anchor, n) <= at, or -1 when `at`
 * is before the anchor.
 */
export function cycleIndexAt(anchor: Date, at: Date): number {
  if (at.getTime() < anchor.getTime()) return -1;
  const months = (at.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + (at.getUTCMonth() - anchor.getUTCMonth());
  let n = Math.max(0, months);
  while (n > 0 && cycleStart(anchor, n).getTime() > at.getTime()) n -= 1;
  while (cycleStart(anchor, n + 1).getTime() <= at.getTime()) n += 1;
  return n;
}

function daysInMonth(year: number, month: number): number {
  const probe = new Date(0);
  probe.setUTCFullYear(year, month + 1, 0);
  return probe.getUTCDate();
}

// When a failed delivery is tried again: the first retry after `firstDelayMs`
// (CREDITFLOW_WEBHOOK_RETRY_MS, default 5 s), each next one twice as late, never more than an hour
// apart; after MAX_ATTEMPTS failed attempts in a row the delivery gives up (a replay starts it again).
export const MAX_ATTEMPTS = 12;
export const MAX_RETRY_DELAY_MS = 3_600_000;

/** The delay before the next attempt after `failures` failed attempts in a row (1 = the first failed); null: give up. */
export function retryDelayMs(failures: number, firstDelayMs: number): number | null {
  if (failures >= MAX_ATTEMPTS) return null;
  return Math.min(firstDelayMs * 2 ** (failures - 1), MAX_RETRY_DELAY_MS);
}

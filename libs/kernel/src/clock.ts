// Time arrives on commands; the edges obtain it from a Clock (ids come from the caller's request or message).
export interface Clock {
  now(): Date;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

// Time and ids arrive on commands; the edges obtain them from these ports.
export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  next(): string;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

// The platform's one clock: the system clock, or (CREDITFLOW_CLOCK=manual) a clock set by admins.
import { Clock } from '@creditflow/kernel';

export const CLOCK = Symbol('CLOCK');

export class SystemClock implements Clock {
  readonly manual = false;
  now(): Date {
    return new Date();
  }
}

export class ManualClock implements Clock {
  readonly manual = true;
  constructor(private current: Date = new Date()) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(to: Date): void {
    this.current = new Date(to.getTime());
  }
}

export function clockFromEnv(value = process.env.CREDITFLOW_CLOCK): SystemClock | ManualClock {
  if (value === undefined || value === '' || value === 'system') return new SystemClock();
  if (value === 'manual') return new ManualClock();
  throw new Error(`CREDITFLOW_CLOCK must be "system" or "manual", not "${value}"`);
}

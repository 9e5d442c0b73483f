// The platform's one clock: the system clock, or (CREDITFLOW_CLOCK=manual) a clock set by admins.
// A manual clock is recorded in the event store (stream `clock-platform`, one ClockSet event per
// change: who set it and from what), so it survives a restart and every change stays auditable. Once
// set it only moves forward: time going back would let a complete refused at T+2h pass at T+5m.
import { randomUUID } from 'node:crypto';
import { Clock, DomainError } from '@creditflow/kernel';
import type { EventStore } from '@creditflow/event-store';
import { commandMetadata } from './observability/observed-context';

export const CLOCK = Symbol('CLOCK');

/** The stream that records a manual clock's changes. */
export const CLOCK_STREAM = 'clock-platform';

export class SystemClock implements Clock {
  readonly manual = false;
  now(): Date {
    return new Date();
  }
}

export class ClockBackwardsError extends DomainError {
  constructor(current: Date, requested: Date) {
    super('CLOCK.MOVES_BACKWARDS', `the clock is at ${current.toISOString()} and never goes back (asked for ${requested.toISOString()})`, {
      now: current.toISOString(), requested: requested.toISOString(),
    });
  }
}

export class ManualClock implements Clock {
  readonly manual = true;
  /** Until an admin sets it, the clock shows the system time when the process started; the first setting may be any time. */
  private wasSet = false;

  constructor(private current: Date = new Date()) {}

  now(): Date {
    return new Date(this.current.getTime());
  }

  /** Moves the clock to `to`; refused when that is earlier than the time it was last set to. */
  set(to: Date): void {
    if (this.wasSet && to.getTime() < this.current.getTime()) throw new ClockBackwardsError(this.current, to);
    this.current = new Date(to.getTime());
    this.wasSet = true;
  }

  /** Sets the clock and records the change in the store; the time it was set to before a restart is restored by restore(). */
  async setAndRecord(to: Date, store: EventStore, by: string): Promise<void> {
    const previous = this.wasSet ? this.current.toISOString() : null;
    this.set(to);
    const metadata = commandMetadata();
    await store.appendToStream(CLOCK_STREAM, [{ id: randomUUID(), type: 'ClockSet', data: { now: to.toISOString(), previous, by }, metadata }], { expectedRevision: 'any' });
  }

  /** The time the clock was last set to, as the store recorded it. */
  async restore(store: EventStore): Promise<void> {
    const [last] = await store.readStream(CLOCK_STREAM, { direction: 'backwards', maxCount: 1 });
    if (last) this.set(new Date((last.data as { now: string }).now));
  }
}

/** One change of the manual clock as recorded: to what, from what, by whom (and the key's principal), when. */
export interface ClockChange {
  now: string;
  previous: string | null;
  by: string;
  recordedAt: string;
  principal?: Record<string, unknown>;
}

/** Every recorded change of the manual clock, oldest first. */
export async function clockChanges(store: EventStore): Promise<ClockChange[]> {
  return (await store.readStream(CLOCK_STREAM)).map((r) => {
    const { now, previous, by } = r.data as { now: string; previous: string | null; by: string };
    const principal = r.metadata.principal as Record<string, unknown> | undefined;
    return { now, previous, by, recordedAt: r.recordedAt.toISOString(), ...(principal ? { principal } : {}) };
  });
}

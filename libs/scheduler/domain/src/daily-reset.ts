// The daily reset of one tenant whose daily credits expire at the reset boundary
// (`walletPolicy.daily.expiry === 'reset'`): local midnight in the tenant's `resetTimeZone`. One
// stream per tenant (`dailyreset-<tenant>`, named by the shell) remembers the last boundary emitted.
//
// A tick at `now` emits `DailyResetDue` for every boundary after the last one emitted, up to and
// including `now`, oldest first; the very first tick of a tenant emits the boundary that started its
// current local day (there is nothing earlier to catch up). The event's id is
// `daily-reset:<tenant>:<day>`, `day` being the local day that starts at the boundary, so a repeated
// tick emits nothing and downtime is caught up once, in order, with the same events a tick per day
// would have emitted. Each event also names the boundary after it (`nextAt`), so a tick before that
// decides without any time-zone arithmetic, and the state depends on the last event alone.
import { assertNever, localDay, nextDay, startOfLocalDay, type Decider } from '@creditflow/kernel';
import { InvalidTimeError } from './subscription.errors';

/** At most this many boundaries per decision; a longer outage is caught up by the following ticks. */
export const MAX_DAILY_RESETS_PER_TICK = 3660;

export type DailyResetEvent = {
  type: 'DailyResetDue';
  data: {
    /** `daily-reset:<tenant>:<day>` */
    eventId: string;
    tenantId: string;
    /** The local day ("YYYY-MM-DD") that starts at `at`; the previous day's daily credits expire at `at`. */
    day: string;
    /** The boundary: local midnight starting `day`, as an ISO UTC instant. */
    at: string;
    timeZone: string;
    /** The boundary after this one, in the same zone. */
    nextAt: string;
  };
};

export type DailyResetCommand = { type: 'TickDailyReset'; data: { tenantId: string; timeZone: string; now: Date } };

export interface DailyResetState {
  tenantId: string;
  /** The last boundary emitted; null before the first tick. */
  lastDay: string | null;
  lastAt: string | null;
  /** The boundary after the last one, and the zone it was computed in; null before the first tick. */
  nextAt: string | null;
  timeZone: string | null;
}

export const initialDailyResetState: DailyResetState = { tenantId: '', lastDay: null, lastAt: null, nextAt: null, timeZone: null };

export function dailyResetId(tenantId: string, day: string): string {
  return `daily-reset:${tenantId}:${day}`;
}

export function evolveDailyReset(state: DailyResetState, event: DailyResetEvent): DailyResetState {
  switch (event.type) {
    case 'DailyResetDue':
      return { tenantId: event.data.tenantId, lastDay: event.data.day, lastAt: event.data.at, nextAt: event.data.nextAt, timeZone: event.data.timeZone };
    default:
      return assertNever(event.type);
  }
}

export function foldDailyReset(events: Iterable<DailyResetEvent>, from: DailyResetState = initialDailyResetState): DailyResetState {
  let state = from;
  for (const e of events) state = evolveDailyReset(state, e);
  return state;
}

export function decideDailyReset(command: DailyResetCommand, state: DailyResetState): DailyResetEvent[] {
  switch (command.type) {
    case 'TickDailyReset':
      return dueResets(command.data, state);
    default:
      return assertNever(command.type);
  }
}

function dueResets({ tenantId, timeZone, now }: DailyResetCommand['data'], state: DailyResetState): DailyResetEvent[] {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new InvalidTimeError();
  if (state.nextAt !== null && state.timeZone === timeZone && now.getTime() < Date.parse(state.nextAt)) return [];
  const events: DailyResetEvent[] = [];
  let day = state.lastDay === null ? localDay(now, timeZone) : nextDay(state.lastDay);
  const lastAt = state.lastAt === null ? null : Date.parse(state.lastAt);
  let at = startOfLocalDay(day, timeZone);
  while (events.length < MAX_DAILY_RESETS_PER_TICK && at.getTime() <= now.getTime()) {
    const next = startOfLocalDay(nextDay(day), timeZone);
    // A time zone changed in the tenant file can put a boundary at or before the last one: skip it.
    if (lastAt === null || at.getTime() > lastAt) {
      events.push({ type: 'DailyResetDue', data: { eventId: dailyResetId(tenantId, day), tenantId, day, at: at.toISOString(), timeZone, nextAt: next.toISOString() } });
    }
    day = nextDay(day);
    at = next;
  }
  return events;
}

/** One tenant's daily resets, `dailyreset-<tenant>`, in the one decider shape. */
export const dailyResetDecider: Decider<DailyResetCommand, DailyResetEvent, DailyResetState> = {
  decide: decideDailyReset,
  evolve: evolveDailyReset,
  initialState: initialDailyResetState,
};

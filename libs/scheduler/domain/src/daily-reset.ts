// The daily reset of one tenant whose daily credits expire at the reset boundary
// (`walletPolicy.daily.expiry === 'reset'`): local midnight in the tenant's `resetTimeZone`. One
// stream per tenant (`dailyreset-<tenant>`, named by the shell) remembers the last boundary emitted.
//
// A tick at `now` emits `DailyResetDue` for every boundary after the last one emitted, up to and
// including `now`, oldest first; the very first tick of a tenant emits the boundary that started its
// current local day (there is nothing earlier to catch up). The event's id is
// `daily-reset:<tenant>:<day>`, `day` being the local day that starts at the boundary, so a repeated
// tick emits nothing and downtime is caught up once, in order, with the same events a tick per day
// would have emitted.
import { InvalidTimeError } from './subscription.errors';
import { assertNever } from './subscription.state';
import { lastLocalMidnight, localDay, nextDay, startOfLocalDay } from './local-day';

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
  };
};

export type DailyResetCommand = { type: 'TickDailyReset'; data: { tenantId: string; timeZone: string; now: Date } };

export interface DailyResetState {
  tenantId: string;
  /** The last boundary emitted; null before the first tick. */
  lastDay: string | null;
  lastAt: string | null;
}

export const initialDailyResetState: DailyResetState = { tenantId: '', lastDay: null, lastAt: null };

export function dailyResetId(tenantId: string, day: string): string {
  return `daily-reset:${tenantId}:${day}`;
}

export function evolveDailyReset(state: DailyResetState, event: DailyResetEvent): DailyResetState {
  switch (event.type) {
    case 'DailyResetDue':
      return { tenantId: event.data.tenantId, lastDay: event.data.day, lastAt: event.data.at };
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

/** The local midnight after the last one emitted (or the current day's, before the first), in `timeZone`. */
export function nextDailyReset(state: DailyResetState, timeZone: string, now: Date): Date {
  if (state.lastDay === null) return lastLocalMidnight(now, timeZone);
  return startOfLocalDay(nextDay(state.lastDay), timeZone);
}

function dueResets({ tenantId, timeZone, now }: DailyResetCommand['data'], state: DailyResetState): DailyResetEvent[] {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new InvalidTimeError();
  const events: DailyResetEvent[] = [];
  let day = state.lastDay === null ? localDay(now, timeZone) : nextDay(state.lastDay);
  const lastAt = state.lastAt === null ? null : Date.parse(state.lastAt);
  while (events.length < MAX_DAILY_RESETS_PER_TICK) {
    const at = startOfLocalDay(day, timeZone);
    if (at.getTime() > now.getTime()) break;
    // A time zone changed in the tenant file can put a boundary at or before the last one: skip it.
    if (lastAt === null || at.getTime() > lastAt) {
      events.push({ type: 'DailyResetDue', data: { eventId: dailyResetId(tenantId, day), tenantId, day, at: at.toISOString(), timeZone } });
    }
    day = nextDay(day);
  }
  return events;
}

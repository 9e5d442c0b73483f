// Calendar days in a tenant's IANA time zone: the wallet's daily login window and its expiry at the
// next local midnight, and the scheduler's daily reset boundaries, are all computed here, so they
// agree on every day. Uses ECMA-402 `Intl` (part of the language, no I/O): the zone rules come with
// the runtime, so results are the same on every replay by the same runtime.
//
// A day starts at the first instant whose local date is that day. So a local midnight that does not
// exist (a DST jump at 00:00: Asia/Amman, America/Asuncion in spring) is the day's first instant
// (01:00); a midnight that happens twice (a fall-back from 01:00 to 00:00: Asia/Amman in autumn) is the
// earlier one; and where clocks fall back from 00:00 to 23:00 (America/Santiago in April) the day
// starts when the repeated hour of the day before is over.
import { DomainError } from './errors';

export class InvalidTimeZoneError extends DomainError {
  constructor(timeZone: string) {
    super('TIME_ZONE.INVALID', `"${timeZone}" is not an IANA time zone`, { timeZone });
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const MINUTE = 60_000;

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-CA', {
        timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
      });
    } catch {
      throw new InvalidTimeZoneError(timeZone);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

interface LocalParts {
  y: number;
  m: number;
  d: number;
  h: number;
  min: number;
  s: number;
}

function partsIn(ms: number, timeZone: string): LocalParts {
  const p = Object.fromEntries(formatter(timeZone).formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return { y: +p.year, m: +p.month, d: +p.day, h: +p.hour, min: +p.minute, s: +p.second };
}

/** Local wall-clock time minus UTC at `ms`, in ms (seconds precision). */
function offsetAt(ms: number, timeZone: string): number {
  const p = partsIn(ms, timeZone);
  return Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s) - Math.floor(ms / 1000) * 1000;
}

/** "2030-04-02": the calendar day containing `at` in the zone. */
export function localDay(at: Date, timeZone: string): string {
  const { y, m, d } = partsIn(at.getTime(), timeZone);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

const dayStarts = new Map<string, number>();

/** The first instant of local day `day` ("YYYY-MM-DD") in the zone. */
export function startOfLocalDay(day: string, timeZone: string): Date {
  const key = `${timeZone} ${day}`;
  let start = dayStarts.get(key);
  if (start === undefined) {
    // A pure function of its arguments: remembered (Intl formatting is slow), within a bound.
    if (dayStarts.size >= 10_000) dayStarts.clear();
    start = computeStartOfLocalDay(day, timeZone);
    dayStarts.set(key, start);
  }
  return new Date(start);
}

function computeStartOfLocalDay(day: string, timeZone: string): number {
  const [y, m, d] = day.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d);
  // Two passes: the offset at the guess can differ from the offset at local midnight across a DST change.
  let t = wall - offsetAt(wall, timeZone);
  t = wall - offsetAt(t, timeZone);
  // Midnight skipped by a DST jump: t lands on the previous day's last hour; step to the day's first minute.
  for (let i = 0; i < 24 * 60 && localDay(new Date(t), timeZone) < day; i++) t += MINUTE;
  // Midnight repeated by a DST fall-back at 00:00: take the earlier one.
  for (let i = 0; i < 24 * 60 && localDay(new Date(t - MINUTE), timeZone) === day; i++) t -= MINUTE;
  return t;
}

/** The local day after `day`. */
export function nextDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return next.toISOString().slice(0, 10);
}

/** The latest local midnight at or before `at` (the start of the local day containing it). */
export function lastLocalMidnight(at: Date, timeZone: string): Date {
  return startOfLocalDay(localDay(at, timeZone), timeZone);
}

// The login day window and the daily reset boundary in a tenant's time zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(date: Date, timeZone: string) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(date).map((x) => [x.type, x.value]));
  return { y: +p.year, m: +p.month, d: +p.day, h: +p.hour, min: +p.minute, s: +p.second };
}

/** "2026-11-21": the calendar day of `now` in the zone, naming the daily window. */
export function dayKey(now: Date, timeZone: string): string {
  const { y, m, d } = partsIn(now, timeZone);
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The next local midnight after `now` in the zone, as an instant. */
export function nextMidnight(now: Date, timeZone: string): Date {
  const { y, m, d } = partsIn(now, timeZone);
  const guess = Date.UTC(y, m - 1, d + 1);
  const local = partsIn(new Date(guess), timeZone);
  const offset = Date.UTC(local.y, local.m - 1, local.d, local.h, local.min, local.s) - guess;
  return new Date(guess - offset);
}

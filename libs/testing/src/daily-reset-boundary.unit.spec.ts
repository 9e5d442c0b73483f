// The wallet and the scheduler agree on when a day ends. A daily lot of a reset-zone tenant expires at
// the next local midnight (the wallet's login rule); the scheduler's daily reset records the expiry at
// the boundary it computes for that midnight. Both must be the same instant on every day, also on
// the days a zone changes its offset at midnight.
import { DailyResetEvent, decideDailyReset, foldDailyReset, initialDailyResetState } from '@creditflow/scheduler-domain';
import { dailyLoginGrant } from '@creditflow/wallet-domain';
import { wholeCredits } from '@creditflow/kernel';

const HOUR = 3_600_000;

/** Every daily reset the scheduler emits for the zone between `from` and `to`, ticking every hour. */
function resets(timeZone: string, from: string, to: string): DailyResetEvent[] {
  let state = initialDailyResetState;
  const events: DailyResetEvent[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += HOUR) {
    const decided = decideDailyReset({ type: 'TickDailyReset', data: { tenantId: 'acme', timeZone, now: new Date(t) } }, state);
    events.push(...decided);
    state = foldDailyReset(decided, state);
  }
  return events;
}

describe('the end of a daily lot and the daily reset', () => {
  it.each([
    ['America/Santiago', 'clocks fall back from 00:00 to 23:00 (2022-04-03) and jump from 00:00 to 01:00 (2022-09-11)', '2022-03-30T00:00:00Z', '2022-09-14T00:00:00Z'],
    ['Asia/Amman', 'midnight is skipped (2021-02-26) and happens twice (2021-10-29)', '2021-02-20T00:00:00Z', '2021-11-02T00:00:00Z'],
    ['America/New_York', 'clocks change at 02:00', '2030-03-05T00:00:00Z', '2030-11-06T00:00:00Z'],
  ])('in %s, where %s, a lot expires exactly at the reset of the day after its login', (timeZone, _where, from, to) => {
    const byDay = new Map(resets(timeZone, from, to).map((e) => [e.data.day, e.data.at]));
    const daily = { amount: wholeCredits(3), expiry: 'reset' as const, resetTimeZone: timeZone };
    let checked = 0;
    // A login every 5 hours (every hour of the local day over a few days), the last a day before `to`.
    for (let t = Date.parse(from) + 24 * HOUR; t < Date.parse(to) - 24 * HOUR; t += 5 * HOUR) {
      const grant = dailyLoginGrant(daily, new Date(t))!;
      const day = grant.data.source.id;
      const nextReset = [...byDay.entries()].find(([d]) => d > day);
      expect({ day, expiresAt: grant.data.expiresAt?.toISOString() }).toEqual({ day, expiresAt: nextReset?.[1] });
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });
});

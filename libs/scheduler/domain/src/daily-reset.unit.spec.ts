import { deciderSpecification, runAll } from '@creditflow/kernel/testing';
import { DailyResetCommand, DailyResetEvent, DailyResetState, dailyResetDecider } from './daily-reset';

const { given } = deciderSpecification(dailyResetDecider);

const HOUR = 3_600_000;
const tick = (now: string | Date, timeZone = 'Asia/Shanghai'): DailyResetCommand => ({
  type: 'TickDailyReset',
  data: { tenantId: 'visualgpt', timeZone, now: typeof now === 'string' ? new Date(now) : now },
});

const run = (commands: DailyResetCommand[], from?: DailyResetState) => runAll(dailyResetDecider, commands, from);

const days = (events: DailyResetEvent[]) => events.map((e) => `${e.data.eventId} ${e.data.at}`);

describe('daily reset', () => {
  it('emits the boundary that started the current local day on the first tick, with a deterministic id', () => {
    given([]).when(tick('2030-04-01T17:30:00Z')).then([ // 01:30 on Apr 2 in Shanghai
      {
        type: 'DailyResetDue',
        data: {
          eventId: 'daily-reset:visualgpt:2030-04-02', tenantId: 'visualgpt', day: '2030-04-02', at: '2030-04-01T16:00:00.000Z', timeZone: 'Asia/Shanghai',
          nextAt: '2030-04-02T16:00:00.000Z',
        },
      },
    ]);
  });

  it('emits nothing more for a repeated tick or a tick before the next local midnight', () => {
    const { events: first } = run([tick('2030-04-01T17:30:00Z')]);
    given(first).when(tick('2030-04-01T17:30:00Z')).thenNothingHappens();
    given(first).when(tick('2030-04-02T15:59:59.999Z')).thenNothingHappens();
  });

  it('emits the next boundary exactly at local midnight', () => {
    const { events: first } = run([tick('2030-04-01T17:30:00Z')]);
    given(first).when(tick('2030-04-02T16:00:00Z')).thenState((_after, events) => {
      expect(days(events)).toEqual(['daily-reset:visualgpt:2030-04-03 2030-04-02T16:00:00.000Z']);
    });
  });

  it('catches up every missed boundary once, in order, after downtime', () => {
    const first = run([tick('2030-04-01T17:30:00Z')]);
    const { events } = run([tick('2030-04-05T20:00:00Z')], first.state);
    expect(days(events)).toEqual([
      'daily-reset:visualgpt:2030-04-03 2030-04-02T16:00:00.000Z',
      'daily-reset:visualgpt:2030-04-04 2030-04-03T16:00:00.000Z',
      'daily-reset:visualgpt:2030-04-05 2030-04-04T16:00:00.000Z',
      'daily-reset:visualgpt:2030-04-06 2030-04-05T16:00:00.000Z',
    ]);
  });

  it('emits the same events for one tick after 90 days as for a tick every hour', () => {
    const start = Date.parse('2030-01-01T03:00:00Z');
    const hourly = run(Array.from({ length: 90 * 24 + 1 }, (_, h) => tick(new Date(start + h * HOUR), 'America/New_York')));
    const once = run([tick(new Date(start), 'America/New_York'), tick(new Date(start + 90 * 24 * HOUR), 'America/New_York')]);
    expect(once.events).toEqual(hourly.events);
    expect(once.events).toHaveLength(91);
    // The DST change on 2030-03-10 moves the boundary from 05:00Z to 04:00Z.
    expect(days(once.events).filter((d) => /2030-03-(09|10|11) /.test(d))).toEqual([
      'daily-reset:visualgpt:2030-03-09 2030-03-09T05:00:00.000Z',
      'daily-reset:visualgpt:2030-03-10 2030-03-10T05:00:00.000Z',
      'daily-reset:visualgpt:2030-03-11 2030-03-11T04:00:00.000Z',
    ]);
  });

  it('never emits a boundary at or before the last one when the tenant moves to a zone behind UTC', () => {
    const first = run([tick('2030-04-02T01:00:00Z', 'UTC')]); // boundary 2030-04-02T00:00Z
    const { events } = run([tick('2030-04-03T12:00:00Z', 'Pacific/Kiritimati')], first.state); // UTC+14
    expect(events.every((e) => e.data.at > '2030-04-02T00:00:00.000Z')).toBe(true);
    expect(days(events)).toEqual(['daily-reset:visualgpt:2030-04-03 2030-04-02T10:00:00.000Z', 'daily-reset:visualgpt:2030-04-04 2030-04-03T10:00:00.000Z']);
  });

  it('refuses a tick without a valid time', () => {
    given([]).when(tick(new Date('nope'))).thenThrows('SCHEDULER.INVALID_TIME');
  });
});

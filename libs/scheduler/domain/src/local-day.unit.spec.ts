import { lastLocalMidnight, localDay, nextDay, startOfLocalDay } from './local-day';

describe('local days in a time zone', () => {
  it('names the calendar day containing an instant in the zone', () => {
    const at = new Date('2030-04-01T17:30:00Z');
    expect(localDay(at, 'UTC')).toBe('2030-04-01');
    expect(localDay(at, 'Asia/Shanghai')).toBe('2030-04-02'); // 01:30 local
    expect(localDay(at, 'America/Los_Angeles')).toBe('2030-04-01'); // 10:30 local
  });

  it('starts a local day at local midnight, as a UTC instant', () => {
    expect(startOfLocalDay('2030-04-02', 'UTC').toISOString()).toBe('2030-04-02T00:00:00.000Z');
    expect(startOfLocalDay('2030-04-02', 'Asia/Shanghai').toISOString()).toBe('2030-04-01T16:00:00.000Z');
    expect(startOfLocalDay('2030-04-02', 'America/New_York').toISOString()).toBe('2030-04-02T04:00:00.000Z');
  });

  it('finds midnight on the days a zone changes its offset', () => {
    // New York: 2030-03-10 springs forward at 02:00 (EST -> EDT), 2030-11-03 falls back at 02:00.
    expect(startOfLocalDay('2030-03-10', 'America/New_York').toISOString()).toBe('2030-03-10T05:00:00.000Z');
    expect(startOfLocalDay('2030-03-11', 'America/New_York').toISOString()).toBe('2030-03-11T04:00:00.000Z');
    expect(startOfLocalDay('2030-11-03', 'America/New_York').toISOString()).toBe('2030-11-03T04:00:00.000Z');
    expect(startOfLocalDay('2030-11-04', 'America/New_York').toISOString()).toBe('2030-11-04T05:00:00.000Z');
    // Lord Howe shifts by 30 minutes.
    expect(localDay(startOfLocalDay('2030-04-07', 'Australia/Lord_Howe'), 'Australia/Lord_Howe')).toBe('2030-04-07');
  });

  it('takes the first instant of a day whose midnight does not exist (Santiago springs forward at 00:00)', () => {
    // 2022-09-11 00:00 local did not exist in America/Santiago: clocks went from 23:59:59 to 01:00.
    const start = startOfLocalDay('2022-09-11', 'America/Santiago');
    expect(localDay(start, 'America/Santiago')).toBe('2022-09-11');
    expect(localDay(new Date(start.getTime() - 1000), 'America/Santiago')).toBe('2022-09-10');
  });

  it('steps day names across month and year ends', () => {
    expect(nextDay('2030-01-31')).toBe('2030-02-01');
    expect(nextDay('2028-02-28')).toBe('2028-02-29');
    expect(nextDay('2030-12-31')).toBe('2031-01-01');
  });

  it('gives the midnight at or before an instant', () => {
    expect(lastLocalMidnight(new Date('2030-04-01T15:59:59Z'), 'Asia/Shanghai').toISOString()).toBe('2030-03-31T16:00:00.000Z');
    expect(lastLocalMidnight(new Date('2030-04-01T16:00:00Z'), 'Asia/Shanghai').toISOString()).toBe('2030-04-01T16:00:00.000Z');
  });

  it('refuses a zone that is not an IANA zone with a stable code', () => {
    expect(() => localDay(new Date(), 'Mars/Olympus')).toThrow(expect.objectContaining({ code: 'SCHEDULER.INVALID_TIME_ZONE' }));
  });
});

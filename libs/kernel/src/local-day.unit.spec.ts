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
    expect(() => localDay(new Date(), 'Mars/Olympus')).toThrow(expect.objectContaining({ code: 'TIME_ZONE.INVALID' }));
  });

  it('starts a day whose midnight is skipped at its first instant, 01:00 (Amman springs forward at 00:00)', () => {
    // 2021-02-26 00:00 local did not exist in Asia/Amman: clocks went from 23:59:59 (+02) to 01:00 (+03).
    expect(startOfLocalDay('2021-02-26', 'Asia/Amman').toISOString()).toBe('2021-02-25T22:00:00.000Z');
  });

  it('starts a day whose midnight happens twice at the earlier one (Amman falls back from 01:00 to 00:00)', () => {
    // 2021-10-29: 00:00 (+03) at 21:00Z, then at 01:00 (+03) clocks went back to 00:00 (+02).
    expect(startOfLocalDay('2021-10-29', 'Asia/Amman').toISOString()).toBe('2021-10-28T21:00:00.000Z');
  });

  it('starts the day after a fall-back at midnight once the repeated hour is over (Santiago goes from 00:00 back to 23:00)', () => {
    // 2022-04-03 00:00 (-03) became 2022-04-02 23:00 (-04): local 2022-04-03 begins at 00:00 (-04), 04:00Z.
    expect(startOfLocalDay('2022-04-03', 'America/Santiago').toISOString()).toBe('2022-04-03T04:00:00.000Z');
    expect(localDay(new Date('2022-04-03T03:30:00Z'), 'America/Santiago')).toBe('2022-04-02');
  });

  it.each(['America/Santiago', 'Asia/Amman', 'America/Asuncion', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Shanghai'])(
    'starts every day of 2021 and 2022 in %s at the first instant whose local date is that day',
    (zone) => {
      for (let day = '2021-01-01'; day < '2023-01-01'; day = nextDay(day)) {
        const start = startOfLocalDay(day, zone).getTime();
        expect([day, localDay(new Date(start), zone)]).toEqual([day, day]);
        expect([day, localDay(new Date(start - 1000), zone) < day]).toEqual([day, true]);
      }
    },
  );
});

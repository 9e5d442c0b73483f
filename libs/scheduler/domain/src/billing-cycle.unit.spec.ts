import { cycleIndexAt, cycleStart } from './billing-cycle';
import { refusalOf } from '@creditflow/kernel/testing';

describe('cycleStart', () => {
  it('clamps a Jan 31 anchor to each month end over a year, always computed from the anchor', () => {
    const anchor = new Date('2025-01-31T10:30:15.250Z');
    const starts = Array.from({ length: 14 }, (_, n) => cycleStart(anchor, n).toISOString());
    expect(starts).toEqual([
      '2025-01-31T10:30:15.250Z',
      '2025-02-28T10:30:15.250Z',
      '2025-03-31T10:30:15.250Z',
      '2025-04-30T10:30:15.250Z',
      '2025-05-31T10:30:15.250Z',
      '2025-06-30T10:30:15.250Z',
      '2025-07-31T10:30:15.250Z',
      '2025-08-31T10:30:15.250Z',
      '2025-09-30T10:30:15.250Z',
      '2025-10-31T10:30:15.250Z',
      '2025-11-30T10:30:15.250Z',
      '2025-12-31T10:30:15.250Z',
      '2026-01-31T10:30:15.250Z',
      '2026-02-28T10:30:15.250Z',
    ]);
  });

  it('renews a Jan 31 anchor on Feb 29 in a leap year, then Mar 31', () => {
    const anchor = new Date('2024-01-31T00:00:00Z');
    expect(cycleStart(anchor, 1).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(cycleStart(anchor, 2).toISOString()).toBe('2024-03-31T00:00:00.000Z');
  });

  it('keeps a mid-month anchor on the same day and time every month', () => {
    const anchor = new Date('2025-11-15T23:59:59Z');
    expect(cycleStart(anchor, 2).toISOString()).toBe('2026-01-15T23:59:59.000Z');
    expect(cycleStart(anchor, 27).toISOString()).toBe('2028-02-15T23:59:59.000Z');
  });

  it('refuses a negative or fractional cycle index and an invalid anchor', () => {
    const anchor = new Date('2025-01-01T00:00:00Z');
    expect(refusalOf(() => cycleStart(anchor, -1)).code).toBe('SCHEDULER.INVALID_CYCLE');
    expect(refusalOf(() => cycleStart(anchor, 1.5)).code).toBe('SCHEDULER.INVALID_CYCLE');
    expect(refusalOf(() => cycleStart(new Date('nope'), 1)).code).toBe('SCHEDULER.INVALID_CYCLE');
  });
});

describe('cycleIndexAt', () => {
  it('finds the cycle containing a time: its start is at or before it, the next start after it', () => {
    const anchor = new Date('2024-01-31T12:00:00Z');
    expect(cycleIndexAt(anchor, new Date('2024-01-31T11:59:59Z'))).toBe(-1);
    expect(cycleIndexAt(anchor, anchor)).toBe(0);
    expect(cycleIndexAt(anchor, new Date('2024-02-29T11:59:59Z'))).toBe(0);
    expect(cycleIndexAt(anchor, new Date('2024-02-29T12:00:00Z'))).toBe(1);
    expect(cycleIndexAt(anchor, new Date('2024-03-30T12:00:00Z'))).toBe(1);
    for (let h = 0; h < 24 * 800; h += 7) {
      const at = new Date(anchor.getTime() + h * 3_600_000);
      const n = cycleIndexAt(anchor, at);
      expect(cycleStart(anchor, n).getTime()).toBeLessThanOrEqual(at.getTime());
      expect(cycleStart(anchor, n + 1).getTime()).toBeGreaterThan(at.getTime());
    }
  });
});

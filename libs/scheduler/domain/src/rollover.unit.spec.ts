import { wholeCredits } from '@creditflow/kernel';
import { rolloverExpiry } from './rollover';

const lot = (lotId: string, remaining: number, grantedAt: string) => ({ lotId, remaining: wholeCredits(remaining), grantedAt });

describe('rolloverExpiry', () => {
  it('keeps everything under the cap (Amisi Pro: 50 granted, 20 used, 30 left, cap 100)', () => {
    expect(rolloverExpiry([lot('g0', 30, '2025-01-01T00:00:00Z')], wholeCredits(100))).toEqual([]);
  });

  it('expires the excess over the cap from the oldest lots first (130 left, cap 100 -> 30 expire)', () => {
    const lots = [lot('g2', 50, '2025-03-01T00:00:00Z'), lot('g0', 30, '2025-01-01T00:00:00Z'), lot('g1', 50, '2025-02-01T00:00:00Z')];
    expect(rolloverExpiry(lots, wholeCredits(100))).toEqual([{ lotId: 'g0', amount: wholeCredits(30) }]);
  });

  it('spreads the expiry over several old lots when the oldest does not cover the excess', () => {
    const lots = [lot('g0', 10, '2025-01-01T00:00:00Z'), lot('g1', 50, '2025-02-01T00:00:00Z'), lot('g2', 50, '2025-03-01T00:00:00Z')];
    expect(rolloverExpiry(lots, wholeCredits(40))).toEqual([
      { lotId: 'g0', amount: wholeCredits(10) },
      { lotId: 'g1', amount: wholeCredits(50) },
      { lotId: 'g2', amount: wholeCredits(10) },
    ]);
  });

  it('expires everything with a cap of 0 (the balance refreshes each cycle)', () => {
    const lots = [lot('g0', 0, '2025-01-01T00:00:00Z'), lot('g1', 7, new Date('2025-02-01T00:00:00Z').toISOString())];
    expect(rolloverExpiry(lots, wholeCredits(0))).toEqual([{ lotId: 'g1', amount: wholeCredits(7) }]);
  });

  it('leaves exactly the cap and never expires more than a lot holds', () => {
    const lots = [lot('a', 13, '2025-01-05T00:00:00Z'), lot('b', 29, '2025-02-05T00:00:00Z'), lot('c', 20, '2025-03-05T00:00:00Z')];
    for (let cap = 0; cap <= 70; cap++) {
      const expiries = rolloverExpiry(lots, wholeCredits(cap));
      const expired = expiries.reduce((s, e) => s + e.amount, 0n);
      expect(62n * 10n ** 6n - expired).toBe(wholeCredits(Math.min(cap, 62)));
      for (const e of expiries) expect(e.amount).toBeLessThanOrEqual(lots.find((l) => l.lotId === e.lotId)!.remaining);
    }
  });

  it('refuses a negative cap', () => {
    expect(() => rolloverExpiry([], -1n as never)).toThrow(expect.objectContaining({ code: 'SCHEDULER.INVALID_ROLLOVER_CAP' }));
  });
});

import fc from 'fast-check';
import {
  CREDIT_SCALE, credits, Credits, decimalRatio, formatCredits, InvalidAmountError, multiplyCredits, parseCredits, wholeCredits,
} from './credits';
import { refusalOf } from '../testing';

describe('parseCredits', () => {
  it.each([
    ['0', 0n],
    ['4', 4_000_000n],
    ['1.75', 1_750_000n],
    ['2.625', 2_625_000n],
    ['0.000001', 1n],
    ['50000', 50_000_000_000n],
    ['1.500000', 1_500_000n],
  ])('reads "%s" as %s units', (text, units) => {
    expect(parseCredits(text)).toBe(units);
  });

  it('formats what it parsed back to the shortest exact decimal', () => {
    for (const text of ['0', '4', '1.75', '2.625', '0.000001', '123456789.123456']) {
      expect(formatCredits(parseCredits(text))).toBe(text);
    }
    expect(formatCredits(parseCredits('1.500'))).toBe('1.5');
    expect(formatCredits(parseCredits('007'))).toBe('7');
  });

  it('round-trips every amount through format and parse', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 18n }), (units) => {
        const amount = credits(units);
        expect(parseCredits(formatCredits(amount))).toBe(amount);
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it.each(['-1', '-0.5', '+1'])('refuses the signed amount "%s"', (text) => {
    expect(() => parseCredits(text)).toThrow(InvalidAmountError);
  });

  it.each(['1e3', '1E3', '2.5e-1', 'Infinity', 'NaN', '0x10'])('refuses the exponent or non-decimal "%s"', (text) => {
    expect(refusalOf(() => parseCredits(text)).code).toBe('AMOUNT.INVALID');
  });

  it.each(['', '.5', '1.', '1,5', '1.2.3', 'one', '1 000'])('refuses the malformed amount "%s"', (text) => {
    expect(refusalOf(() => parseCredits(text)).code).toBe('AMOUNT.INVALID');
  });

  it.each([12, 2.5, null, undefined, 10n, { amount: '1' }])('refuses the non-string %p', (value) => {
    expect(refusalOf(() => parseCredits(value as unknown as string)).code).toBe('AMOUNT.INVALID');
  });

  it('refuses more decimals than the precision allows, ignoring trailing zeros', () => {
    expect(refusalOf(() => parseCredits('2.625', 2)).code).toBe('AMOUNT.INVALID');
    expect(refusalOf(() => parseCredits('1.5', 0)).code).toBe('AMOUNT.INVALID');
    expect(parseCredits('2.62', 2)).toBe(2_620_000n);
    expect(parseCredits('2.6200', 2)).toBe(2_620_000n);
    expect(parseCredits('3.0', 0)).toBe(3_000_000n);
  });

  it('never accepts more decimals than the internal scale, whatever precision is asked', () => {
    expect(() => parseCredits('0.0000001', 9)).toThrow(`has more than ${CREDIT_SCALE} decimal places`);
  });
});

describe('formatCredits', () => {
  it('writes whole credits without a point and fractions without trailing zeros', () => {
    expect(formatCredits(wholeCredits(4))).toBe('4');
    expect(formatCredits(credits(2_625_000n))).toBe('2.625');
    expect(formatCredits(credits(1n))).toBe('0.000001');
    expect(formatCredits(credits(0n))).toBe('0');
  });

  it('shows a sign for a negative difference', () => {
    expect(formatCredits(credits(-1_500_000n))).toBe('-1.5');
  });
});

describe('wholeCredits', () => {
  it('scales whole numbers to units', () => {
    expect(wholeCredits(4)).toBe(4_000_000n);
    expect(wholeCredits(50_000n)).toBe(50_000_000_000n);
  });

  it('refuses a fractional number rather than rounding it', () => {
    expect(refusalOf(() => wholeCredits(1.5)).code).toBe('AMOUNT.INVALID');
  });
});

describe('multiplyCredits', () => {
  const c = (text: string): Credits => parseCredits(text);

  it('multiplies exactly: 1.75 x 1.5 = 2.625 and 1.75 x 2 = 3.5', () => {
    expect(formatCredits(multiplyCredits(c('1.75'), '1.5'))).toBe('2.625');
    expect(formatCredits(multiplyCredits(c('1.75'), '2'))).toBe('3.5');
    expect(formatCredits(multiplyCredits(c('1.75'), 2n))).toBe('3.5');
    expect(formatCredits(multiplyCredits(c('1.75'), '1'))).toBe('1.75');
  });

  it('keeps an exact product at a precision that can hold it (apinfer: 3 places)', () => {
    expect(formatCredits(multiplyCredits(c('1.75'), '1.5', 3))).toBe('2.625');
  });

  it('rounds half up to the precision when the product has more places', () => {
    expect(formatCredits(multiplyCredits(c('1.75'), '1.5', 2))).toBe('2.63');
    expect(formatCredits(multiplyCredits(c('1.75'), '1.5', 0))).toBe('3');
    expect(formatCredits(multiplyCredits(c('0.01'), '0.5', 2))).toBe('0.01');
    expect(formatCredits(multiplyCredits(c('0.01'), '0.4', 2))).toBe('0');
    expect(formatCredits(multiplyCredits(c('2.4'), '1', 0))).toBe('2');
  });

  it('rounds at the internal scale when the factor has more places than it', () => {
    expect(multiplyCredits(credits(1n), '0.5')).toBe(1n);
    expect(multiplyCredits(credits(1n), '0.49')).toBe(0n);
  });

  it('refuses a factor that is not a plain non-negative decimal', () => {
    for (const factor of ['-1', '1e2', 'x1.5', '']) {
      expect(refusalOf(() => multiplyCredits(c('1'), factor)).code).toBe('AMOUNT.INVALID');
    }
  });

  it('results always fit the precision asked for', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.stringMatching(/^\d{1,3}(\.\d{1,4})?$/),
        fc.integer({ min: 0, max: CREDIT_SCALE }),
        (units, factor, precision) => {
          const product = multiplyCredits(credits(units), factor, precision);
          expect(product % 10n ** BigInt(CREDIT_SCALE - precision)).toBe(0n);
          const { numerator, denominator } = decimalRatio(factor);
          const exact2 = 2n * units * numerator; // twice the exact product, times the denominator
          const step = 10n ** BigInt(CREDIT_SCALE - precision);
          // |product - exact| <= step / 2, and exact halves round up
          expect(2n * product * denominator - exact2 <= step * denominator).toBe(true);
          expect(exact2 - 2n * product * denominator < step * denominator).toBe(true);
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });
});

describe('decimalRatio', () => {
  it('reads a decimal factor as an exact fraction', () => {
    expect(decimalRatio('1.5')).toEqual({ numerator: 15n, denominator: 10n });
    expect(decimalRatio('2')).toEqual({ numerator: 2n, denominator: 1n });
  });
});

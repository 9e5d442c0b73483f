import { parseCredits, wholeCredits } from './credits';
import { creditsToMoney, formatMoney, minorDigits, parseMoney } from './money';
import { refusalOf } from '../testing';

describe('parseMoney and formatMoney', () => {
  it('round-trips amounts in the minor unit of the currency', () => {
    expect(parseMoney('9.99', 'USD')).toEqual({ minor: 999n, currency: 'USD' });
    expect(parseMoney('10', 'CNY')).toEqual({ minor: 1000n, currency: 'CNY' });
    expect(parseMoney('9.990', 'USD')).toEqual({ minor: 999n, currency: 'USD' });
    expect(parseMoney('500', 'JPY')).toEqual({ minor: 500n, currency: 'JPY' });
    for (const [amount, currency] of [['9.99', 'USD'], ['0.05', 'EUR'], ['499.99', 'USD'], ['500', 'JPY'], ['0.00', 'CNY']]) {
      expect(formatMoney(parseMoney(amount, currency))).toBe(amount);
    }
    expect(formatMoney({ minor: 5n, currency: 'USD' })).toBe('0.05');
  });

  it.each(['-1', '1e2', '1.999', '1,00', '', 'ten'])('refuses the USD amount "%s"', (amount) => {
    expect(refusalOf(() => parseMoney(amount, 'USD')).code).toBe('MONEY.INVALID');
  });

  it('refuses a fraction of a yen', () => {
    expect(refusalOf(() => parseMoney('1.5', 'JPY')).code).toBe('MONEY.INVALID');
  });

  it.each([10, null, 9.99])('refuses the non-string %p', (amount) => {
    expect(refusalOf(() => parseMoney(amount as unknown as string, 'USD')).code).toBe('MONEY.INVALID');
  });

  it('refuses a currency it does not know', () => {
    expect(refusalOf(() => minorDigits('XYZ')).code).toBe('MONEY.UNKNOWN_CURRENCY');
    expect(refusalOf(() => parseMoney('1', 'XYZ')).code).toBe('MONEY.UNKNOWN_CURRENCY');
  });
});

describe('creditsToMoney', () => {
  it('values unused credits at the price per credit of their purchase (CNY 10 for 100, 37 unused -> 3.70)', () => {
    const money = creditsToMoney(wholeCredits(37), wholeCredits(100), parseMoney('10', 'CNY'));
    expect(formatMoney(money)).toBe('3.70');
    expect(money.currency).toBe('CNY');
  });

  it('rounds down to the minor unit (USD 9.99 for 7, 3 unused -> 4.28, not 4.2814...)', () => {
    expect(formatMoney(creditsToMoney(wholeCredits(3), wholeCredits(7), parseMoney('9.99', 'USD')))).toBe('4.28');
  });

  it('rounds down even just below a whole cent (USD 1 for 3, 2 unused -> 0.66)', () => {
    expect(formatMoney(creditsToMoney(wholeCredits(2), wholeCredits(3), parseMoney('1', 'USD')))).toBe('0.66');
  });

  it('values fractional credits exactly (apinfer: 2.625 of 100 for CNY 10 -> 0.26)', () => {
    expect(formatMoney(creditsToMoney(parseCredits('2.625'), wholeCredits(100), parseMoney('10', 'CNY')))).toBe('0.26');
  });

  it('returns the whole price for the whole lot and nothing for nothing', () => {
    const paid = parseMoney('50', 'CNY');
    expect(creditsToMoney(wholeCredits(5000), wholeCredits(5000), paid)).toEqual(paid);
    expect(creditsToMoney(wholeCredits(0), wholeCredits(5000), paid)).toEqual({ minor: 0n, currency: 'CNY' });
  });

  it('returns nothing for an empty lot instead of dividing by zero', () => {
    expect(creditsToMoney(wholeCredits(1), wholeCredits(0), parseMoney('9.99', 'USD'))).toEqual({ minor: 0n, currency: 'USD' });
  });
});

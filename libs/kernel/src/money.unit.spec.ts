import { parseCredits, wholeCredits } from './credits';
import { creditsToMoney, creditsToMoneyUnrounded, formatMoney, minorDigits, parseMoney } from './money';
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

describe('creditsToMoney rounding down', () => {
  it('values unused credits at the price per credit of their purchase (CNY 10 for 100, 37 unused -> 3.70)', () => {
    const money = creditsToMoney(wholeCredits(37), wholeCredits(100), parseMoney('10', 'CNY'), 'down');
    expect(formatMoney(money)).toBe('3.70');
    expect(money.currency).toBe('CNY');
  });

  it('rounds down to the minor unit (USD 9.99 for 7, 3 unused -> 4.28, not 4.2814...)', () => {
    expect(formatMoney(creditsToMoney(wholeCredits(3), wholeCredits(7), parseMoney('9.99', 'USD'), 'down'))).toBe('4.28');
  });

  it('rounds down even just below a whole cent (USD 1 for 3, 2 unused -> 0.66)', () => {
    expect(formatMoney(creditsToMoney(wholeCredits(2), wholeCredits(3), parseMoney('1', 'USD'), 'down'))).toBe('0.66');
  });

  it('values fractional credits exactly (apinfer: 2.625 of 100 for CNY 10 -> 0.26)', () => {
    expect(formatMoney(creditsToMoney(parseCredits('2.625'), wholeCredits(100), parseMoney('10', 'CNY'), 'down'))).toBe('0.26');
  });

  it('returns the whole price for the whole lot and nothing for nothing', () => {
    const paid = parseMoney('50', 'CNY');
    expect(creditsToMoney(wholeCredits(5000), wholeCredits(5000), paid, 'down')).toEqual(paid);
    expect(creditsToMoney(wholeCredits(0), wholeCredits(5000), paid, 'down')).toEqual({ minor: 0n, currency: 'CNY' });
  });

  it('returns nothing for an empty lot instead of dividing by zero', () => {
    expect(creditsToMoney(wholeCredits(1), wholeCredits(0), parseMoney('9.99', 'USD'), 'down')).toEqual({ minor: 0n, currency: 'USD' });
  });
});

describe('creditsToMoney rounding to the minor unit', () => {
  const value = (credits: string, lot: string, paid: string, currency: string, rounding: 'half-even' | 'half-up' | 'down') =>
    formatMoney(creditsToMoney(parseCredits(credits), parseCredits(lot), parseMoney(paid, currency), rounding));

  it.each([
    // credits of lot, paid: exact value -> half-even, half-up, down
    ['92.125', '100', '10', 'CNY', '9.2125', '9.21', '9.21', '9.21'],
    ['97.375', '100', '10', 'CNY', '9.7375', '9.74', '9.74', '9.73'],
    ['98.25', '100', '10', 'CNY', '9.825 (a tie)', '9.82', '9.83', '9.82'],
    ['37.25', '100', '10', 'CNY', '3.725 (a tie)', '3.72', '3.73', '3.72'],
    ['3', '7', '9.99', 'USD', '4.2814...', '4.28', '4.28', '4.28'],
    ['2', '3', '1', 'USD', '0.6666...', '0.67', '0.67', '0.66'],
    ['0.5', '5000', '50', 'CNY', '0.005 (a tie at zero)', '0.00', '0.01', '0.00'],
    ['15', '10', '3', 'JPY', '4.5 (a tie, whole yen)', '4', '5', '4'],
  ])('%s of %s credits bought for %s %s (%s): half-even %s, half-up %s, down %s', (credits, lot, paid, currency, _exact, even, up, down) => {
    expect([value(credits, lot, paid, currency, 'half-even'), value(credits, lot, paid, currency, 'half-up'), value(credits, lot, paid, currency, 'down')]).toEqual([
      even, up, down,
    ]);
  });

  it('never pays more than the price paid for the whole lot', () => {
    for (const rounding of ['half-even', 'half-up', 'down'] as const) {
      expect(creditsToMoney(wholeCredits(1200), wholeCredits(1200), parseMoney('79.99', 'USD'), rounding)).toEqual({ minor: 7999n, currency: 'USD' });
    }
  });
});

describe('creditsToMoneyUnrounded', () => {
  it('shows the exact value before rounding, with at least the minor digits', () => {
    expect(creditsToMoneyUnrounded(parseCredits('92.125'), wholeCredits(100), parseMoney('10', 'CNY'))).toBe('9.2125');
    expect(creditsToMoneyUnrounded(wholeCredits(97), wholeCredits(100), parseMoney('9.99', 'USD'))).toBe('9.6903');
    expect(creditsToMoneyUnrounded(wholeCredits(100), wholeCredits(100), parseMoney('10', 'CNY'))).toBe('10.00');
    expect(creditsToMoneyUnrounded(wholeCredits(15), wholeCredits(10), parseMoney('3', 'JPY'))).toBe('4.5');
    expect(creditsToMoneyUnrounded(wholeCredits(10), wholeCredits(10), parseMoney('3', 'JPY'))).toBe('3');
  });

  it('cuts a value that does not end after 12 decimals', () => {
    expect(creditsToMoneyUnrounded(wholeCredits(2), wholeCredits(3), parseMoney('1', 'USD'))).toBe('0.666666666666');
    expect(creditsToMoneyUnrounded(wholeCredits(0), wholeCredits(3), parseMoney('1', 'USD'))).toBe('0.00');
  });
});

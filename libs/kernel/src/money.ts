// Money is an integer count of the currency's minor unit (cents, fen). Converting credits to money
// happens in exactly one place: `creditsToMoney`, rounded as its caller's policy says.
import { CREDIT_SCALE, Credits } from './credits';
import { DomainError } from './errors';

export interface Money {
  readonly minor: bigint;
  readonly currency: string;
}

const MINOR_DIGITS: Record<string, number> = { USD: 2, EUR: 2, CNY: 2, GBP: 2, JPY: 0 };

export function minorDigits(currency: string): number {
  const digits = MINOR_DIGITS[currency];
  if (digits === undefined) throw new DomainError('MONEY.UNKNOWN_CURRENCY', `unknown currency "${currency}"`);
  return digits;
}

export function parseMoney(amount: string, currency: string): Money {
  const digits = minorDigits(currency);
  const m = typeof amount === 'string' ? /^(\d+)(?:\.(\d+))?$/.exec(amount) : null;
  if (!m || (m[2] ?? '').replace(/0+$/, '').length > digits) {
    throw new DomainError('MONEY.INVALID', `"${amount}" is not a valid ${currency} amount`);
  }
  return { minor: BigInt(m[1] + (m[2] ?? '').padEnd(digits, '0').slice(0, digits)), currency };
}

export function formatMoney(money: Money): string {
  const digits = minorDigits(money.currency);
  if (digits === 0) return money.minor.toString();
  const s = money.minor.toString().padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

/**
 * How an amount is brought to the currency's minor unit: `half-even` (banker's: a tie goes to the even
 * digit, so ties round up as often as down), `half-up` (a tie goes away from zero), `down` (towards
 * zero: never more than the exact amount).
 */
export const MONEY_ROUNDINGS = ['half-even', 'half-up', 'down'] as const;
export type MoneyRounding = (typeof MONEY_ROUNDINGS)[number];

/**
 * The value of `amount` credits from a lot bought for `paid` money holding `lotCredits` credits:
 * paid x amount / lotCredits, rounded to the minor unit by `rounding`.
 */
export function creditsToMoney(amount: Credits, lotCredits: Credits, paid: Money, rounding: MoneyRounding): Money {
  if (lotCredits <= 0n) return { minor: 0n, currency: paid.currency };
  return { minor: divideRounded(paid.minor * amount, lotCredits, rounding), currency: paid.currency };
}

/** Digits after the point `creditsToMoneyUnrounded` shows at most. */
export const UNROUNDED_DIGITS = 12;

/**
 * The same value before rounding, as a decimal string in the currency's major unit with at least its
 * minor digits ("9.2125" CNY for 92.125 of 100 credits bought for 10): exact where it ends within
 * UNROUNDED_DIGITS decimals, else cut (not rounded) after them. For showing, never for paying.
 */
export function creditsToMoneyUnrounded(amount: Credits, lotCredits: Credits, paid: Money): string {
  const digits = minorDigits(paid.currency);
  if (lotCredits <= 0n) return formatMoney({ minor: 0n, currency: paid.currency });
  const scaled = (paid.minor * amount * 10n ** BigInt(UNROUNDED_DIGITS - digits)) / lotCredits;
  const s = scaled.toString().padStart(UNROUNDED_DIGITS + 1, '0');
  const fraction = s.slice(-UNROUNDED_DIGITS).replace(/0+$/, '').padEnd(digits, '0');
  return fraction ? `${s.slice(0, -UNROUNDED_DIGITS)}.${fraction}` : s.slice(0, -UNROUNDED_DIGITS);
}

/** n / d for n >= 0, d > 0, rounded to an integer by `rounding`. */
function divideRounded(n: bigint, d: bigint, rounding: MoneyRounding): bigint {
  const q = n / d;
  const twice = 2n * (n % d);
  switch (rounding) {
    case 'down':
      return q;
    case 'half-up':
      return twice >= d ? q + 1n : q;
    case 'half-even':
      return twice > d || (twice === d && q % 2n === 1n) ? q + 1n : q;
  }
}

export { CREDIT_SCALE };

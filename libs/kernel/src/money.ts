// Money is an integer count of the currency's minor unit (cents, fen). Converting credits to money
// happens in exactly one place: `creditsToMoney`.
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
 * The value of `amount` credits from a lot bought for `paid` money holding `lotCredits` credits:
 * paid x amount / lotCredits, rounded down to the minor unit (the customer never gets more than the
 * exact pro-rata share).
 */
export function creditsToMoney(amount: Credits, lotCredits: Credits, paid: Money): Money {
  if (lotCredits <= 0n) return { minor: 0n, currency: paid.currency };
  return { minor: (paid.minor * amount) / lotCredits, currency: paid.currency };
}

export { CREDIT_SCALE };

// Credit amounts are fixed-point integers: one credit = 10^CREDIT_SCALE units. A tenant declares a
// precision (digits after the point, at most CREDIT_SCALE) that bounds what its wire amounts may carry.
// No float ever touches an amount: parsing, multiplying and formatting are done on bigint.
import { DomainError } from './errors';

declare const creditsBrand: unique symbol;
export type Credits = bigint & { readonly [creditsBrand]: true };

export const CREDIT_SCALE = 6;
const UNIT = 10n ** BigInt(CREDIT_SCALE);
const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

export const ZERO = 0n as Credits;

export function credits(units: bigint): Credits {
  return units as Credits;
}

/** Whole credits, for configuration and tests: `wholeCredits(4)` is 4 credits. */
export function wholeCredits(n: number | bigint): Credits {
  if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new InvalidAmountError(String(n), 'not a whole number');
  return (BigInt(n) * UNIT) as Credits;
}

/**
 * Parses a non-negative decimal string ("2.625") into credits. Refuses signs, exponents, more digits
 * than `precision` allows, and anything that is not a plain decimal.
 */
export function parseCredits(text: string, precision: number = CREDIT_SCALE): Credits {
  if (typeof text !== 'string') throw new InvalidAmountError(String(text), 'must be a decimal string');
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new InvalidAmountError(text, 'must be a non-negative decimal such as "12" or "2.625"');
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  const places = Math.min(precision, CREDIT_SCALE);
  if (fraction.length > places) {
    throw new InvalidAmountError(text, `has more than ${places} decimal places`);
  }
  return (BigInt(m[1]) * UNIT + BigInt(fraction.padEnd(CREDIT_SCALE, '0') || '0')) as Credits;
}

/** Formats credits as the shortest exact decimal string: 4 credits -> "4", 2.625 -> "2.625". */
export function formatCredits(amount: Credits): string {
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  const whole = abs / UNIT;
  const fraction = (abs % UNIT).toString().padStart(CREDIT_SCALE, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

export function addCredits(a: Credits, b: Credits): Credits {
  return (a + b) as Credits;
}

export function subtractCredits(a: Credits, b: Credits): Credits {
  return (a - b) as Credits;
}

export function minCredits(a: Credits, b: Credits): Credits {
  return a < b ? a : b;
}

export function sumCredits(amounts: Iterable<Credits>): Credits {
  let total = 0n;
  for (const a of amounts) total += a;
  return total as Credits;
}

/**
 * Multiplies by an exact decimal factor given as a string ("1.5"). The product is rounded half up to
 * the tenant's precision; with the seeds' factors and precisions the result is always exact.
 */
export function multiplyCredits(amount: Credits, factor: string | bigint, precision: number = CREDIT_SCALE): Credits {
  const { numerator, denominator } = typeof factor === 'bigint' ? { numerator: factor, denominator: 1n } : decimalRatio(factor);
  const raw = amount * numerator;
  const step = denominator * 10n ** BigInt(CREDIT_SCALE - Math.min(precision, CREDIT_SCALE));
  return (((raw + step / 2n) / step) * (step / denominator)) as Credits;
}

/** "1.5" -> 15/10. Exact; refuses anything but a non-negative decimal. */
export function decimalRatio(text: string): { numerator: bigint; denominator: bigint } {
  const m = DECIMAL.exec(text);
  if (!m) throw new InvalidAmountError(text, 'must be a non-negative decimal factor');
  const fraction = m[2] ?? '';
  return { numerator: BigInt(m[1] + fraction), denominator: 10n ** BigInt(fraction.length) };
}

export function creditsFromJson(value: string): Credits {
  return BigInt(value) as Credits;
}

export class InvalidAmountError extends DomainError {
  constructor(readonly value: string, reason: string) {
    super('AMOUNT.INVALID', `amount "${value}" ${reason}`);
  }
}

// Exact price arithmetic on fixed-point credits. A price never rounds: a product that the tenant's
// precision cannot carry is reported (null), and catalog validation refuses such a catalog up front.
import { CREDIT_SCALE, Credits, credits, decimalRatio } from '@creditflow/kernel';

/** True when `amount` has no more than `precision` digits after the decimal point. */
export function fitsPrecision(amount: Credits, precision: number): boolean {
  return amount % 10n ** BigInt(CREDIT_SCALE - Math.min(precision, CREDIT_SCALE)) === 0n;
}

/**
 * amount x factor ("1.5"), or null when the exact product does not fit the precision
 * (1.75 x 1.5 = 2.625 fits precision 3, not precision 2).
 */
export function multiplyExactly(amount: Credits, factor: string, precision: number): Credits | null {
  const { numerator, denominator } = decimalRatio(factor);
  const raw = amount * numerator;
  if (raw % denominator !== 0n) return null;
  const product = credits(raw / denominator);
  return fitsPrecision(product, precision) ? product : null;
}

/** A whole-number quantity times a unit price; always exact. */
export function timesQuantity(amount: Credits, quantity: number): Credits {
  return credits(amount * BigInt(quantity));
}

// The reconciler's own exact arithmetic, written apart from the kernel's on purpose: a rounding or
// scaling bug there must not be repeated here. Stored credit amounts are integers of 10^-6 credit
// (the stored form every event carries); money is an integer of the currency's minor unit.

/** Units of one credit in a stored amount. */
export const UNITS_PER_CREDIT = 1_000_000n;
const UNIT_DIGITS = 6;

/** A decimal ("1.75", 4, "0") as units; null when it is not an exact non-negative decimal of at most 6 places. */
export function unitsOf(value: unknown): bigint | null {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : typeof value === 'string' ? value.trim() : '';
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > UNIT_DIGITS) return null;
  return BigInt(m[1]) * UNITS_PER_CREDIT + BigInt(fraction.padEnd(UNIT_DIGITS, '0') || '0');
}

/** Units as a decimal string of credits ("2.625"). */
export function creditsText(units: bigint): string {
  const sign = units < 0n ? '-' : '';
  const abs = units < 0n ? -units : units;
  const whole = abs / UNITS_PER_CREDIT;
  const fraction = (abs % UNITS_PER_CREDIT).toString().padStart(UNIT_DIGITS, '0').replace(/0+$/, '');
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** An exact decimal factor ("1.5", 2) as numerator / denominator; null when it is not one. */
export function ratioOf(value: unknown): { num: bigint; den: bigint } | null {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : typeof value === 'string' ? value.trim() : '';
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  const fraction = m[2] ?? '';
  return { num: BigInt(m[1] + fraction), den: 10n ** BigInt(fraction.length) };
}

export type Rounding = 'half-even' | 'half-up' | 'down';
export const ROUNDINGS: readonly Rounding[] = ['half-even', 'half-up', 'down'];

/** n / d (n >= 0, d > 0) to an integer by `rounding`. */
export function divide(n: bigint, d: bigint, rounding: Rounding): bigint {
  const quotient = n / d;
  const rest = n - quotient * d;
  if (rounding === 'down' || rest === 0n) return quotient;
  const half = rest * 2n;
  if (half > d) return quotient + 1n;
  if (half < d) return quotient;
  return rounding === 'half-up' || quotient % 2n === 1n ? quotient + 1n : quotient;
}

/** Minor units as a decimal of the major unit, assuming `digits` minor digits ("9.21"). */
export function moneyText(minor: bigint, digits: number): string {
  if (digits === 0) return minor.toString();
  const s = minor.toString().padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

// What the fault suite expects things to cost, written down from SPEC section 3 (Apinfer: packages
// basic 100 credits for CNY 10, standard 5,000 for CNY 50; qwen-image 1.75 credits, quality high
// x1.5, ultra x2; three decimals), not read from the platform's code or its tenant files: the
// ledger must be able to disagree with the platform.

/** Apinfer's credits in thousandths (precision 3): every amount the suite handles is a bigint of these. */
export type Milli = bigint;

export const TENANT = 'apinfer';
export const CURRENCY = 'CNY';

export const PACKAGES = {
  basic: { credits: 100_000n, price: '10' },
  standard: { credits: 5_000_000n, price: '50' },
} as const;
export type PackageId = keyof typeof PACKAGES;

export const QUALITIES = ['standard', 'high', 'ultra'] as const;
export type Quality = (typeof QUALITIES)[number];
const QUALITY_PER_MILLE: Record<Quality, bigint> = { standard: 1000n, high: 1500n, ultra: 2000n };
const QWEN_IMAGE: Milli = 1_750n;

export interface UsageRequest {
  usageId: string;
  accountId: string;
  feature: 'qwen-image';
  quality?: Quality;
  quantity?: number;
}

/** The credits an authorize of `request` must hold. */
export function priceOf(request: Partial<UsageRequest>): Milli {
  const perImage = (QWEN_IMAGE * QUALITY_PER_MILLE[request.quality ?? 'standard']) / 1000n;
  return perImage * BigInt(request.quantity ?? 1);
}

/** "2.625" -> 2625n. Throws on anything but a plain decimal with at most three decimals. */
export function milli(text: unknown): Milli {
  if (typeof text !== 'string' || !/^-?\d+(\.\d{1,3})?$/.test(text)) throw new Error(`not an amount with at most 3 decimals: ${JSON.stringify(text)}`);
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = text.replace('-', '').split('.');
  const value = BigInt(whole) * 1000n + BigInt(fraction.padEnd(3, '0'));
  return negative ? -value : value;
}

/** 2625n -> "2.625" (as the platform writes amounts: no trailing zeros). */
export function credits(value: Milli): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const fraction = (abs % 1000n).toString().padStart(3, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${abs / 1000n}${fraction ? `.${fraction}` : ''}`;
}

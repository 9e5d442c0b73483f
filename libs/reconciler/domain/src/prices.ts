// What a usage should have cost, priced again from the tenant file's own catalog text (not the
// pricing library's parsed catalog): the version the hold names, the feature's price (flat, by one
// option, or phased), the quality factor, times the quantity. A second, independent reading of the
// same file, so a pricing bug shows up as a difference instead of being repeated.
import { ratioOf, unitsOf } from './amounts';

/** A tenant file's catalog as written (`catalogVersions` of config/tenants/<tenant>.yaml). */
export interface CatalogText {
  version: string;
  effectiveFrom: string;
  features: Record<string, FeatureText>;
}

export interface FeatureText {
  price?: PriceText;
  priceBy?: string;
  prices?: Record<string, PriceText>;
  quality?: Record<string, string | number>;
  defaultQuality?: string;
  anyValue?: string[];
}

export type PriceText = string | number | { generate: string | number; accept: string | number };

export interface ExpectedPrice {
  credits: bigint;
  phases: { generate: bigint; accept: bigint } | null;
}

/** The price, or why it cannot be priced (the reason is a sentence for the report). */
export type Repricing = { ok: true; price: ExpectedPrice } | { ok: false; reason: string };

export function priceAgain(catalogs: readonly CatalogText[], priceVersion: string, feature: string, options: Record<string, unknown>): Repricing {
  const catalog = catalogs.find((c) => String(c.version) === priceVersion);
  if (!catalog) return { ok: false, reason: `the tenant file has no catalog version "${priceVersion}"` };
  const text = catalog.features?.[feature];
  if (!text) return { ok: false, reason: `catalog version "${priceVersion}" has no feature "${feature}"` };
  let unit: PriceText | undefined = text.price;
  if (text.priceBy) {
    const value = options[text.priceBy];
    unit = value === undefined ? undefined : text.prices?.[String(value)];
    if (unit === undefined) return { ok: false, reason: `feature "${feature}" has no price for ${text.priceBy} "${String(value)}"` };
  }
  if (unit === undefined) return { ok: false, reason: `feature "${feature}" has no price` };
  let factor = { num: 1n, den: 1n };
  if (text.quality) {
    const level = options.quality ?? text.defaultQuality;
    const factorText = level === undefined ? undefined : text.quality[String(level)];
    const parsed = factorText === undefined ? null : ratioOf(factorText);
    if (!parsed) return { ok: false, reason: `feature "${feature}" has no quality factor for "${String(level)}"` };
    factor = parsed;
  }
  const quantity = options.quantity === undefined ? 1n : typeof options.quantity === 'number' && Number.isSafeInteger(options.quantity) && options.quantity > 0 ? BigInt(options.quantity) : null;
  if (quantity === null) return { ok: false, reason: `quantity ${String(options.quantity)} is not a whole number above 0` };
  const priced = (amount: unknown): bigint | null => {
    const units = unitsOf(amount);
    if (units === null) return null;
    const scaled = units * factor.num;
    // Prices never round (a catalog needing it is refused at start-up): an inexact product is a finding.
    return scaled % factor.den === 0n ? (scaled / factor.den) * quantity : null;
  };
  if (typeof unit === 'object') {
    const generate = priced(unit.generate);
    const accept = priced(unit.accept);
    if (generate === null || accept === null) return { ok: false, reason: `feature "${feature}"'s phased price is not an exact amount` };
    return { ok: true, price: { credits: generate, phases: { generate, accept } } };
  }
  const credits = priced(unit);
  if (credits === null) return { ok: false, reason: `feature "${feature}"'s price "${String(unit)}" is not an exact amount` };
  return { ok: true, price: { credits, phases: null } };
}

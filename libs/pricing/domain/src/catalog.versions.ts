// A tenant's catalog history: each version takes effect at its `effectiveFrom` and stays in effect
// until the next one does. The instant to price at arrives from the caller (its clock), never from here.
import { Catalog } from './catalog.types';
import { PRICING_ERROR_CODES, PricingError } from './pricing.errors';

/** The version in effect at `now`: the latest `effectiveFrom` at or before it. Order of `versions` does not matter. */
export function catalogAt(versions: readonly Catalog[], now: Date): Catalog {
  const at = now.getTime();
  let current: Catalog | undefined;
  for (const version of versions) {
    const from = Date.parse(version.effectiveFrom);
    if (from <= at && (current === undefined || from > Date.parse(current.effectiveFrom))) current = version;
  }
  if (!current) {
    throw new PricingError(PRICING_ERROR_CODES.noCatalogInEffect, `no catalog version is in effect at ${now.toISOString()}`, {
      at: now.toISOString(),
      versions: versions.map((v) => ({ version: v.version, effectiveFrom: v.effectiveFrom })),
    });
  }
  return current;
}

// Quoting: what one usage request costs under one catalog version. Pure and deterministic; the
// wallet fixes the quote at authorization time, so a later catalog version never re-prices it.
import { addCredits, assertNever, Credits, formatCredits } from '@creditflow/kernel';
import { Catalog, Feature, OPTION_FIELDS, OptionField, UnitPrice } from './catalog.types';
import { multiplyExactly, timesQuantity } from './price.arithmetic';
import {
  PRICING_ERROR_CODES,
  PricingError,
  invalidQuantity,
  missingOption,
  unknownFeature,
  unknownOption,
  unsupportedOption,
} from './pricing.errors';

export const DEFAULT_QUANTITY = 1;
export const MAX_QUANTITY = 1000;

export interface QuoteRequest {
  readonly feature: string;
  readonly model?: string | null;
  readonly resolution?: string | null;
  readonly quality?: string | null;
  readonly detail?: string | null;
  /** Units (images, messages); multiplies the unit price. Default 1, at most MAX_QUANTITY. */
  readonly quantity?: number | null;
}

export interface PhaseCredits {
  readonly generate: Credits;
  readonly accept: Credits;
}

export interface Quote {
  /**
   * What authorization holds. For a phased feature this is the `generate` phase only; the `accept`
   * phase is charged separately when the result is accepted (and never when it is rejected).
   */
  readonly credits: Credits;
  /** Present only for phased features: each phase's price, quantity included. */
  readonly phases?: PhaseCredits;
  /**
   * Present only for phased features: what a kept (accepted) result costs, generate + accept. A
   * rejected result costs `phases.generate`. (SPEC 1.1: `credits` alone reads as the whole price.)
   */
  readonly total?: Credits;
  /** The catalog version the quote was priced with. */
  readonly priceVersion: string;
}

/**
 * Prices `request` under `catalog`. `precision` is the tenant's (digits after the point).
 * Throws PricingError: UNKNOWN_FEATURE, UNSUPPORTED_OPTION (an option the feature does not take),
 * MISSING_OPTION / UNKNOWN_OPTION (the priced dimension or quality), INVALID_QUANTITY.
 */
export function quote(catalog: Catalog, request: QuoteRequest, precision: number): Quote {
  const feature = findFeature(catalog, request.feature);
  if (!feature) throw unknownFeature(String(request.feature), catalog.features.map((f) => f.id));
  const quantity = checkQuantity(request.quantity);

  const accepted = acceptedOptions(feature);
  for (const field of OPTION_FIELDS) {
    const value = request[field];
    if (value != null && !accepted.includes(field)) throw unsupportedOption(feature.id, field, value, accepted);
  }

  const unit = unitPrice(feature, request);
  const factor = qualityFactor(feature, request.quality);
  const price = (amount: Credits): Credits => timesQuantity(applyFactor(feature, amount, factor, precision), quantity);

  if (unit.kind === 'single') return { credits: price(unit.credits), priceVersion: catalog.version };
  const phases = { generate: price(unit.generate), accept: price(unit.accept) };
  return { credits: phases.generate, phases, total: addCredits(phases.generate, phases.accept), priceVersion: catalog.version };
}

export function findFeature(catalog: Catalog, featureId: string): Feature | undefined {
  return catalog.features.find((f) => f.id === featureId);
}

/** The request fields a feature takes, in OPTION_FIELDS order. */
export function acceptedOptions(feature: Feature): OptionField[] {
  return OPTION_FIELDS.filter(
    (field) =>
      (feature.pricing.kind === 'by-option' && feature.pricing.dimension === field) ||
      (field === 'quality' && feature.quality !== undefined) ||
      (field !== 'quality' && (feature.anyValueOptions ?? []).includes(field)),
  );
}

function checkQuantity(quantity: unknown): number {
  if (quantity == null) return DEFAULT_QUANTITY;
  if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
    throw invalidQuantity(quantity, MAX_QUANTITY);
  }
  return quantity;
}

function unitPrice(feature: Feature, request: QuoteRequest): UnitPrice {
  const pricing = feature.pricing;
  switch (pricing.kind) {
    case 'flat':
      return pricing.price;
    case 'by-option': {
      const allowed = pricing.options.map((o) => o.value);
      const value = request[pricing.dimension];
      if (value == null) throw missingOption(feature.id, pricing.dimension, allowed);
      const option = pricing.options.find((o) => o.value === value);
      if (!option) throw unknownOption(feature.id, pricing.dimension, value, allowed);
      return option.price;
    }
    default:
      return assertNever(pricing);
  }
}

function qualityFactor(feature: Feature, requested: string | null | undefined): string | null {
  if (!feature.quality) return null;
  const allowed = feature.quality.levels.map((l) => l.value);
  const value = requested ?? feature.quality.default;
  if (value == null) throw missingOption(feature.id, 'quality', allowed);
  const level = feature.quality.levels.find((l) => l.value === value);
  if (!level) throw unknownOption(feature.id, 'quality', value, allowed);
  return level.factor;
}

function applyFactor(feature: Feature, amount: Credits, factor: string | null, precision: number): Credits {
  if (factor === null) return amount;
  const product = multiplyExactly(amount, factor, precision);
  if (product === null) {
    // validateCatalog refuses such a catalog; reaching this means an unvalidated catalog was used.
    throw new PricingError(
      PRICING_ERROR_CODES.inexactPrice,
      `${formatCredits(amount)} x ${factor} for feature "${feature.id}" needs more than ${precision} decimal places`,
      { feature: feature.id, amount: formatCredits(amount), factor, precision },
    );
  }
  return product;
}

// Pricing refusals, each with a stable code. The edges map them to 400 (malformed request) except
// PRICING.NO_CATALOG_IN_EFFECT and PRICING.INEXACT_PRICE, which are configuration faults.
import { DomainError } from '@creditflow/kernel';

export const PRICING_ERROR_CODES = {
  unknownFeature: 'PRICING.UNKNOWN_FEATURE',
  unknownOption: 'PRICING.UNKNOWN_OPTION',
  missingOption: 'PRICING.MISSING_OPTION',
  unsupportedOption: 'PRICING.UNSUPPORTED_OPTION',
  invalidQuantity: 'PRICING.INVALID_QUANTITY',
  noCatalogInEffect: 'PRICING.NO_CATALOG_IN_EFFECT',
  inexactPrice: 'PRICING.INEXACT_PRICE',
} as const;
export type PricingErrorCode = (typeof PRICING_ERROR_CODES)[keyof typeof PRICING_ERROR_CODES];

export class PricingError extends DomainError {
  constructor(override readonly code: PricingErrorCode, message: string, details: Record<string, unknown>) {
    super(code, message, details);
  }
}

export function unknownFeature(value: string, allowed: string[]): PricingError {
  return new PricingError(PRICING_ERROR_CODES.unknownFeature, `unknown feature "${value}"`, { field: 'feature', value, allowed });
}

export function unknownOption(feature: string, field: string, value: unknown, allowed: string[]): PricingError {
  return new PricingError(
    PRICING_ERROR_CODES.unknownOption,
    `${field} "${String(value)}" is not offered for feature "${feature}"; allowed: ${allowed.join(', ')}`,
    { feature, field, value, allowed },
  );
}

export function missingOption(feature: string, field: string, allowed: string[]): PricingError {
  return new PricingError(
    PRICING_ERROR_CODES.missingOption,
    `feature "${feature}" is priced by ${field}; give one of: ${allowed.join(', ')}`,
    { feature, field, allowed },
  );
}

export function unsupportedOption(feature: string, field: string, value: unknown, supportedOptions: string[]): PricingError {
  const takes = supportedOptions.length ? `it takes only ${supportedOptions.join(', ')}` : 'it takes no options';
  return new PricingError(
    PRICING_ERROR_CODES.unsupportedOption,
    `feature "${feature}" does not take a ${field}; ${takes}`,
    { feature, field, value, allowed: supportedOptions },
  );
}

export function invalidQuantity(value: unknown, max: number): PricingError {
  return new PricingError(
    PRICING_ERROR_CODES.invalidQuantity,
    `quantity ${typeof value === 'string' ? JSON.stringify(value) : String(value)} must be a whole number from 1 to ${max}`,
    { field: 'quantity', value, min: 1, max },
  );
}

import { Catalog } from './catalog.types';
import { catalogAt } from './catalog.versions';
import { PricingError } from './pricing.errors';

const version = (id: string, effectiveFrom: string): Catalog => ({ version: id, effectiveFrom, features: [] });
const versions = [version('2025-06', '2025-06-01T00:00:00Z'), version('2025-01', '2025-01-01T00:00:00Z'), version('2026-01', '2026-01-01T00:00:00Z')];

describe('catalogAt', () => {
  it.each([
    ['2025-01-01T00:00:00Z', '2025-01'],
    ['2025-05-31T23:59:59.999Z', '2025-01'],
    ['2025-06-01T00:00:00Z', '2025-06'],
    ['2025-12-31T12:00:00Z', '2025-06'],
    ['2030-01-01T00:00:00Z', '2026-01'],
  ])('at %s picks version %s, whatever the list order', (at, expected) => {
    expect(catalogAt(versions, new Date(at)).version).toBe(expected);
    expect(catalogAt([...versions].reverse(), new Date(at)).version).toBe(expected);
  });

  it('refuses to price before the first version takes effect', () => {
    expect(() => catalogAt(versions, new Date('2024-12-31T23:59:59Z'))).toThrow(
      expect.objectContaining({ code: 'PRICING.NO_CATALOG_IN_EFFECT' }),
    );
    expect(() => catalogAt([], new Date())).toThrow(PricingError);
  });
});

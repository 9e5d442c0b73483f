// Across the five real tenant files: they load, every priced combination quotes exactly, and the
// quantity only multiplies (quote(q, n) = n x quote(q, 1)).
import fc from 'fast-check';
import { Feature, MAX_QUANTITY, QuoteRequest, catalogAt, quote } from '@creditflow/pricing-domain';
import { loadTenants } from '../tenant-config.load';
import { REPO_TENANTS_DIR, SEED_NOW } from './seed-tenants.testing';

const tenants = loadTenants(REPO_TENANTS_DIR);

/** Every request that names one value of each option the feature prices (quality included). */
function requestsFor(feature: Feature): QuoteRequest[] {
  const base: QuoteRequest[] =
    feature.pricing.kind === 'flat'
      ? [{ feature: feature.id }]
      : feature.pricing.options.map((o) => ({ feature: feature.id, [(feature.pricing as { dimension: string }).dimension]: o.value }));
  if (!feature.quality) return base;
  return base.flatMap((r) => [r, ...feature.quality!.levels.map((l) => ({ ...r, quality: l.value }))]);
}

const cases = [...tenants.values()].flatMap((tenant) =>
  catalogAt(tenant.catalogVersions, SEED_NOW).features.flatMap((f) => requestsFor(f).map((request) => ({ tenant, request }))),
);

describe('the seed tenant files', () => {
  it('are exactly the five seed products, each with one catalog version from 2025-01-01', () => {
    expect([...tenants.keys()].sort()).toEqual(['amisi', 'apinfer', 'gptimage2', 'listing-editor', 'visualgpt']);
    for (const tenant of tenants.values()) {
      expect(tenant.sourceFile).toMatch(new RegExp(`config/tenants/${tenant.tenantId}\\.yaml$`));
      expect(tenant.catalogVersions.map((v) => v.effectiveFrom)).toEqual(['2025-01-01T00:00:00Z']);
      expect(tenant.walletPolicy.consumptionOrder).toEqual(['daily', 'trial', 'subscription', 'reward', 'topup']);
      expect(tenant.walletPolicy.precision).toBe(tenant.precision);
    }
  });

  it('have no catalog in effect before 2025-01-01', () => {
    for (const tenant of tenants.values()) {
      expect(() => catalogAt(tenant.catalogVersions, new Date('2024-12-31T23:59:59Z'))).toThrow(
        expect.objectContaining({ code: 'PRICING.NO_CATALOG_IN_EFFECT' }),
      );
    }
  });

  it('quote quantity n as n times quantity 1, for every priced combination', () => {
    fc.assert(
      fc.property(fc.constantFrom(...cases), fc.integer({ min: 1, max: MAX_QUANTITY }), ({ tenant, request }, n) => {
        const catalog = catalogAt(tenant.catalogVersions, SEED_NOW);
        const one = quote(catalog, { ...request, quantity: 1 }, tenant.precision);
        const many = quote(catalog, { ...request, quantity: n }, tenant.precision);
        expect(many.credits).toBe(one.credits * BigInt(n));
        if (one.phases) expect(many.phases).toEqual({ generate: one.phases.generate * BigInt(n), accept: one.phases.accept * BigInt(n) });
        else expect(many.phases).toBeUndefined();
      }),
      { seed: 42, numRuns: 1000 },
    );
  });
});

// Listing editor (seed 002): generate/accept phases, 4K doubling, free actions, plans and top-ups.
import { quoteOf, seedTenant } from './seed-tenants.testing';

const listingEditor = seedTenant('listing-editor');

describe('listing-editor pricing (seed 002)', () => {
  it.each([
    ['1K', '1', '2', '3'],
    ['2K', '1', '2', '3'],
    ['4K', '2', '4', '6'],
  ])('prices ai-edit at %s: generate %s, accept %s, holds the generate phase and says a kept result costs %s', (resolution, generate, accept, total) => {
    expect(quoteOf(listingEditor, { feature: 'ai-edit', resolution })).toEqual({
      credits: generate,
      phases: { generate, accept },
      total,
      priceVersion: '2025-01-01',
    });
  });

  it('costs 3 for a kept 1K edit and 6 for a kept 4K edit, 1 and 2 when rejected', () => {
    const kept = (resolution: string) => {
      const q = quoteOf(listingEditor, { feature: 'ai-edit', resolution });
      return Number(q.phases?.generate) + Number(q.phases?.accept);
    };
    expect(kept('1K')).toBe(3);
    expect(kept('4K')).toBe(6);
    // "3 credits total for a kept edit", said by the quote itself
    expect(quoteOf(listingEditor, { feature: 'ai-edit', resolution: '1K' }).total).toBe('3');
    expect(quoteOf(listingEditor, { feature: 'ai-edit', resolution: '1K' }).phases?.generate).toBe('1');
    expect(quoteOf(listingEditor, { feature: 'ai-edit', resolution: '4K' }).phases?.generate).toBe('2');
  });

  it('multiplies both phases by the quantity', () => {
    expect(quoteOf(listingEditor, { feature: 'ai-edit', resolution: '4K', quantity: 3 })).toEqual({
      credits: '6',
      phases: { generate: '6', accept: '12' },
      total: '18',
      priceVersion: '2025-01-01',
    });
  });

  it.each(['color-adjustment', 'rotate', 'crop'])('offers %s free', (feature) => {
    expect(quoteOf(listingEditor, { feature })).toEqual({ credits: '0', priceVersion: '2025-01-01' });
  });

  it('has a monthly allowance per plan and top-up packs', () => {
    expect(listingEditor.plans.length).toBeGreaterThan(0);
    for (const plan of listingEditor.plans) expect(plan.monthlyCredits).toBeGreaterThan(0n);
    expect(listingEditor.packages.length).toBeGreaterThan(0);
  });
});

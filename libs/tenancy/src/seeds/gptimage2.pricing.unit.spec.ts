// GPT Image 2 Generator (seed 001): resolution prices, trial credits, packs, refreshing subscriptions.
import { formatCredits } from '@creditflow/kernel';
import { plansOf, quoteOf, seedTenant } from './seed-tenants.testing';

const gptimage2 = seedTenant('gptimage2');

describe('gptimage2 pricing (seed 001)', () => {
  it.each([
    ['1K', '10'],
    ['2K', '20'],
    ['4K', '40'],
  ])('charges text-to-image at %s %s credits', (resolution, credits) => {
    expect(quoteOf(gptimage2, { feature: 'text-to-image', resolution })).toEqual({ credits, priceVersion: '2025-01-01' });
  });

  it('multiplies by the number of images', () => {
    expect(quoteOf(gptimage2, { feature: 'text-to-image', resolution: '4K', quantity: 4 }).credits).toBe('160');
  });

  it('refuses an unknown resolution, listing the offered ones', () => {
    expect(() => quoteOf(gptimage2, { feature: 'text-to-image', resolution: '8K' })).toThrow(
      expect.objectContaining({
        code: 'PRICING.UNKNOWN_OPTION',
        details: expect.objectContaining({ field: 'resolution', value: '8K', allowed: ['1K', '2K', '4K'] }),
      }),
    );
  });

  it('gives new accounts trial credits that do not expire', () => {
    const trial = gptimage2.walletPolicy.trial;
    expect(trial && formatCredits(trial.amount)).toBe('20');
    expect(trial?.validForMs).toBeNull();
  });

  it('refreshes subscription balances each cycle: nothing rolls over', () => {
    const plans = plansOf(gptimage2);
    expect(plans.length).toBeGreaterThan(0);
    for (const plan of plans) expect(plan.rolloverCap).toBe('0');
  });

  it('restores credits when a generation fails through platform error', () => {
    expect(gptimage2.refundPolicy).toEqual({ kind: 'platform-error-restores' });
    expect(gptimage2.autoRestoreOnPlatformError).toBe(true);
  });
});

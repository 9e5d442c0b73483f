// Apinfer (seed 004): fractional prices with quality multipliers, CNY packages, alerts, refunds.
import { formatCredits } from '@creditflow/kernel';
import { packagesOf, quoteOf, seedTenant } from './seed-tenants.testing';

const apinfer = seedTenant('apinfer');

describe('apinfer pricing (seed 004)', () => {
  it.each([
    [undefined, '1.75'],
    ['standard', '1.75'],
    ['high', '2.625'],
    ['ultra', '3.5'],
  ])('charges qwen-image at quality %s %s credits, exactly', (quality, credits) => {
    expect(quoteOf(apinfer, { feature: 'qwen-image', quality })).toEqual({ credits, priceVersion: '2025-01-01' });
  });

  it.each(['1K', '2048x2048', '4K'])('charges the same at any resolution (%s)', (resolution) => {
    expect(quoteOf(apinfer, { feature: 'qwen-image', resolution, quality: 'high' }).credits).toBe('2.625');
  });

  it('multiplies fractional prices exactly', () => {
    expect(quoteOf(apinfer, { feature: 'qwen-image', quality: 'high', quantity: 3 }).credits).toBe('7.875');
    expect(quoteOf(apinfer, { feature: 'qwen-image', quantity: 1000 }).credits).toBe('1750');
  });

  it('refuses an unknown quality, listing the levels', () => {
    expect(() => quoteOf(apinfer, { feature: 'qwen-image', quality: 'max' })).toThrow(
      expect.objectContaining({ code: 'PRICING.UNKNOWN_OPTION', details: expect.objectContaining({ field: 'quality', allowed: ['standard', 'high', 'ultra'] }) }),
    );
  });

  it('sells the three packages in CNY', () => {
    expect(packagesOf(apinfer)).toEqual([
      { id: 'basic', credits: '100', price: '10.00', currency: 'CNY' },
      { id: 'standard', credits: '5000', price: '50.00', currency: 'CNY' },
      { id: 'premium', credits: '50000', price: '500.00', currency: 'CNY' },
    ]);
  });

  it('carries three decimals, alerts on low credit and can top up automatically', () => {
    expect(apinfer.precision).toBeGreaterThanOrEqual(3);
    expect(apinfer.walletPolicy.lowBalanceThreshold).toBeDefined();
    const autoTopUp = apinfer.walletPolicy.autoTopUp;
    expect(autoTopUp && { threshold: formatCredits(autoTopUp.threshold), packageId: autoTopUp.packageId }).toEqual({ threshold: '10', packageId: 'basic' });
  });

  it('refunds unused credits within 30 days of purchase', () => {
    expect(apinfer.refundPolicy).toEqual({ kind: 'unused-credits-window', windowDays: 30, rounding: 'half-even' });
  });
});

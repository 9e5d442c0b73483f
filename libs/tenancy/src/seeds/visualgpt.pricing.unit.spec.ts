// VisualGPT (seed 000): every documented feature and model price, free tools, credit types, packages.
import { HOUR_MS, formatCredits } from '@creditflow/kernel';
import { PricingError } from '@creditflow/pricing-domain';
import { packagesOf, priceOf, quoteOf, seedTenant } from './seed-tenants.testing';

const visualgpt = seedTenant('visualgpt');

describe('visualgpt pricing (seed 000)', () => {
  it.each([
    ['background-remover', '1'],
    ['watermark-remover', '1'],
    ['image-upscaler', '1'],
    ['image-extender', '2'],
    ['background-changer', '4'],
    ['headshot-generator', '4'],
    ['clothes-changer', '4'],
    ['virtual-try-on', '4'],
    ['glasses-generator', '4'],
    ['hairstyle-changer', '4'],
    ['hair-color-changer', '3'],
    ['photo-to-sketch', '5'],
    ['action-figure-generator', '4'],
    ['halloween-photoshoot-generator', '3'],
    ['room-designer', '4'],
    ['room-planner', '4'],
    ['room-decorator', '4'],
    ['room-cleaner', '3'],
    ['exterior-home-design-generator', '4'],
    ['floor-plan-generator', '4'],
    ['garden-design-generator', '4'],
    ['landscape-design', '4'],
    ['kitchen-planner', '4'],
    ['living-room-design', '4'],
    ['paint-color-visualizer', '4'],
  ])('charges %s %s credits per image', (feature, credits) => {
    expect(quoteOf(visualgpt, { feature })).toEqual({ credits, priceVersion: '2025-01-01' });
  });

  it.each([
    ['nano-banana', '4'],
    ['gempix-2', '4'],
    ['flux-kontext-pro', '5'],
    ['seedream-4.0', '3'],
  ])('prices image-editor with model %s at %s credits', (model, credits) => {
    expect(priceOf(visualgpt, { feature: 'image-editor', model })).toBe(credits);
  });

  it.each(['visual-card', 'mind-map', 'flowchart', 'infographic'])('offers %s free', (feature) => {
    expect(priceOf(visualgpt, { feature })).toBe('0');
  });

  it('multiplies by the number of images', () => {
    expect(priceOf(visualgpt, { feature: 'image-editor', model: 'flux-kontext-pro', quantity: 3 })).toBe('15');
  });

  it('refuses an image-editor quote without a model, naming the models', () => {
    expect(() => quoteOf(visualgpt, { feature: 'image-editor' })).toThrow(
      expect.objectContaining({
        code: 'PRICING.MISSING_OPTION',
        details: expect.objectContaining({ field: 'model', allowed: ['nano-banana', 'gempix-2', 'flux-kontext-pro', 'seedream-4.0'] }),
      }),
    );
    expect(() => quoteOf(visualgpt, { feature: 'image-editor', model: 'dall-e' })).toThrow(PricingError);
  });

  it('grants daily credits on login that stay valid 24 hours', () => {
    const daily = visualgpt.walletPolicy.daily;
    expect(daily?.expiry).toBe('rolling-24h');
    expect(daily && formatCredits(daily.amount)).toBe('10');
    expect(visualgpt.walletPolicy.trial).toBeUndefined();
    expect(visualgpt.walletPolicy.consumptionOrder).toEqual(['daily', 'trial', 'subscription', 'reward', 'topup']);
    expect(24 * HOUR_MS).toBe(86_400_000);
  });

  it('sells packages whose price per credit falls as they grow', () => {
    const packs = visualgpt.packages;
    for (let i = 1; i < packs.length; i++) {
      expect(packs[i].credits).toBeGreaterThan(packs[i - 1].credits);
      // price_i / credits_i < price_{i-1} / credits_{i-1}, compared exactly by cross-multiplying
      expect(packs[i].price.minor * packs[i - 1].credits).toBeLessThan(packs[i - 1].price.minor * packs[i].credits);
    }
    expect(packagesOf(visualgpt).every((p) => p.currency === 'USD')).toBe(true);
    expect(visualgpt.plans).toEqual([]);
  });

  it('refunds only system failures and a non-promotional initial payment within 24 h', () => {
    expect(visualgpt.refundPolicy).toEqual({ kind: 'initial-payment-window', windowHours: 24, excludePromotional: true, excludeDiscounted: true, systemFailureRestores: true, rounding: 'half-even' });
    expect(visualgpt.autoRestoreOnPlatformError).toBe(true);
  });
});

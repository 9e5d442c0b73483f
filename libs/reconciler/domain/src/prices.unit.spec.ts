// Pricing again from a tenant file's catalog text, as written there (config/tenants/README.md).
import { creditsText } from './amounts';
import { CatalogText, priceAgain } from './prices';

const catalogs: CatalogText[] = [
  {
    version: '2025-01-01', effectiveFrom: '2025-01-01T00:00:00Z',
    features: {
      'chat-message': { price: 1 },
      'text-to-image': { priceBy: 'resolution', prices: { '1K': 10, '2K': 20 } },
      'ai-edit': { priceBy: 'resolution', prices: { '4K': { generate: 2, accept: 4 } } },
      'qwen-image': { price: '1.75', anyValue: ['resolution'], quality: { standard: 1, high: '1.5', ultra: 2 }, defaultQuality: 'standard' },
      crop: { price: 0 },
    },
  },
  { version: '2026-07-01', effectiveFrom: '2026-07-01T00:00:00Z', features: { 'chat-message': { price: '1.5' } } },
];

const price = (version: string, feature: string, options: Record<string, unknown> = {}) => {
  const again = priceAgain(catalogs, version, feature, options);
  if (!again.ok) return again.reason;
  const { credits, phases } = again.price;
  return phases ? `${creditsText(phases.generate)}+${creditsText(phases.accept)}` : creditsText(credits);
};

describe('priceAgain', () => {
  it('prices flat, by option, phased, with a quality factor and a quantity, at the version named', () => {
    expect(price('2025-01-01', 'chat-message', { quantity: 3 })).toBe('3');
    expect(price('2026-07-01', 'chat-message', { quantity: 3 })).toBe('4.5');
    expect(price('2025-01-01', 'text-to-image', { resolution: '2K' })).toBe('20');
    expect(price('2025-01-01', 'ai-edit', { resolution: '4K', quantity: 2 })).toBe('4+8');
    expect(price('2025-01-01', 'qwen-image', { quality: 'high', resolution: '8K' })).toBe('2.625');
    expect(price('2025-01-01', 'qwen-image')).toBe('1.75');
    expect(price('2025-01-01', 'qwen-image', { quality: 'ultra', quantity: 3 })).toBe('10.5');
    expect(price('2025-01-01', 'crop')).toBe('0');
  });

  it('says why it cannot price', () => {
    expect(price('2024-01-01', 'chat-message')).toBe('the tenant file has no catalog version "2024-01-01"');
    expect(price('2026-07-01', 'qwen-image')).toBe('catalog version "2026-07-01" has no feature "qwen-image"');
    expect(price('2025-01-01', 'text-to-image', { resolution: '8K' })).toBe('feature "text-to-image" has no price for resolution "8K"');
    expect(price('2025-01-01', 'qwen-image', { quality: 'max' })).toBe('feature "qwen-image" has no quality factor for "max"');
    expect(price('2025-01-01', 'chat-message', { quantity: 0 })).toBe('quantity 0 is not a whole number above 0');
  });
});

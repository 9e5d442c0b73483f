// Amisi (seed 003): resolution, message and analysis prices; five tiers with rollover caps.
import { PricingError } from '@creditflow/pricing-domain';
import { plansOf, quoteOf, seedTenant } from './seed-tenants.testing';

const amisi = seedTenant('amisi');

describe('amisi pricing (seed 003)', () => {
  it.each([
    ['720p', '1'],
    ['1080p', '2'],
    ['4K', '3'],
    ['8K', '4'],
  ])('charges text-to-image at %s %s credits per image', (resolution, credits) => {
    expect(quoteOf(amisi, { feature: 'text-to-image', resolution })).toEqual({ credits, priceVersion: '2025-01-01' });
  });

  it('charges 1 credit per chat message sent', () => {
    expect(quoteOf(amisi, { feature: 'chat-message' }).credits).toBe('1');
    expect(quoteOf(amisi, { feature: 'chat-message', quantity: 12 }).credits).toBe('12');
  });

  it.each([
    ['basic', '1'],
    ['detailed', '2'],
  ])('charges image-to-text with %s analysis %s credits', (detail, credits) => {
    expect(quoteOf(amisi, { feature: 'image-to-text', detail }).credits).toBe(credits);
  });

  it('refuses a chat message with a resolution it does not take', () => {
    expect(() => quoteOf(amisi, { feature: 'chat-message', resolution: '4K' })).toThrow(
      expect.objectContaining({ code: 'PRICING.UNSUPPORTED_OPTION', details: expect.objectContaining({ field: 'resolution', allowed: [] }) }),
    );
    expect(() => quoteOf(amisi, { feature: 'image-to-text', detail: 'deep' })).toThrow(PricingError);
  });

  it('has the five tiers with their credits, rollover caps, member caps and prices', () => {
    expect(plansOf(amisi)).toEqual([
      { id: 'free', custom: false, monthlyCredits: '0', rolloverCap: '0', maxMembers: 1, monthly: '0.00', yearly: undefined, oneTime: '5' },
      { id: 'basic', custom: false, monthlyCredits: '20', rolloverCap: '40', maxMembers: 1, monthly: '9.99', yearly: '99.99', oneTime: undefined },
      { id: 'pro', custom: false, monthlyCredits: '50', rolloverCap: '100', maxMembers: 3, monthly: '19.99', yearly: '199.99', oneTime: undefined },
      { id: 'business', custom: false, monthlyCredits: '150', rolloverCap: '300', maxMembers: 10, monthly: '49.99', yearly: '499.99', oneTime: undefined },
      { id: 'enterprise', custom: true, monthlyCredits: null, rolloverCap: null, maxMembers: null, monthly: undefined, yearly: undefined, oneTime: undefined },
    ]);
    expect(amisi.currency).toBe('USD');
  });

  it('refunds nothing', () => {
    expect(amisi.refundPolicy.kind).toBe('none');
  });
});

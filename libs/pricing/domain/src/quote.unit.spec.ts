import fc from 'fast-check';
import { Credits, formatCredits, parseCredits } from '@creditflow/kernel';
import { thrownBy } from '@creditflow/kernel/testing';
import { Catalog, Feature } from './catalog.types';
import { MAX_QUANTITY, Quote, QuoteRequest, quote } from './quote';
import { PricingError } from './pricing.errors';

const c = (text: string): Credits => parseCredits(text);

const features: Feature[] = [
  { id: 'upscale', pricing: { kind: 'flat', price: { kind: 'single', credits: c('1') } } },
  { id: 'free-crop', pricing: { kind: 'flat', price: { kind: 'single', credits: c('0') } } },
  {
    id: 'editor',
    pricing: {
      kind: 'by-option',
      dimension: 'model',
      options: [
        { value: 'fast', price: { kind: 'single', credits: c('3') } },
        { value: 'pro', price: { kind: 'single', credits: c('5') } },
      ],
    },
  },
  {
    id: 'staging',
    pricing: {
      kind: 'by-option',
      dimension: 'resolution',
      options: [
        { value: '2K', price: { kind: 'phased', generate: c('1'), accept: c('2') } },
        { value: '4K', price: { kind: 'phased', generate: c('2'), accept: c('4') } },
      ],
    },
  },
  {
    id: 'qwen',
    pricing: { kind: 'flat', price: { kind: 'single', credits: c('1.75') } },
    quality: { levels: [{ value: 'standard', factor: '1' }, { value: 'high', factor: '1.5' }, { value: 'ultra', factor: '2' }], default: 'standard' },
    anyValueOptions: ['resolution'],
  },
  {
    id: 'strict-quality',
    pricing: { kind: 'flat', price: { kind: 'single', credits: c('2') } },
    quality: { levels: [{ value: 'draft', factor: '0.5' }, { value: 'final', factor: '1' }] },
  },
];
const catalog: Catalog = { version: 'v7', effectiveFrom: '2025-01-01T00:00:00Z', features };

function wire(q: Quote) {
  return {
    credits: formatCredits(q.credits),
    ...(q.phases ? { phases: { generate: formatCredits(q.phases.generate), accept: formatCredits(q.phases.accept) } } : {}),
    priceVersion: q.priceVersion,
  };
}

const refusal = (request: QuoteRequest, precision = 3) => thrownBy(PricingError, () => quote(catalog, request, precision));

describe('quote', () => {
  it('prices a flat feature and names the catalog version', () => {
    expect(wire(quote(catalog, { feature: 'upscale' }, 0))).toEqual({ credits: '1', priceVersion: 'v7' });
  });

  it('prices by the value of the feature’s dimension', () => {
    expect(wire(quote(catalog, { feature: 'editor', model: 'pro' }, 0)).credits).toBe('5');
  });

  it('holds the generate phase of a phased feature and reports both phases', () => {
    expect(wire(quote(catalog, { feature: 'staging', resolution: '4K' }, 0))).toEqual({
      credits: '2',
      phases: { generate: '2', accept: '4' },
      priceVersion: 'v7',
    });
  });

  it('says what a kept result of a phased feature costs (total = generate + accept), quantity included', () => {
    const kept = quote(catalog, { feature: 'staging', resolution: '4K' }, 0);
    expect(kept.total).toBe(kept.phases!.generate + kept.phases!.accept);
    expect(formatCredits(kept.total!)).toBe('6');
    expect(formatCredits(quote(catalog, { feature: 'staging', resolution: '2K', quantity: 3 }, 0).total!)).toBe('9');
    expect(quote(catalog, { feature: 'upscale' }, 0).total).toBeUndefined();
  });

  it('multiplies fractional prices by quality factors exactly: 1.75 x 1.5 = 2.625', () => {
    expect(wire(quote(catalog, { feature: 'qwen', quality: 'high' }, 3)).credits).toBe('2.625');
    expect(wire(quote(catalog, { feature: 'qwen', quality: 'ultra' }, 3)).credits).toBe('3.5');
    expect(wire(quote(catalog, { feature: 'qwen' }, 3)).credits).toBe('1.75');
  });

  it('accepts any value of an option that does not change the price', () => {
    expect(wire(quote(catalog, { feature: 'qwen', resolution: 'whatever-1x1' }, 3)).credits).toBe('1.75');
  });

  it('treats null options as absent', () => {
    expect(wire(quote(catalog, { feature: 'upscale', model: null, quantity: null }, 0)).credits).toBe('1');
  });

  it('charges nothing for a free feature, whatever the quantity', () => {
    expect(wire(quote(catalog, { feature: 'free-crop', quantity: 50 }, 0)).credits).toBe('0');
  });

  it('multiplies by the quantity, 1 by default, up to the maximum', () => {
    expect(wire(quote(catalog, { feature: 'editor', model: 'fast', quantity: 4 }, 0)).credits).toBe('12');
    expect(wire(quote(catalog, { feature: 'staging', resolution: '2K', quantity: 2 }, 0))).toEqual({
      credits: '2',
      phases: { generate: '2', accept: '4' },
      priceVersion: 'v7',
    });
    expect(wire(quote(catalog, { feature: 'upscale', quantity: MAX_QUANTITY }, 0)).credits).toBe('1000');
  });

  it.each([0, -1, 1.5, MAX_QUANTITY + 1, Number.NaN, '2', Number.POSITIVE_INFINITY])('refuses quantity %p', (quantity) => {
    const error = refusal({ feature: 'upscale', quantity: quantity as number });
    expect(error.code).toBe('PRICING.INVALID_QUANTITY');
    expect(error.details).toMatchObject({ field: 'quantity', min: 1, max: MAX_QUANTITY });
  });

  it('refuses an unknown feature, listing the catalog’s features', () => {
    const error = refusal({ feature: 'teleport' });
    expect(error.code).toBe('PRICING.UNKNOWN_FEATURE');
    expect(error.details).toEqual({ field: 'feature', value: 'teleport', allowed: features.map((f) => f.id) });
  });

  it('refuses a missing value of the priced dimension, listing the values', () => {
    const error = refusal({ feature: 'editor' });
    expect(error.code).toBe('PRICING.MISSING_OPTION');
    expect(error.details).toEqual({ feature: 'editor', field: 'model', allowed: ['fast', 'pro'] });
  });

  it('refuses an unknown value of the priced dimension, listing the values', () => {
    const error = refusal({ feature: 'staging', resolution: '8K' });
    expect(error.code).toBe('PRICING.UNKNOWN_OPTION');
    expect(error.details).toEqual({ feature: 'staging', field: 'resolution', value: '8K', allowed: ['2K', '4K'] });
    expect(error.message).toContain('resolution "8K"');
  });

  it('refuses an option the feature does not take, naming the ones it takes', () => {
    const error = refusal({ feature: 'editor', model: 'pro', resolution: '4K' });
    expect(error.code).toBe('PRICING.UNSUPPORTED_OPTION');
    expect(error.details).toEqual({ feature: 'editor', field: 'resolution', value: '4K', allowed: ['model'] });
    expect(refusal({ feature: 'upscale', quality: 'high' }).details).toMatchObject({ field: 'quality', allowed: [] });
    expect(refusal({ feature: 'qwen', detail: 'basic' }).details).toMatchObject({ field: 'detail', allowed: ['resolution', 'quality'] });
  });

  it('requires a quality when the feature has levels and no default', () => {
    expect(refusal({ feature: 'strict-quality' }).code).toBe('PRICING.MISSING_OPTION');
    expect(wire(quote(catalog, { feature: 'strict-quality', quality: 'draft' }, 0)).credits).toBe('1');
    const error = refusal({ feature: 'qwen', quality: 'max' });
    expect(error.code).toBe('PRICING.UNKNOWN_OPTION');
    expect(error.details).toMatchObject({ field: 'quality', allowed: ['standard', 'high', 'ultra'] });
  });

  it('never rounds: a product the precision cannot carry is a configuration fault', () => {
    expect(refusal({ feature: 'qwen', quality: 'high' }, 2).code).toBe('PRICING.INEXACT_PRICE');
  });
});

// Property: quantity only multiplies. quote(q, n) = n x quote(q, 1) for every feature, option and
// quality of the catalog above, in both the held credits and each phase; and a quote is never negative.
describe('quote quantity', () => {
  const request: fc.Arbitrary<QuoteRequest> = fc.oneof(
    fc.constantFrom({ feature: 'upscale' }, { feature: 'free-crop' }),
    fc.constantFrom('fast', 'pro').map((model) => ({ feature: 'editor', model })),
    fc.constantFrom('2K', '4K').map((resolution) => ({ feature: 'staging', resolution })),
    fc.option(fc.constantFrom('standard', 'high', 'ultra'), { nil: undefined }).map((quality) => ({ feature: 'qwen', quality })),
    fc.constantFrom('draft', 'final').map((quality) => ({ feature: 'strict-quality', quality })),
  );

  it('quote(q, n) equals n x quote(q, 1)', () => {
    fc.assert(
      fc.property(request, fc.integer({ min: 1, max: MAX_QUANTITY }), (req, n) => {
        const one = quote(catalog, { ...req, quantity: 1 }, 3);
        const many = quote(catalog, { ...req, quantity: n }, 3);
        const times = BigInt(n);
        expect(many.credits).toBe(one.credits * times);
        expect(many.credits >= 0n).toBe(true);
        if (one.phases) {
          expect(many.phases).toEqual({ generate: one.phases.generate * times, accept: one.phases.accept * times });
          expect(many.credits).toBe(many.phases?.generate);
        } else {
          expect(many.phases).toBeUndefined();
        }
        expect(quote(catalog, req, 3)).toEqual(one);
      }),
      { seed: 20250101, numRuns: 500 },
    );
  });
});

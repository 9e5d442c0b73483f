// Property: quantity only multiplies. quote(q, n) = n x quote(q, 1) for every feature, option and
// quality, in both the held credits and each phase; and a quote is never negative.
import fc from 'fast-check';
import { parseCredits } from '@creditflow/kernel';
import { Catalog, Feature } from './catalog.types';
import { MAX_QUANTITY, QuoteRequest, quote } from './quote';

const c = (text: string) => parseCredits(text);
const features: Feature[] = [
  { id: 'flat', pricing: { kind: 'flat', price: { kind: 'single', credits: c('4') } } },
  { id: 'free', pricing: { kind: 'flat', price: { kind: 'single', credits: c('0') } } },
  {
    id: 'by-res',
    pricing: {
      kind: 'by-option',
      dimension: 'resolution',
      options: [
        { value: '1K', price: { kind: 'phased', generate: c('1'), accept: c('2') } },
        { value: '4K', price: { kind: 'phased', generate: c('2'), accept: c('4') } },
      ],
    },
  },
  {
    id: 'fractional',
    pricing: { kind: 'flat', price: { kind: 'single', credits: c('1.75') } },
    quality: { levels: [{ value: 'standard', factor: '1' }, { value: 'high', factor: '1.5' }, { value: 'ultra', factor: '2' }], default: 'standard' },
  },
];
const catalog: Catalog = { version: 'p1', effectiveFrom: '2025-01-01T00:00:00Z', features };

const request: fc.Arbitrary<QuoteRequest> = fc.oneof(
  fc.constant({ feature: 'flat' }),
  fc.constant({ feature: 'free' }),
  fc.constantFrom('1K', '4K').map((resolution) => ({ feature: 'by-res', resolution })),
  fc.option(fc.constantFrom('standard', 'high', 'ultra'), { nil: undefined }).map((quality) => ({ feature: 'fractional', quality })),
);

describe('quote quantity', () => {
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

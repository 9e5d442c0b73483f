import { parseCredits } from '@creditflow/kernel';
import { Catalog, Feature } from './catalog.types';
import { validateCatalog, validateCatalogVersions } from './catalog.validate';

const c = (text: string) => parseCredits(text);
const flat = (id: string, amount: string, extra: Partial<Feature> = {}): Feature => ({
  id,
  pricing: { kind: 'flat', price: { kind: 'single', credits: c(amount) } },
  ...extra,
});
const catalog = (features: Feature[], extra: Partial<Catalog> = {}): Catalog => ({
  version: 'v1',
  effectiveFrom: '2025-01-01T00:00:00Z',
  features,
  ...extra,
});

describe('validateCatalog', () => {
  it('accepts the apinfer shape at precision 3', () => {
    const qwen = flat('qwen', '1.75', { quality: { levels: [{ value: 'standard', factor: '1' }, { value: 'high', factor: '1.5' }], default: 'standard' } });
    expect(validateCatalog(catalog([qwen]), 3)).toEqual([]);
  });

  it('refuses a quality factor whose product the precision cannot carry, naming the level', () => {
    const qwen = flat('qwen', '1.75', { quality: { levels: [{ value: 'high', factor: '1.5' }] } });
    expect(validateCatalog(catalog([qwen]), 2)).toEqual([
      { path: 'features.qwen.quality.high', message: 'price 1.75 x 1.5 needs more than 2 decimal places' },
    ]);
  });

  it('refuses prices finer than the precision, duplicate features, mixed phases and a bad default quality', () => {
    const mixed: Feature = {
      id: 'edit',
      pricing: {
        kind: 'by-option',
        dimension: 'resolution',
        options: [
          { value: '1K', price: { kind: 'phased', generate: c('1'), accept: c('2') } },
          { value: '4K', price: { kind: 'single', credits: c('4') } },
        ],
      },
      anyValueOptions: ['resolution'],
    };
    const problems = validateCatalog(
      catalog([flat('a', '0.5'), flat('a', '1'), mixed, flat('q', '1', { quality: { levels: [{ value: 'hi', factor: '2' }], default: 'lo' } })], {
        effectiveFrom: 'soon',
      }),
      0,
    );
    expect(problems.map((p) => p.path)).toEqual([
      'effectiveFrom',
      'features.a.price',
      'features.a',
      'features.edit.prices',
      'features.edit.anyValue',
      'features.q.defaultQuality',
    ]);
  });

  it('refuses two versions with the same id or the same instant', () => {
    const problems = validateCatalogVersions(
      [catalog([]), catalog([], { version: 'v1', effectiveFrom: '2025-02-01T00:00:00Z' }), catalog([], { version: 'v2' })],
      0,
    );
    expect(problems).toEqual([
      { path: '[1].version', message: 'version "v1" appears twice' },
      { path: '[2].effectiveFrom', message: 'version "v2" takes effect at the same instant as "v1"' },
    ]);
    expect(validateCatalogVersions([], 0)).toEqual([{ path: '', message: 'at least one catalog version is required' }]);
  });
});

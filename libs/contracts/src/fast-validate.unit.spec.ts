import fc from 'fast-check';
import { CloudEventEnvelope } from './cloud-event';
import { surelyValidAuthorize, surelyValidEnvelope, surelyValidPricedUsage, surelyValidUsageStep, validateAuthorize, validateEnvelope, validatePricedUsage, validateUsageStep } from './fast-validate';
import { AuthorizeUsageRequest, PricedUsage, UsageStepRequest } from './usage/usage.messages';
import { reservedKeyIn, validatePayload } from './validate';

const envelope = {
  specversion: '1.0', id: 'authorize-u1', source: 'bench', type: 'creditflow.usage.authorize', subject: 'acc-1', time: '2026-12-03T07:00:00.123Z',
  datacontenttype: 'application/json', tenantid: 'apinfer', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', causationid: 'x:1',
  data: { usageId: 'u1', accountId: 'acc-1', feature: 'qwen-image' },
};
const priced = {
  action: 'authorize', usageId: 'u1', accountId: 'acc-1', userId: 'alice', feature: 'qwen-image', options: { quality: 'high', quantity: 2 },
  price: { credits: '2.625', phases: { generate: '1', accept: '1.625' }, priceVersion: '2025-01-01' },
};
const authorize = { usageId: 'u1', accountId: 'acc-1', userId: 'alice', feature: 'qwen-image', model: 'm', resolution: '1k', quality: 'high', detail: 'd', quantity: 3 };
const step = { usageId: 'u1', accountId: 'acc-1', reason: 'cancelled' };
const refused = { action: 'authorize', usageId: 'u2', accountId: 'acc-1', error: { error: 'unknown_feature', message: 'no such feature', details: { feature: 'x' } } };

/** Values a field may be replaced with: the edge cases of every decorator involved. */
const odd = fc.oneof(
  fc.constantFrom(
    null, undefined, '', ' ', '1.0', 1, 0, -1, 1.5, 10_000, 10_001, true, [], {}, ['a'], 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(128), 'x'.repeat(129),
    'x'.repeat(200), 'x'.repeat(201), 'x'.repeat(400), 'x'.repeat(401), 'x'.repeat(512), 'x'.repeat(513), 'x'.repeat(1024), 'x'.repeat(1025),
    '2026-12-03T07:00:00Z', '2026-12-03', '2026-13-03T07:00:00Z', '2026-12-03T24:00:00Z', '2026-12-03T07:00:00+01:00', 'not a time',
    'creditflow.usage.authorize', 'creditflow.Usage.x', 'apinfer', 'Apinfer', '-x', 'authorize', 'complete', 'nope', 'platform_error', 'cancelled',
    '2.625', '1.1234567', '1234567890123456', 'u1', 'u 1', '_u', 'a'.repeat(128), 'a'.repeat(129), 'application/json', 'text/plain', '__proto__',
    { credits: '1', priceVersion: 'v' }, { generate: '1', accept: '2' }, { error: 'e', message: 'm' }, { model: 'm' }, { quantity: 0 },
  ),
  fc.string({ maxLength: 20 }),
  fc.integer(),
);

/** `base` with a few fields (at any depth) replaced, removed or added. */
function mutated(base: Record<string, unknown>) {
  const paths: string[][] = [];
  const walk = (v: unknown, path: string[]) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, c] of Object.entries(v)) { paths.push([...path, k]); walk(c, [...path, k]); }
  };
  walk(base, []);
  const change = fc.record({ path: fc.constantFrom(...paths), key: fc.constantFrom('extra', 'constructor', 'model', 'phases', 'details'), how: fc.constantFrom('set', 'delete', 'add'), value: odd });
  return fc.array(change, { maxLength: 3 }).map((changes) => {
    const copy = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
    for (const { path, key, how, value } of changes) {
      let node: Record<string, unknown> = copy;
      for (const k of path.slice(0, -1)) {
        const next = node[k];
        if (!next || typeof next !== 'object') return copy;
        node = next as Record<string, unknown>;
      }
      const last = path[path.length - 1];
      if (how === 'delete') delete node[last];
      else if (how === 'set') node[last] = value;
      else if (typeof node === 'object') Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
    }
    return JSON.parse(JSON.stringify(copy));
  });
}

describe('the fast checks of consumed payloads', () => {
  it('vouch for what the platform writes', () => {
    expect(surelyValidEnvelope(envelope)).toBe(true);
    expect(surelyValidPricedUsage(priced)).toBe(true);
    expect(surelyValidPricedUsage(refused)).toBe(true);
    expect(surelyValidPricedUsage({ action: 'complete', usageId: 'u1', accountId: 'acc-1' })).toBe(true);
    expect(surelyValidAuthorize(authorize)).toBe(true);
    expect(surelyValidAuthorize({ usageId: 'u1', accountId: 'acc-1', feature: 'qwen-image' })).toBe(true);
    expect(surelyValidUsageStep(step)).toBe(true);
    expect(surelyValidUsageStep({ usageId: 'u1' })).toBe(true);
  });

  it('never vouch for anything the class-validator contract refuses (reserved keys are checked beside them, as validatePayload does)', () => {
    for (const [base, surely, cls] of [
      [envelope, surelyValidEnvelope, CloudEventEnvelope],
      [priced, surelyValidPricedUsage, PricedUsage],
      [refused, surelyValidPricedUsage, PricedUsage],
      [authorize, surelyValidAuthorize, AuthorizeUsageRequest],
      [step, surelyValidUsageStep, UsageStepRequest],
    ] as const) {
      fc.assert(
        fc.property(mutated(base), (value) => {
          if (surely(value) && reservedKeyIn(value) === null) expect(validatePayload(cls as new () => object, value)).toMatchObject({ ok: true });
        }),
        { seed: 14, numRuns: 3000 },
      );
    }
  });

  it('answer as validatePayload does, problems included, for everything else', () => {
    fc.assert(
      fc.property(mutated(envelope), (value) => {
        const fast = validateEnvelope(value);
        const full = validatePayload(CloudEventEnvelope, value);
        expect(fast.ok).toBe(full.ok);
        if (!fast.ok && !full.ok) expect(fast.problems).toEqual(full.problems);
      }),
      { seed: 15, numRuns: 1000 },
    );
    fc.assert(
      fc.property(mutated(priced), (value) => {
        const fast = validatePricedUsage(value);
        const full = validatePayload(PricedUsage, value);
        expect(fast.ok).toBe(full.ok);
        if (!fast.ok && !full.ok) expect(fast.problems).toEqual(full.problems);
      }),
      { seed: 16, numRuns: 1000 },
    );
    for (const [base, fast, cls] of [
      [authorize, validateAuthorize, AuthorizeUsageRequest],
      [step, validateUsageStep, UsageStepRequest],
    ] as const) {
      fc.assert(
        fc.property(mutated(base), (value) => {
          const answer = (fast as (v: unknown) => { ok: boolean; problems?: string[] })(value);
          const full = validatePayload(cls as new () => object, value);
          expect(answer.ok).toBe(full.ok);
          if (!answer.ok && !full.ok) expect(answer.problems).toEqual(full.problems);
        }),
        { seed: 17, numRuns: 1000 },
      );
    }
  });

  it('leave reserved keys and deep nesting to the full validation', () => {
    const proto = JSON.parse('{"action":"complete","usageId":"u1","accountId":"a","__proto__":{"x":1}}');
    expect(surelyValidPricedUsage(proto)).toBe(false);
    expect(validatePricedUsage(proto).ok).toBe(false);
    let deep: Record<string, unknown> = {};
    const root = { ...envelope, data: deep };
    for (let i = 0; i < 40; i++) deep = (deep.x = {}) as Record<string, unknown>;
    expect(validateEnvelope(root).ok).toBe(false);
  });
});

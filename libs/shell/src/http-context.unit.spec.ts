import { HttpContextRegistry } from './http-context';

describe('the registry of error statuses the contexts declare', () => {
  const registry = () => {
    const r = new HttpContextRegistry();
    r.register({ errorStatus: { 'WALLET.ACCOUNT_NOT_FOUND': 404, 'PRICING.*': 400, 'PRICING.NO_CATALOG': 500 } });
    return r;
  };

  it('answers a code with its context’s status, a family with the family’s, the exact code first', () => {
    expect(registry().statusOf('WALLET.ACCOUNT_NOT_FOUND')).toBe(404);
    expect(registry().statusOf('PRICING.UNKNOWN_FEATURE')).toBe(400);
    expect(registry().statusOf('PRICING.NO_CATALOG')).toBe(500);
  });

  it('answers a code no context names as a refused business rule (422)', () => {
    expect(registry().statusOf('WALLET.TRANSFER_REFUSED')).toBe(422);
    expect(registry().statusOf('TENANT.UNKNOWN')).toBe(422);
  });

  it('maps the shared kernel’s malformed amounts and money to 400 without any context', () => {
    expect(new HttpContextRegistry().statusOf('AMOUNT.INVALID')).toBe(400);
    expect(new HttpContextRegistry().statusOf('MONEY.UNKNOWN_CURRENCY')).toBe(400);
  });

  it('accepts two contexts that agree on a code and refuses two that do not', () => {
    const r = registry();
    expect(() => r.register({ errorStatus: { 'PRICING.*': 400 } })).not.toThrow();
    expect(() => r.register({ errorStatus: { 'PRICING.*': 422 } })).toThrow(/PRICING\.\* is mapped to both 400 and 422/);
  });

  it('collects the named schemas and refuses one name defined two ways', () => {
    const r = registry();
    r.register({ schemas: { Lot: { type: 'object' } } });
    r.register({ schemas: { Lot: { type: 'object' } } });
    expect(r.schemas()).toEqual({ Lot: { type: 'object' } });
    expect(() => r.register({ schemas: { Lot: { type: 'string' } } })).toThrow(/Lot/);
  });
});

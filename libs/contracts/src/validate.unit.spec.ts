import { PurchaseRequest } from './payments/payments.messages';
import { validatePayload } from './validate';

describe('validatePayload', () => {
  const purchase = { purchaseId: 'p1', accountId: 'a1', packageId: 'basic', amountPaid: '10', currency: 'CNY' };
  const withField = (field: string) => JSON.parse(`${JSON.stringify(purchase).slice(0, -1)},${field}}`);

  it('accepts a valid body', () => {
    expect(validatePayload(PurchaseRequest, purchase)).toMatchObject({ ok: true });
  });

  it.each(['"__proto__":{"admin":true}', '"constructor":{"prototype":{"x":1}}', '"toString":1', '"valueOf":"x"', '"hasOwnProperty":1', '"__defineGetter__":1'])(
    'refuses a field named like an Object.prototype member (%s), which class-transformer used to skip unseen',
    (field) => {
      const result = validatePayload(PurchaseRequest, withField(field));
      expect(result).toEqual({ ok: false, problems: [`property ${field.slice(1, field.indexOf('"', 1))} should not exist`] });
    },
  );

  it('refuses such a key nested in a value too', () => {
    expect(validatePayload(PurchaseRequest, withField('"extra":{"a":[{"__proto__":{"x":1}}]}'))).toMatchObject({ ok: false, problems: ['property __proto__ should not exist'] });
  });

  it('refuses any other unknown field as before', () => {
    expect(validatePayload(PurchaseRequest, withField('"extra":1'))).toEqual({ ok: false, problems: ['extra: property extra should not exist'] });
  });
});

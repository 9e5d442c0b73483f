// Response schemas of the refund routes, for the OpenAPI document (see libs/shell/src/openapi.ts).
import { oa } from '@creditflow/shell';

export const RefundSchema = oa.object(
  {
    refundId: oa.string,
    accountId: oa.string,
    purchaseId: oa.string,
    usageId: oa.string,
    status: oa.enum('approved', 'denied'),
    rule: { type: 'string', description: 'The stable code of the rule that decided.' },
    reason: { type: 'string', description: 'Why, in words.' },
    policy: { type: 'string', description: "The tenant's refund policy." },
    money: oa.money,
    moneyUnrounded: { ...oa.object({ amount: oa.string, currency: oa.string }), description: '`money` before rounding to the minor unit (exact, or cut after 12 decimals).' },
    rounding: oa.enum('half-even', 'half-up', 'down'),
    creditsRestored: oa.credits,
    creditsClawedBack: oa.credits,
    lotId: oa.string,
    settlement: oa.enum('pending', 'settled', 'voided'),
    voided: oa.object({ rule: oa.string, reason: oa.string, unused: oa.credits, at: oa.time }),
    decidedAt: oa.time,
  },
  ['purchaseId', 'usageId', 'money', 'moneyUnrounded', 'rounding', 'creditsRestored', 'creditsClawedBack', 'lotId', 'settlement', 'voided'],
);

export const PurchasesSchema = oa.object({
  accountId: oa.string,
  walletRevision: oa.string,
  purchases: oa.array(
    oa.object(
      {
        purchaseId: oa.string, lotId: oa.string, credits: oa.credits, unused: oa.credits, paid: oa.money,
        purchasedAt: oa.time, promotional: oa.boolean,
        listPrice: { ...oa.nullable(oa.money), description: "The package's list price when bought (null for purchases recorded before it was kept)." },
        discounted: { type: 'boolean', description: 'Paid below the list price.' },
        discountCode: oa.string, contractId: oa.string, initialPayment: oa.boolean,
      },
      ['discountCode', 'contractId'],
    ),
  ),
});

// Response schemas of the pricing routes, for the OpenAPI document (see libs/shell/src/openapi.ts).
import { oa } from '@creditflow/shell';

const phases = oa.object({ generate: oa.credits, accept: oa.credits });
const unitPrice = { credits: oa.credits, phases };

export const CatalogSchema = oa.object({
  tenant: oa.string,
  priceVersion: oa.string,
  effectiveFrom: oa.time,
  features: oa.array(
    oa.object(
      {
        id: oa.string,
        title: oa.string,
        ...unitPrice,
        by: { type: 'string', description: 'The option that sets the price (model, resolution, ...).' },
        options: oa.array(oa.object({ value: oa.string, ...unitPrice }, ['credits', 'phases'])),
        quality: oa.array(oa.object({ value: oa.string, factor: { type: 'string', example: '1.5' } })),
        defaultQuality: oa.string,
        anyValueOptions: oa.array(oa.string),
      },
      ['title', 'credits', 'phases', 'by', 'options', 'quality', 'defaultQuality', 'anyValueOptions'],
    ),
  ),
  packages: oa.array(oa.object({ id: oa.string, credits: oa.credits, price: oa.money })),
  plans: oa.array(
    oa.object(
      {
        id: oa.string,
        monthlyCredits: oa.nullableCredits,
        rolloverCap: oa.nullableCredits,
        maxMembers: oa.nullable(oa.integer),
        prices: oa.object({ monthly: oa.money, yearly: oa.money }, ['monthly', 'yearly']),
        oneTime: oa.credits,
        custom: oa.boolean,
      },
      ['oneTime', 'custom'],
    ),
  ),
});

/** `credits` is what authorization holds (a phased feature's generate phase); `total` (phased only) what a kept result costs. */
export const QuoteSchema = oa.object({ credits: oa.credits, phases, total: oa.credits, priceVersion: oa.string }, ['phases', 'total']);

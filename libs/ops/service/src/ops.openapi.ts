// Response schemas of the ops routes, for the OpenAPI document (see libs/shell/src/openapi.ts).
import { oa } from '@creditflow/shell';
import { USAGE_GROUPS } from '@creditflow/ops-projections';
import { LOT_TYPES } from '@creditflow/wallet-domain';

const range = { from: oa.day, to: oa.day };

export const UsageReportSchema = oa.object({
  groupBy: oa.enum(...USAGE_GROUPS),
  ...range,
  rows: oa.array({
    ...oa.object({ uses: oa.integer, credits: oa.credits }),
    description: 'Each row also has the group value under the groupBy name, e.g. {"feature": "qwen-image", "uses": 3, "credits": "5.25"}.',
    additionalProperties: oa.string,
  }),
});

const balanceRow = oa.object({
  accountId: oa.string,
  type: oa.enum('personal', 'team'),
  available: oa.credits,
  held: oa.credits,
  byType: oa.creditsBy(LOT_TYPES),
  revision: { type: 'string', description: "The account stream's revision this row reflects." },
  updatedAt: oa.time,
});

export const BalancesSchema = oa.object({ balances: oa.array(balanceRow) });

export const LowBalanceSchema = oa.object({ threshold: oa.nullableCredits, accounts: oa.array(balanceRow) });

export const CreditFlowsSchema = oa.object({
  ...range,
  days: oa.array(oa.object({ day: oa.day, granted: oa.credits, consumed: oa.credits, expired: oa.credits, refunded: oa.credits })),
});

export const UsageByDaySchema = oa.object({ ...range, rows: oa.array(oa.object({ day: oa.day, feature: oa.string, uses: oa.integer, credits: oa.credits })) });

export const RefundsSchema = oa.object({
  refunds: oa.array(
    oa.object({
      id: oa.string,
      accountId: oa.string,
      usageId: oa.nullable(oa.string),
      kind: { type: 'string', example: 'restoration' },
      credits: oa.credits,
      reason: { type: 'string', example: 'REFUND.PLATFORM_ERROR_RESTORED' },
      at: oa.time,
    }),
  ),
});

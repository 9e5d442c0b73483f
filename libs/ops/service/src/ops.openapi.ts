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

const counted = { uses: oa.integer, credits: oa.credits };

export const UsageOutcomesSchema = oa.object({
  ...range,
  totals: oa.object({
    authorized: { type: 'integer', description: 'Usages authorized (holds placed).' },
    completed: { type: 'integer', description: 'Holds captured.' },
    failed: { type: 'integer', description: 'Failures of every reason, before completion (the hold released) or after it.' },
    platformErrors: { type: 'integer', description: 'Failures with reason platform_error, before or after completion.' },
    timedOut: { type: 'integer', description: "Holds released because nobody completed them within the tenant's hold timeout." },
    denied: { type: 'integer', description: 'Authorizations (or accept phases) refused for insufficient credits.' },
    rejected: { type: 'integer', description: 'Results rejected (phased usages).' },
  }),
  platformErrorRate: oa.object({
    errors: oa.integer,
    authorized: oa.integer,
    rate: { type: 'string', nullable: true, example: '0.0345', description: 'errors / authorized, 4 decimals (half up); null without usages.' },
  }),
  failuresByReason: oa.array(oa.object({ reason: oa.enum('platform_error', 'cancelled', 'timeout'), stage: oa.enum('before-completion', 'after-completion'), ...counted })),
  failuresByFeature: oa.array(oa.object({ feature: oa.string, reason: oa.enum('platform_error', 'cancelled', 'timeout'), ...counted })),
  denialsByFeature: oa.array(oa.object({ feature: oa.string, phase: oa.enum('generate', 'accept'), uses: oa.integer, credits: { ...oa.credits, description: 'Credits the denied usages required.' } })),
  timeoutsByFeature: oa.array(oa.object({ feature: oa.string, ...counted })),
  days: oa.array(oa.object({ day: oa.day, authorized: oa.integer, completed: oa.integer, failed: oa.integer, platformErrors: oa.integer, timedOut: oa.integer, denied: oa.integer })),
});

const amount = { amount: { type: 'string', example: '39.99', description: 'Exact decimal in the currency (its minor unit).' }, currency: { type: 'string', example: 'USD' } };

export const MoneySchema = oa.object({
  ...range,
  currency: { type: 'string', example: 'USD', description: "The tenant's currency." },
  revenue: oa.object({
    total: oa.array(oa.object({ ...amount, purchases: oa.integer, listAmount: { type: 'string', description: 'The same purchases at their list prices.' } })),
    byPackage: oa.array(
      oa.object({
        packageId: { type: 'string', nullable: true, description: "The package with the lot's credits and list price; null when none in today's catalog matches." },
        credits: oa.credits,
        purchases: oa.integer,
        ...amount,
        listAmount: oa.string,
      }),
    ),
    byPlan: oa.array(oa.object({ planId: { type: 'string', nullable: true, description: 'The plan the buying account was on; null: none.' }, purchases: oa.integer, ...amount })),
  }),
  subscriptionGrants: {
    ...oa.array(oa.object({ planId: oa.nullable(oa.string), lotType: oa.string, grants: oa.integer, credits: oa.credits })),
    description: 'Subscription grants by plan. The payment side bills plans; their grants carry no price, so plans bring no revenue figure here.',
  },
  refunds: oa.object({
    rounding: oa.enum('half-even', 'half-up', 'down'),
    total: oa.array(oa.object({ ...amount, refunds: oa.integer, credits: oa.credits })),
  }),
  breakage: oa.object({
    total: oa.array(oa.object({ ...amount, amountUnrounded: { type: 'string', example: '1.9985', description: 'Before rounding (exact, or cut after 12 decimals).' }, credits: oa.credits })),
    unpricedCredits: { ...oa.credits, description: 'Expired credits of lots that cost nothing (daily, trial, reward, subscription): breakage without money.' },
  }),
  days: oa.array(oa.object({ day: oa.day, revenue: oa.array(oa.object(amount)), refunds: oa.array(oa.object(amount)), breakage: oa.array(oa.object(amount)) })),
});

export const ProjectionStatusSchema = oa.object({
  now: { ...oa.time, description: "The platform's clock." },
  mode: oa.enum('embedded', 'distributed'),
  position: { type: 'string', description: 'The store position of the last wallet event the read models applied.' },
  pending: { type: 'integer', nullable: true, description: 'Wallet events in the store not applied yet (null where the store cannot count: EventStoreDB).' },
  lastEventAt: { ...oa.nullable(oa.time), description: "When this tenant's latest applied event was stored." },
  events: { type: 'integer', description: "This tenant's events applied." },
});

const signedCredits = { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$', example: '34' } as const;

export const SimulationSchema = oa.object({
  tenantId: oa.string,
  from: oa.time,
  to: oa.time,
  accounts: oa.integer,
  rows: oa.array(oa.object({ feature: oa.string, plan: oa.string, usages: oa.integer, recordedCredits: oa.credits, candidateCredits: oa.credits, change: signedCredits })),
  totals: oa.object({ recordedCredits: oa.credits, candidateCredits: oa.credits, change: signedCredits }),
  denials: oa.object({ recorded: oa.integer, candidate: oa.integer }),
  accountsRanOut: oa.object({
    recorded: oa.integer,
    candidate: oa.integer,
    candidateEarlier: oa.array(oa.object({ accountId: oa.string, recorded: oa.nullable(oa.time), candidate: oa.time })),
  }),
  breakage: oa.object({
    recordedCredits: oa.credits, candidateCredits: oa.credits,
    recordedMoney: { type: 'object', additionalProperties: { type: 'string' }, description: 'By currency: expired credits of bought lots at their price.' },
    candidateMoney: { type: 'object', additionalProperties: { type: 'string' } },
  }),
  clawedBack: {
    ...oa.object({
      recordedCredits: oa.credits, candidateCredits: oa.credits,
      recordedMoney: { type: 'object', additionalProperties: { type: 'string' }, description: "By currency: what the claw-backs pay back (credits x the purchase's price per credit, at the refund policy's rounding)." },
      candidateMoney: { type: 'object', additionalProperties: { type: 'string' } },
    }),
    description: 'Refunds owed: credits clawed back by refunds, and their money.',
  },
  revenue: {
    ...oa.object({ recordedMoney: { type: 'object', additionalProperties: { type: 'string' } }, candidateMoney: { type: 'object', additionalProperties: { type: 'string' } } }),
    description: 'By currency: what purchases in the period paid. Purchases are replayed as made, so both sides agree.',
  },
  notReplayed: { type: 'object', additionalProperties: { type: 'integer' }, description: 'Recorded events the candidate could not replay, by reason.' },
});

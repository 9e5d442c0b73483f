// Response schemas of the wallet's HTTP routes, for the OpenAPI document (see libs/shell/src/openapi.ts).
import { ApiResponse } from '@nestjs/swagger';
import { oa } from '@creditflow/shell';
import { LOT_TYPES } from '@creditflow/wallet-domain';

const lotType = oa.enum(...LOT_TYPES);

/** The wallet's named schemas, registered with the shell by WalletModule. */
export const WALLET_SCHEMAS = {
  InsufficientCredits: oa.object(
    { usageId: oa.string, error: oa.enum('insufficient_credits'), message: oa.string, required: oa.credits, available: oa.credits },
    ['usageId', 'message'],
  ),
  MemberSpendingLimit: oa.object(
    {
      usageId: oa.string, error: oa.enum('member_spending_limit'), message: oa.string, required: oa.credits, limit: oa.credits, spent: oa.credits,
      month: { type: 'string', example: '2026-12', description: 'The UTC calendar month the limit counts.' }, resetsAt: oa.time,
    },
    ['message'],
  ),
  RateLimited: oa.object(
    {
      usageId: oa.string, error: oa.enum('rate_limited'), message: oa.string, required: oa.credits,
      rateLimit: { type: 'string', description: "The tenant file's rate limit (wallet.rateLimits) that refused it." },
      limit: { type: 'integer', description: 'Authorizations it allows per window.' }, per: oa.enum('minute', 'hour', 'day'),
      retryAt: { ...oa.time, description: 'When an authorization will be allowed again (the oldest counted one leaves the rolling window).' },
    },
    ['message'],
  ),
};

/** Where a usage's credits came from: allowances, then lots, in order; the amounts sum to the step's credits. */
export const PaidFromSchema = oa.array(
  oa.object({ source: { type: 'string', example: 'allowance:images-hourly', description: '`allowance:<id>` or `lot:<lotId>`' }, amount: oa.credits }),
);

/** Documents the 429 of authorize under a hard rate limit of the tenant (wallet.rateLimits). */
export const ApiRateLimited = () =>
  ApiResponse({
    status: 429,
    description: 'Denied by a rate limit of the tenant or plan (`rate_limited`): nothing was spent; `retryAt` (and `Retry-After`) says when another authorization is allowed. The usage id stays denied: retry with a new one.',
    schema: oa.ref('RateLimited'),
  });

/** Documents the 402 of a usage step that may not be paid: its own shape, the credits required and available. */
export const ApiUsageDenied = () =>
  ApiResponse({
    status: 402,
    description:
      "Denied: insufficient credits (`insufficient_credits`, with the credits required and available), or the member's monthly spending limit on a team account (`member_spending_limit`, with the limit, what the member spent this month and when it resets).",
    schema: { oneOf: [oa.ref('InsufficientCredits'), oa.ref('MemberSpendingLimit')] },
  });

export const MembersSchema = oa.object({
  accountId: oa.string,
  month: { type: 'string', example: '2026-12', description: 'The UTC calendar month the limits count.' },
  resetsAt: oa.time,
  members: oa.array(
    oa.object({ userId: oa.string, monthlyLimit: oa.nullableCredits, spent: oa.credits, remaining: oa.nullableCredits }),
  ),
});

export const LotSchema = oa.object({
  lotId: oa.string,
  type: lotType,
  amount: oa.credits,
  remaining: oa.credits,
  grantedAt: oa.time,
  expiresAt: oa.nullable(oa.time),
  costBasis: oa.nullable(
    oa.object(
      {
        paidMinor: { type: 'string', description: 'The price paid, in minor units of the currency.' },
        currency: oa.string,
        promotional: oa.boolean,
        listPriceMinor: { type: 'string', description: "The package's list price when bought, in minor units (lots bought before it was recorded have none)." },
        discounted: { type: 'boolean', description: 'Paid below the list price.' },
        discountCode: oa.string,
        contractId: oa.string,
      },
      ['listPriceMinor', 'discounted', 'discountCode', 'contractId'],
    ),
  ),
  source: oa.object({ kind: oa.string, id: oa.string }),
});

const ForecastSchema = oa.object({
  since: { ...oa.day, description: 'The first UTC day of the span the burn rate is measured over (the window, or the day the account was opened).' },
  spent: oa.credits,
  perDay: oa.credits,
  runsOutInDays: { type: 'number', nullable: true, description: 'At this pace, with what is available now, rounded down to a tenth; null when nothing is spent.' },
  runsOutAt: oa.nullable(oa.time),
});

/** Who or what caused a stored event: an API key (its id, never the key), a consumed message, or a scheduler tick. */
export const PrincipalSchema = {
  ...oa.object(
    {
      kind: oa.enum('api-key', 'message', 'scheduler'),
      keyId: { type: 'string', description: 'api-key: the first 12 hex digits of the key\'s SHA-256', example: '3f2a9c1b7d4e' },
      tenant: oa.string, role: oa.enum('service', 'ops', 'admin'),
      topic: oa.string, partition: { type: 'integer' }, offset: oa.string, messageId: { type: 'string', description: 'message: its CloudEvent id' }, source: oa.string, type: oa.string,
      service: oa.string, tick: { ...oa.time, description: 'scheduler: the time the tick ran up to' },
      trigger: { type: 'object', description: 'scheduler: what triggered the tick (an api-key or a message principal); absent for its own schedule', additionalProperties: true },
    },
    ['keyId', 'tenant', 'role', 'topic', 'partition', 'offset', 'messageId', 'source', 'type', 'service', 'tick', 'trigger'],
  ),
  description: 'Who or what caused the event',
};

export const BalanceSchema = oa.object(
  {
    accountId: oa.string,
    type: oa.enum('personal', 'team'),
    members: oa.array(oa.string),
    planId: oa.nullable(oa.string),
    available: oa.credits,
    held: oa.credits,
    byType: oa.creditsBy(LOT_TYPES),
    lots: oa.array(LotSchema),
    /** GET .../balance only: the burn rate over the last 7 days and when the credits run out at it. */
    forecast: ForecastSchema,
    /** GET .../balance only: the free allowances that apply to the account, in the rolling window ending now. */
    allowances: {
      ...oa.array(
        oa.object(
          {
            allowanceId: oa.string, title: oa.string, unit: oa.enum('uses', 'credits'), per: oa.enum('minute', 'hour', 'day'),
            features: { ...oa.nullable(oa.array(oa.string)), description: 'null: every feature' },
            limit: oa.string, used: oa.string, left: oa.string,
            resetsAt: { ...oa.nullable(oa.time), description: 'When the oldest use in the window leaves it (null: nothing used).' },
            fullAt: { ...oa.nullable(oa.time), description: 'When every use in the window has left it (null: nothing used).' },
          },
          ['title'],
        ),
      ),
      description: 'Free allowances consumed before credits (wallet.allowances of the tenant file): whole uses, or credits as decimals.',
    },
  },
  ['forecast', 'allowances'],
);

export const TransactionsSchema = oa.object({
  accountId: oa.string,
  transactions: oa.array({
    ...oa.object({ revision: oa.string, type: { type: 'string', example: 'HoldCaptured' }, recordedAt: oa.time, principal: PrincipalSchema }, ['principal']),
    description: "One row per stored wallet event, oldest first: the event's type and its data (amounts as decimal strings), and who or what caused it (`principal`, on events recorded since it is kept).",
    additionalProperties: true,
  }),
});

const signedCredits = { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$', example: '-1.75' } as const;

export const StatementSchema = oa.object({
  accountId: oa.string,
  asOf: oa.time,
  revision: { ...oa.nullable(oa.string), description: 'The last stored event the statement reflects (null: none).' },
  available: oa.credits,
  held: oa.credits,
  forecast: ForecastSchema,
  lines: oa.array({
    ...oa.object({
      revision: { ...oa.nullable(oa.string), description: 'null: an expiry due now that no command has stored yet.' },
      at: oa.time,
      type: { type: 'string', example: 'HoldCaptured' },
      reference: { type: 'string', description: 'The usage, else the refund, the lot or the rollover the change is about.' },
      availableChange: signedCredits,
      heldChange: signedCredits,
      available: oa.credits,
      held: oa.credits,
      paidFrom: { ...PaidFromSchema, description: 'On lines of usage charges, holds, releases and restorations: the allowances and lots they moved.' },
    }, ['paidFrom']),
    description: 'One line per change of available or held credits (and per usage an allowance paid), oldest first, with the balance after it.',
  }),
});

export const GrantSchema = oa.object({ grantId: oa.string, lotId: oa.string, type: oa.enum('reward'), amount: oa.credits, expiresAt: oa.nullable(oa.time) });

export const LoginSchema = oa.object(
  { loginId: oa.string, lotId: oa.string, granted: oa.credits, expiresAt: oa.nullable(oa.time), message: oa.string },
  ['lotId', 'expiresAt', 'message'],
);

export const PurchaseSchema = oa.object({ purchaseId: oa.string, accountId: oa.string, lot: LotSchema });

export const UsageAnswerSchema = oa.object(
  {
    usageId: oa.string,
    status: oa.enum('authorized', 'completed', 'failed', 'accepted', 'rejected'),
    credits: oa.credits,
    phases: oa.object({ generate: oa.credits, accept: oa.credits }),
    total: oa.credits,
    userId: oa.string,
    paidFrom: { ...PaidFromSchema, description: "Where this step's credits came from: free allowances, then lots (authorize, complete: the generate phase; accept: the accept phase)." },
  },
  ['phases', 'total', 'userId', 'paidFrom'],
);

export const AutoTopUpSchema = oa.object({
  accountId: oa.string,
  enabled: oa.boolean,
  threshold: oa.nullableCredits,
  packageId: oa.nullable(oa.string),
  source: { ...oa.enum('account', 'tenant'), description: "'account': the account set it (gaps filled from the tenant); 'tenant': the tenant's default." },
});

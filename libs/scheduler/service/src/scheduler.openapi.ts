// Response schemas of the scheduler routes, for the OpenAPI document (see libs/shell/src/openapi.ts).
import { oa } from '@creditflow/shell';

export const SubscriptionSchema = oa.object({
  subscriptionId: oa.string,
  accountId: oa.string,
  planId: oa.string,
  billingPeriod: oa.enum('monthly', 'yearly'),
  status: { type: 'string', example: 'active' },
  anchor: { ...oa.time, description: 'Cycle 0 starts here; every boundary is computed from it.' },
  currentCycle: oa.nullable(oa.object({ number: oa.integer, startedAt: oa.time, endsAt: oa.nullable(oa.time) })),
  nextBoundaryAt: oa.nullable(oa.time),
  pendingChange: oa.nullable(oa.object({ planId: oa.string, billingPeriod: oa.enum('monthly', 'yearly'), effectiveAt: oa.time })),
  cancellation: oa.nullable(oa.object({ endsAt: oa.time })),
});

export const TickSchema = oa.object({
  at: { ...oa.time, description: "What the tick ran up to: the trigger's `at`, or the platform clock when `at` lies ahead of it." },
  subscriptions: { ...oa.integer, description: 'Subscription streams known to this instance.' },
  emitted: { ...oa.integer, description: 'monthly-grant and rollover-expiry events this tick recorded.' },
  dailyResets: { ...oa.integer, description: 'daily-reset events this tick recorded.' },
});

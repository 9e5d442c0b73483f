// Kafka topics of the public contract (SPEC section 4). Every consumed topic has a `.dlq` beside it.
export const TOPICS = {
  usage: 'creditflow.usage.v1',
  usageDecisions: 'creditflow.usage-decisions.v1',
  /** Internal: usage commands with the price fixed by the pricing service at authorization. */
  pricedUsage: 'creditflow.priced-usage.v1',
  payments: 'creditflow.payments.v1',
  schedulerTriggers: 'creditflow.scheduler-triggers.v1',
  scheduler: 'creditflow.scheduler.v1',
  refunds: 'creditflow.refunds.v1',
  walletEvents: 'creditflow.wallet-events.v1',
  balances: 'creditflow.balances.v1',
  alerts: 'creditflow.alerts.v1',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** Every account's messages share one key, so Kafka keeps them ordered in one partition. */
export function messageKey(tenantId: string, accountId: string): string {
  return `${tenantId}:${accountId}`;
}

/** The tenant and account a key names (tenant ids have no colon; account ids may); null for a tenant-wide key. */
export function parseMessageKey(key: string | null): { tenantId: string; accountId: string } | null {
  const colon = key?.indexOf(':') ?? -1;
  return key === null || colon === -1 ? null : { tenantId: key.slice(0, colon), accountId: key.slice(colon + 1) };
}

export const ALL_TOPICS: string[] = Object.values(TOPICS).flatMap((t) => [t, dlqTopic(t)]);

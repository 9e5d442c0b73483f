// What the reconciler reports: every discrepancy with its evidence, and each account's two
// derivations of its balance (from the flows, and from the lots and holds).

export const DISCREPANCY_KINDS = [
  /** granted - spent - expired - clawed back + restored differs from available + held, or a stated balance differs. */
  'balance',
  /** A lot moved below zero or above what it was granted, an unknown lot, or an event whose amount is not the sum of its lot shares. */
  'lot',
  /** A hold captured, released or charged other than it was placed: twice, unknown, other lots or another amount. */
  'charge',
  /** A hold's price differs from the price of its feature in the catalog version it names. */
  'price',
  /** A restoration that gives back other than what the usage was charged, or gives it twice. */
  'restore',
  /** Money in: a purchase paid below its list price without a stated reason, above it without a contract, or in another currency than the tenant's. */
  'purchase',
  /** A refund's money differs from credits x the purchase's price per credit rounded by the policy, or its claw-back and settlement disagree. */
  'refund',
  /** A usage decision on creditflow.usage-decisions.v1 that no wallet event backs, or that says other than its event. */
  'decision',
  /** A free allowance that paid more than its window allows, an unknown allowance, or a use recorded with another window. */
  'allowance',
  /** A rate limit passed (more authorizations in a window than it allows), or a rate_limited denial the counted authorizations do not justify. */
  'rate-limit',
] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

/** Where a finding comes from: a stored event, or a message on the bus (`stream` its topic, `revision` its partition, `position` its offset, `eventId` its CloudEvent id). */
export interface Evidence {
  stream: string;
  revision: string;
  position: string;
  eventId: string;
  type: string;
}

export interface Discrepancy {
  kind: DiscrepancyKind;
  tenant: string;
  account: string;
  /** What is wrong, in one sentence. */
  message: string;
  expected: string;
  found: string;
  /** The events that show it, the offending one last. */
  evidence: Evidence[];
}

/** Credits as decimal strings. */
export interface AccountBalance {
  tenant: string;
  account: string;
  granted: string;
  spent: string;
  expired: string;
  clawedBack: string;
  restored: string;
  available: string;
  held: string;
  /** available by lot type (daily, trial, subscription, reward, topup). */
  byType: Record<string, string>;
}

export interface ReconciliationReport {
  /** Records read: wallet events, refund events, usage decisions (messages, repeats included). */
  events: { wallet: number; refund: number; decisions: number };
  accounts: number;
  usages: { authorized: number; completed: number };
  refunds: { decided: number; withMoney: number };
  /** Balances another record states (the ops read model), compared where it is at the same revision of the account as the fold; the others skipped. */
  statedBalances: { compared: number; skipped: number };
  discrepancies: Discrepancy[];
  balances: AccountBalance[];
  /** What was read of each tenant: its accounts and its wallet and refund events. */
  tenants: TenantSummary[];
}

export interface TenantSummary {
  tenant: string;
  accounts: number;
  events: { wallet: number; refund: number };
}

// `creditflow.wallet-events.v1`: every wallet event, as stored, with amounts as decimal strings.
export const WALLET_EVENT_TYPE_PREFIX = 'creditflow.wallet.';

export interface WalletEventData {
  accountId: string;
  /** Position of the event in the account's stream (0-based): consumers dedupe and order by it. */
  revision: string;
  event: string;
  data: Record<string, unknown>;
}

/** `creditflow.balances.v1` (compacted): the latest balance per account. */
export interface BalanceSnapshotData {
  accountId: string;
  revision: string;
  available: string;
  held: string;
  byType: Record<string, string>;
  at: string;
}

export const ALERT_TYPES = {
  lowBalance: 'creditflow.alert.low-balance',
  autoTopUp: 'creditflow.alert.auto-top-up-requested',
  /** An approved refund the wallet applied (credits restored or clawed back) or could not apply (claw-back refused). */
  refundDecided: 'creditflow.alert.refund-decided',
  /** A lot's unused credits expire within the tenant's notice window (wallet.expiringSoon). */
  creditsExpiringSoon: 'creditflow.alert.credits-expiring-soon',
  /** A command brought the 7-day burn-rate forecast under the tenant's wallet.runOutAlertDays. */
  runningOut: 'creditflow.alert.running-out',
} as const;

export const ALERT_TYPE_PREFIX = 'creditflow.alert.';
/** An alert's type without its prefix (`low-balance`): what a webhook subscribes to. */
export const ALERT_KINDS = Object.values(ALERT_TYPES).map((type) => type.slice(ALERT_TYPE_PREFIX.length));

// What a service may inject from the process it runs in, each on its own token: the event store, the
// message bus, the tenants (`Tenants` from libs/tenancy), the clock (CLOCK) and where the process
// runs (Deployment). createRuntime builds them once per process; CoreModule provides them.
import type { Clock } from '@creditflow/kernel';
import type { ManualClock, SystemClock } from './clock';

export const EVENT_STORE = Symbol('EVENT_STORE');
export const MESSAGE_BUS = Symbol('MESSAGE_BUS');

/** The clock CLOCK provides: the system clock, or the settable one (CREDITFLOW_CLOCK=manual). */
export type PlatformClock = (SystemClock | ManualClock) & Clock;

/** The alert webhooks' signing secrets (by environment variable name), first retry delay, and whether private addresses are targets. */
export interface WebhookSettings {
  secrets: ReadonlyMap<string, string>;
  retryMs: number;
  privateTargets: boolean;
  /** Finished deliveries per tenant the delivery log keeps in memory. */
  logKept: number;
}

/** What bounds the wallet's memory: account states cached, closed usages each keeps (null: the wallet's defaults). */
export interface WalletSettings {
  cachedAccounts: number | null;
  closedUsagesKept: number | null;
}

/** How and where this process runs. */
export class Deployment {
  constructor(
    readonly mode: 'embedded' | 'distributed',
    /** Where this process keeps its local files (SQLite read models, the embedded store and bus). */
    readonly dataDir: string,
    /** Consumer groups are `<prefix>-<service>` (CREDITFLOW_GROUP_PREFIX, default "creditflow"). */
    readonly groupPrefix: string,
    /** The scheduler's own schedule (CREDITFLOW_SCHEDULER_INTERVAL_MS); 0 = off. */
    readonly schedulerIntervalMs: number,
    readonly webhooks: WebhookSettings,
    /** The reconciler's schedule (CREDITFLOW_RECONCILE_INTERVAL_MS); 0 = off. */
    readonly reconcileIntervalMs: number,
    /** The tenant files' directory, for what reads them as written (the reconciler). */
    readonly tenantsDir: string,
    readonly wallet: WalletSettings = { cachedAccounts: null, closedUsagesKept: null },
  ) {}
}

// The reconciler, continuously: every CREDITFLOW_RECONCILE_INTERVAL_MS (default 5 min; 0 = off) the
// process that hosts the wallet's store reconciles all of it and publishes what it found as
// creditflow_reconciler_discrepancies{tenant, kind} (0 for every tenant and kind when the records
// agree; the alert ReconcilerDiscrepancy in deploy/monitoring fires on anything above). Each run
// folds the whole store: simple and independent of any checkpoint, at the cost of reading every
// event each interval (see libs/reconciler/README.md). The last run that finished is kept in memory
// (`lastRun`) for GET /v1/reconciliation.
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { EventStore } from '@creditflow/event-store';
import { DISCREPANCY_KINDS, Discrepancy, ReconciliationReport, TenantSummary } from '@creditflow/reconciler-domain';
import { Deployment, EVENT_STORE, Observability } from '@creditflow/shell';
import { reconcileStores } from './reconcile-store';
import { readTenantTerms } from './tenant-terms';

/**
 * A run that finished: when it started and ended (wall-clock, as the events' recordedAt), what it read
 * of each tenant and what it found. Not the per-account balances: kept between runs, they would hold
 * a row per account of the store in memory for nobody.
 */
export interface ReconcilerRun {
  startedAt: Date;
  finishedAt: Date;
  tenants: TenantSummary[];
  discrepancies: Discrepancy[];
}

@Injectable()
export class ReconcilerJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<ReconciliationReport | null> | null = null;
  private last: ReconcilerRun | null = null;

  constructor(
    private readonly deployment: Deployment,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly observability: Observability,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.deployment.reconcileIntervalMs;
    if (every > 0) this.timer = setInterval(() => void this.run(), every).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** The last run that finished (one that failed leaves the one before); null before the first. */
  get lastRun(): ReconcilerRun | null {
    return this.last;
  }

  /** One run (a run already in progress is waited for, not doubled); null when it failed (logged). */
  run(): Promise<ReconciliationReport | null> {
    this.running ??= this.reconcile().finally(() => (this.running = null));
    return this.running;
  }

  private async reconcile(): Promise<ReconciliationReport | null> {
    const { logger, metrics } = this.observability;
    try {
      const startedAt = new Date();
      const terms = readTenantTerms(this.deployment.tenantsDir);
      const report = await reconcileStores({ wallet: this.store, terms });
      this.last = { startedAt, finishedAt: new Date(), tenants: report.tenants, discrepancies: report.discrepancies };
      metrics.reconcilerDiscrepancies.reset();
      for (const tenant of terms.keys()) for (const kind of DISCREPANCY_KINDS) metrics.reconcilerDiscrepancies.set({ tenant, kind }, 0);
      for (const d of report.discrepancies) metrics.reconcilerDiscrepancies.inc({ tenant: d.tenant, kind: d.kind });
      metrics.reconcilerLastRun.set(this.last.finishedAt.getTime() / 1000);
      const fields = { context: 'reconciler', events: report.events, accounts: report.accounts, discrepancies: report.discrepancies.length };
      if (report.discrepancies.length) logger.error({ ...fields, first: report.discrepancies.slice(0, 5) }, 'the reconciler found discrepancies');
      else logger.info(fields, 'the reconciler found the records in agreement');
      return report;
    } catch (error) {
      logger.error({ context: 'reconciler', err: error }, 'the reconciler could not run');
      return null;
    }
  }
}

// The reconciler, continuously: every CREDITFLOW_RECONCILE_INTERVAL_MS (default 5 min; 0 = off) the
// process that hosts the wallet's store reconciles all of it and publishes what it found as
// creditflow_reconciler_discrepancies{tenant, kind} (0 for every tenant and kind when the records
// agree; the alert ReconcilerDiscrepancy in deploy/monitoring fires on anything above). Each run
// folds the whole store: simple and independent of any checkpoint, at the cost of reading every
// event each interval (see libs/reconciler/README.md).
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { EventStore } from '@creditflow/event-store';
import { DISCREPANCY_KINDS, ReconciliationReport } from '@creditflow/reconciler-domain';
import { Deployment, EVENT_STORE, Observability } from '@creditflow/shell';
import { reconcileStores } from './reconcile-store';
import { readTenantTerms } from './tenant-terms';

@Injectable()
export class ReconcilerJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<ReconciliationReport | null> | null = null;

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

  /** One run (a run already in progress is waited for, not doubled); null when it failed (logged). */
  run(): Promise<ReconciliationReport | null> {
    this.running ??= this.reconcile().finally(() => (this.running = null));
    return this.running;
  }

  private async reconcile(): Promise<ReconciliationReport | null> {
    const { logger, metrics } = this.observability;
    try {
      const terms = readTenantTerms(this.deployment.tenantsDir);
      const report = await reconcileStores({ wallet: this.store, terms });
      metrics.reconcilerDiscrepancies.reset();
      for (const tenant of terms.keys()) for (const kind of DISCREPANCY_KINDS) metrics.reconcilerDiscrepancies.set({ tenant, kind }, 0);
      for (const d of report.discrepancies) metrics.reconcilerDiscrepancies.inc({ tenant: d.tenant, kind: d.kind });
      metrics.reconcilerLastRun.set(Date.now() / 1000);
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

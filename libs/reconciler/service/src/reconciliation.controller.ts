// The last run of the continuous reconciler, as the key's tenant may see it: its accounts, its events
// and its discrepancies with their evidence (libs/reconciler/README.md). Hosted beside the job.
import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DISCREPANCY_KINDS } from '@creditflow/reconciler-domain';
import { ApiAnswer, ApiError, ApiErrors, CurrentTenant, Deployment, Roles } from '@creditflow/shell';
import { ReconciliationSchema } from './reconciliation.openapi';
import { ReconcilerJob, ReconcilerRun } from './reconciler.job';

@ApiTags('ops')
@Controller('v1/reconciliation')
export class ReconciliationController {
  constructor(
    private readonly job: ReconcilerJob,
    private readonly deployment: Deployment,
  ) {}

  @ApiOperation({
    summary:
      "The last run of the periodic reconciler (every CREDITFLOW_RECONCILE_INTERVAL_MS): when it ran, this tenant's accounts and events it read, and every discrepancy it found with its evidence. 404 reconciliation_not_run before the first run",
  })
  @ApiAnswer("The last run, this tenant's part of it", ReconciliationSchema)
  @ApiErrors(404)
  @Roles('ops')
  @Get()
  last(@CurrentTenant() tenant: { tenantId: string }) {
    const run = this.job.lastRun;
    const every = this.deployment.reconcileIntervalMs;
    if (!run) {
      const seconds = every / 1000;
      const why = seconds > 0
        ? `the reconciler has not run yet: it runs every ${seconds} s, the first time ${seconds} s after the start`
        : 'the periodic reconciler is off (CREDITFLOW_RECONCILE_INTERVAL_MS=0); npm run ops -- reconcile runs it on demand';
      throw new ApiError(404, 'reconciliation_not_run', why);
    }
    return reconciliationView(run, tenant.tenantId, every);
  }
}

function reconciliationView(run: ReconcilerRun, tenant: string, intervalMs: number) {
  const read = run.tenants.find((t) => t.tenant === tenant);
  const discrepancies = run.discrepancies.filter((d) => d.tenant === tenant).map(({ tenant: _, ...d }) => d);
  return {
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt.toISOString(),
    intervalMs,
    accounts: read?.accounts ?? 0,
    events: read?.events ?? { wallet: 0, refund: 0 },
    discrepancyCounts: Object.fromEntries(DISCREPANCY_KINDS.map((kind) => [kind, discrepancies.filter((d) => d.kind === kind).length])),
    discrepancies,
  };
}

// Counts the events the scheduler records for the wallet (creditflow_scheduler_events_total{tenant,
// type}: monthly_grant, rollover_expiry, daily_reset), from what this process appended
// (Observability.onAppended): once per event across replicas, as the wallet counts its decisions.
import { Injectable } from '@nestjs/common';
import { AppendedStream, Observability } from '@creditflow/shell';
import { DAILY_RESET_CATEGORY, SUBSCRIPTION_CATEGORY } from './scheduler.records';

const DUE: Record<string, string> = { MonthlyGrantDue: 'monthly_grant', RolloverExpiryDue: 'rollover_expiry', DailyResetDue: 'daily_reset' };

@Injectable()
export class SchedulerObservations {
  constructor(private readonly observability: Observability) {
    for (const category of [SUBSCRIPTION_CATEGORY, DAILY_RESET_CATEGORY]) observability.onAppended(category, (appended) => this.record(appended));
  }

  private record(appended: readonly AppendedStream[]): void {
    for (const { events } of appended) {
      for (const { type, metadata } of events) {
        const due = DUE[type];
        if (due) this.observability.metrics.schedulerEvents.inc({ tenant: String(metadata?.tenantId ?? 'unknown'), type: due });
      }
    }
  }
}

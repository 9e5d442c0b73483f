// Every metric creditflow exports, on one prom-client Registry per application (never prom-client's
// global default registry: tests host several services in one process, each with its own). Served
// by GET /metrics in the Prometheus text format. Counters count what this process did (Prometheus
// semantics: sum() over replicas); gauges computed at scrape time (lags, consumer state, held credits)
// describe the whole deployment as this process sees it (max() or avg() over replicas).
// deploy/monitoring reads these names; libs/testing checks that every name it uses exists here.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the scrape-time gauges ask (set by Observability once the application is up). */
export interface MetricProbes {
  consumerLags(): Promise<{ group: string; topic: string; partition: number; lag: number }[]>;
  consumerStates(): { group: string; running: boolean; crashes: number }[];
  projectionLags(): Promise<{ projection: string; events: number; seconds: number }[]>;
  heldCredits(): { tenant: string; credits: number; accounts: number }[];
}

/** A probe's answer, or nothing when it cannot answer (the bus unreachable): a scrape never fails. */
async function orNothing<T>(answer: Promise<T[]> | undefined): Promise<T[]> {
  try {
    return (await answer) ?? [];
  } catch {
    return [];
  }
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SIZE_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

export class PlatformMetrics {
  readonly registry = new Registry();
  private probes: MetricProbes | null = null;
  private readonly crashesSeen = new Map<string, number>();

  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  readonly storeAppendDuration: Histogram<'outcome'>;
  readonly storeAppendBatchEvents: Histogram<string>;
  readonly storeAppendedEvents: Counter<'category'>;
  readonly messagesConsumed: Counter<'group' | 'topic'>;
  readonly consumerLag: Gauge<'group' | 'topic' | 'partition'>;
  readonly consumerUp: Gauge<'group'>;
  readonly consumerCrashes: Counter<'group'>;
  readonly deadLetters: Counter<'topic' | 'reason'>;
  readonly usageDecisions: Counter<'tenant' | 'outcome' | 'reason'>;
  readonly credits: Counter<'tenant' | 'flow'>;
  readonly holds: Counter<'tenant' | 'event'>;
  readonly heldCredits: Gauge<'tenant'>;
  readonly accountsWithOpenHolds: Gauge<'tenant'>;
  readonly schedulerEvents: Counter<'tenant' | 'type'>;
  readonly projectionLagEvents: Gauge<'projection'>;
  readonly projectionLagSeconds: Gauge<'projection'>;
  readonly webhookDeliveries: Counter<'tenant' | 'outcome'>;
  readonly reconcilerDiscrepancies: Gauge<'tenant' | 'kind'>;
  readonly reconcilerLastRun: Gauge<string>;

  constructor(service: string) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    const metrics = this; // the collect callbacks below run with `this` bound to their own metric

    this.httpRequestDuration = new Histogram({
      name: 'creditflow_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern (unmatched: "(unmatched)") and status, and how long each took',
      labelNames: ['method', 'route', 'status'], buckets: LATENCY_BUCKETS, registers,
    });
    this.storeAppendDuration = new Histogram({
      name: 'creditflow_store_append_duration_seconds',
      help: 'Event store appends (one store call, one or more streams): ok, conflict (a stream was not at the expected revision) or error',
      labelNames: ['outcome'], buckets: LATENCY_BUCKETS, registers,
    });
    this.storeAppendBatchEvents = new Histogram({
      name: 'creditflow_store_append_batch_events',
      help: 'Events per event store append call',
      buckets: SIZE_BUCKETS, registers,
    });
    this.storeAppendedEvents = new Counter({
      name: 'creditflow_store_appended_events_total',
      help: 'Events this process appended to its event store, by stream category',
      labelNames: ['category'], registers,
    });
    this.messagesConsumed = new Counter({
      name: 'creditflow_messages_consumed_total',
      help: 'Messages consumed (valid or not), by consumer group and topic',
      labelNames: ['group', 'topic'], registers,
    });
    this.consumerLag = new Gauge({
      name: 'creditflow_consumer_lag',
      help: "Messages on a partition not yet committed by this process's consumer group (asked of the bus at scrape time)",
      labelNames: ['group', 'topic', 'partition'], registers,
      async collect() {
        this.reset();
        for (const { group, topic, partition, lag } of await orNothing(metrics.probes?.consumerLags())) this.set({ group, topic, partition: String(partition) }, lag);
      },
    });
    this.consumerUp = new Gauge({
      name: 'creditflow_consumer_up',
      help: '1 while the consumer of a group runs, 0 while it is starting, dead (being restarted) or stopped',
      labelNames: ['group'], registers,
      collect() {
        this.reset();
        for (const { group, running, crashes } of metrics.probes?.consumerStates() ?? []) {
          this.set({ group }, running ? 1 : 0);
          const seen = metrics.crashesSeen.get(group) ?? 0;
          if (crashes > seen) metrics.consumerCrashes.inc({ group }, crashes - seen);
          metrics.crashesSeen.set(group, crashes);
        }
      },
    });
    this.consumerCrashes = new Counter({
      name: 'creditflow_consumer_crashes_total',
      help: 'Times a consumer died (and was restarted), by group',
      labelNames: ['group'], registers,
    });
    this.deadLetters = new Counter({
      name: 'creditflow_dead_letters_total',
      help: 'Messages sent to <topic>.dlq, by the topic they came from and the class of the reason',
      labelNames: ['topic', 'reason'], registers,
    });
    this.usageDecisions = new Counter({
      name: 'creditflow_usage_decisions_total',
      help: 'Usage decisions the wallet recorded: authorized, denied, completed, failed, accepted, rejected, restored (reason: why denied, failed or restored)',
      labelNames: ['tenant', 'outcome', 'reason'], registers,
    });
    this.credits = new Counter({
      name: 'creditflow_credits_total',
      help: 'Credits moved by the wallet: granted, spent (captured or charged), expired, refunded (clawed back by a refund), restored',
      labelNames: ['tenant', 'flow'], registers,
    });
    this.holds = new Counter({
      name: 'creditflow_holds_total',
      help: 'Holds placed, captured and released (failed, cancelled or timed out)',
      labelNames: ['tenant', 'event'], registers,
    });
    this.heldCredits = new Gauge({
      name: 'creditflow_held_credits',
      help: 'Credits held by open holds, by tenant (from the ops read model of balances)',
      labelNames: ['tenant'], registers,
      collect() {
        this.reset();
        metrics.accountsWithOpenHolds.reset();
        let held: { tenant: string; credits: number; accounts: number }[] = [];
        try {
          held = metrics.probes?.heldCredits() ?? [];
        } catch {
          // the read model is closing: nothing this scrape
        }
        for (const { tenant, credits, accounts } of held) {
          this.set({ tenant }, credits);
          metrics.accountsWithOpenHolds.set({ tenant }, accounts);
        }
      },
    });
    this.accountsWithOpenHolds = new Gauge({
      name: 'creditflow_accounts_with_open_holds',
      help: 'Accounts with at least one open hold, by tenant (from the ops read model of balances)',
      labelNames: ['tenant'], registers,
    });
    this.schedulerEvents = new Counter({
      name: 'creditflow_scheduler_events_total',
      help: 'Scheduler events recorded for the wallet (monthly_grant, rollover_expiry, daily_reset)',
      labelNames: ['tenant', 'type'], registers,
    });
    this.projectionLagEvents = new Gauge({
      name: 'creditflow_projection_lag_events',
      help: 'Events in the store a read model has not applied yet (counted up to the readiness bound + 1)',
      labelNames: ['projection'], registers,
      // prom-client collects every metric of a scrape concurrently: each gauge asks for itself (the lags are computed once a second).
      async collect() {
        this.reset();
        for (const { projection, events } of await orNothing(metrics.probes?.projectionLags())) this.set({ projection }, events);
      },
    });
    this.projectionLagSeconds = new Gauge({
      name: 'creditflow_projection_lag_seconds',
      help: 'Age of the oldest event a read model has not applied yet (0 when caught up)',
      labelNames: ['projection'], registers,
      async collect() {
        this.reset();
        for (const { projection, seconds } of await orNothing(metrics.probes?.projectionLags())) this.set({ projection }, seconds);
      },
    });
    this.webhookDeliveries = new Counter({
      name: 'creditflow_webhook_deliveries_total',
      help: 'Alert webhook delivery attempts, by tenant and outcome: delivered (2xx), failed (will be retried), gave_up (the last attempt failed)',
      labelNames: ['tenant', 'outcome'], registers,
    });
    this.reconcilerDiscrepancies = new Gauge({
      name: 'creditflow_reconciler_discrepancies',
      help: 'Discrepancies the independent reconciler found in its last run over the whole store, by tenant and kind (balance, lot, charge, price, restore, purchase, refund, decision); 0 = the records agree',
      labelNames: ['tenant', 'kind'], registers,
    });
    this.reconcilerLastRun = new Gauge({
      name: 'creditflow_reconciler_last_run_timestamp_seconds',
      help: 'When the reconciler last finished a run (Unix time); 0 until the first',
      registers,
    });
  }

  /** Connects the scrape-time gauges to what they ask. */
  observe(probes: MetricProbes): void {
    this.probes = probes;
  }

  /** The Prometheus text format. A probe that fails leaves its gauge empty for this scrape. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

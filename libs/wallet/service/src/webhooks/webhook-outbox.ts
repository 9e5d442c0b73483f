// Alert delivery by webhook, from the store (an outbox, never a write beside the append):
// - the feeder, an exclusive checkpointed subscription on the wallet's events, schedules each alert
//   (alertMessage: the CloudEvent creditflow.alerts.v1 carries) once per webhook of its tenant that
//   takes its kind, as the first event of that delivery's stream (re-scheduling after a crash writes
//   nothing: the same event id at the same place);
// - every process folds the delivery streams into the delivery log (what is pending, delivered,
//   given up, each attempt), from the start of the store at each start, so the outbox is derived
//   from the store alone;
// - the sender claims a due delivery by appending its attempt at the revision it saw (another
//   replica's claim, or any claim made from a log behind the store, conflicts and stays away),
//   POSTs, and records the outcome and when it retries. A process that dies between the claim and
//   the outcome leaves the attempt open; after CLAIM_TIMEOUT_MS it is tried again under the same
//   webhook-id: delivery is at least once, and receivers drop repeats by webhook-id.
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ALERT_TYPE_PREFIX } from '@creditflow/contracts';
import { EventStore, StreamAppend, Subscription, WrongExpectedRevisionError } from '@creditflow/event-store';
import { DomainError } from '@creditflow/kernel';
import { Deployment, EVENT_STORE, Observability, correlate } from '@creditflow/shell';
import { WALLET_CATEGORY, alertMessage } from '@creditflow/wallet-application';
import { retryDelayMs } from './webhook-backoff';
import { Delivery, WEBHOOK_CATEGORY, deliveryIdOf, deliveryStream, evolveDelivery, isDue, webhookEventData } from './webhook-deliveries';
import { Webhook, WebhookRegistry } from './webhook-registry';
import { webhookTargetProblem } from './webhook-target';
import { signatureHeaders } from './webhook-signature';

/** How long a request may take before it counts as failed. */
const REQUEST_TIMEOUT_MS = 10_000;
const TICK_MS = 200;
const PUBLISHER_LEASE_MS = 5_000;

export class DeliveryNotFoundError extends DomainError {
  constructor(deliveryId: string) {
    super('WEBHOOK.DELIVERY_NOT_FOUND', `no webhook delivery "${deliveryId}"`);
  }
}

@Injectable()
export class WebhookOutbox implements OnApplicationBootstrap, OnModuleDestroy {
  /** The delivery log: every pending delivery, and each tenant's newest finished ones (see `keep`). */
  private readonly deliveries = new Map<string, Delivery>();
  /** Per tenant: deliveries in the log, and the count at which its finished ones are pruned next. */
  private readonly kept = new Map<string, { count: number; pruneAt: number }>();
  private readonly pending = new Set<string>();
  private readonly sending = new Set<string>();
  private readonly subscriptions: Subscription[] = [];
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private kicked = false;
  private readonly log;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly webhooks: WebhookRegistry,
    private readonly deployment: Deployment,
    private readonly observability: Observability,
  ) {
    this.log = observability.logger.child({ component: 'webhooks' });
  }

  async onApplicationBootstrap(): Promise<void> {
    const onError = (what: string) => (error: unknown) => this.log.warn({ err: error }, `webhook ${what}: ${String(error)}`);
    // The webhooks set over HTTP are read before any alert is scheduled, so none is missed at a start.
    await this.webhooks.load(onError('config'));
    this.subscriptions.push(
      await this.store.subscribe({
        subscriptionId: 'wallet-webhook-log',
        category: WEBHOOK_CATEGORY,
        // The log lives in memory: rebuilt from the start of the store by every process at every start.
        checkpoints: { load: async () => 0n, save: async () => undefined },
        onEvents: async (events) => {
          for (const e of events) await this.apply(e);
        },
        onError: onError('log'),
      }),
      await this.store.subscribe({
        subscriptionId: 'wallet-webhook-outbox',
        category: WALLET_CATEGORY,
        exclusive: { leaseMs: PUBLISHER_LEASE_MS },
        onEvents: (events) => this.schedule(events),
        onError: onError('outbox'),
      }),
    );
    this.timer = setInterval(() => this.sendDue(), TICK_MS);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const subscription of this.subscriptions.splice(0)) await subscription.stop();
    while (this.sending.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** The tenant's deliveries, newest first. */
  list(tenantId: string, filter: { webhookId?: string; status?: Delivery['status'] }): Delivery[] {
    return [...this.deliveries.values()]
      .filter((d) => d.tenantId === tenantId && (!filter.webhookId || d.webhookId === filter.webhookId) && (!filter.status || d.status === filter.status))
      .sort((a, b) => b.scheduledAt.localeCompare(a.scheduledAt) || b.deliveryId.localeCompare(a.deliveryId));
  }

  /** One delivery: from the log, or from its stream when the log has let it go. */
  async get(tenantId: string, deliveryId: string): Promise<Delivery> {
    const stream = deliveryStream(tenantId, deliveryId);
    const delivery = this.deliveries.get(stream) ?? (await this.fromStore(stream));
    if (!delivery) throw new DeliveryNotFoundError(deliveryId);
    return delivery;
  }

  /** Asks for the delivery to be sent again now, under the same webhook-id; idempotent by replayId. */
  async replay(tenantId: string, deliveryId: string, replayId: string, now: Date): Promise<void> {
    await this.get(tenantId, deliveryId);
    const stream = deliveryStream(tenantId, deliveryId);
    const event = { type: 'WebhookReplayRequested' as const, data: { replayId, requestedAt: now.toISOString() } };
    await this.store.appendToStream(stream, [webhookEventData(stream, `replay:${replayId}`, event)], { expectedRevision: 'any' });
  }

  private async apply(recorded: Parameters<typeof evolveDelivery>[1]): Promise<void> {
    // A later event of a delivery the log let go of (a replay of an old one): its stream up to here first.
    const before = this.deliveries.get(recorded.streamName) ?? (recorded.revision > 0n ? await this.fromStore(recorded.streamName, recorded.revision - 1n) : null);
    if (before && recorded.revision <= before.revision) return;
    const after = evolveDelivery(before, recorded);
    if (!after) return;
    this.keep(recorded.streamName, after);
    if (after.status === 'pending') {
      this.pending.add(recorded.streamName);
      this.kick(); // a new or replayed delivery goes out now, not at the next tick
    } else {
      this.pending.delete(recorded.streamName);
    }
  }

  /** A delivery as its stream holds it (up to `upTo`); null if there is no such stream. */
  private async fromStore(stream: string, upTo?: bigint): Promise<Delivery | null> {
    let delivery: Delivery | null = null;
    for (const recorded of await this.store.readStream(stream)) {
      if (upTo !== undefined && recorded.revision > upTo) break;
      delivery = evolveDelivery(delivery, recorded) ?? delivery;
    }
    return delivery;
  }

  /**
   * Puts a delivery in the log. When a tenant's log has grown to twice CREDITFLOW_WEBHOOK_LOG_KEPT, its
   * finished deliveries beyond the newest that many leave it (pending ones never do): memory follows
   * the setting, not every alert ever sent; `get` and replays read the others from their streams.
   */
  private keep(stream: string, delivery: Delivery): void {
    const limit = this.deployment.webhooks.logKept;
    const tenant = this.kept.get(delivery.tenantId) ?? { count: 0, pruneAt: 2 * limit + 1 };
    this.kept.set(delivery.tenantId, tenant);
    if (!this.deliveries.has(stream)) tenant.count++;
    this.deliveries.set(stream, delivery);
    if (tenant.count < tenant.pruneAt) return;
    const finished = [...this.deliveries].filter(([, d]) => d.tenantId === delivery.tenantId && d.status !== 'pending');
    finished.sort(([, a], [, b]) => b.scheduledAt.localeCompare(a.scheduledAt) || b.deliveryId.localeCompare(a.deliveryId));
    for (const [old] of finished.slice(limit)) this.deliveries.delete(old);
    tenant.count -= Math.max(0, finished.length - limit);
    tenant.pruneAt = Math.max(2 * limit + 1, tenant.count + limit + 1); // many pending: not again at every delivery
  }

  private kick(): void {
    if (this.kicked) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      this.sendDue();
    });
  }

  private async schedule(events: Parameters<typeof alertMessage>[0][]): Promise<void> {
    const appends: StreamAppend[] = [];
    for (const recorded of events) {
      const alert = alertMessage(recorded);
      if (!alert) continue;
      const value = correlate(recorded, alert).value;
      const tenantId = String(value.tenantid);
      const kind = value.type.slice(ALERT_TYPE_PREFIX.length);
      for (const webhook of this.webhooks.of(tenantId).filter((w) => w.alerts.includes(kind))) {
        const deliveryId = deliveryIdOf(webhook.id, recorded.id);
        const stream = deliveryStream(tenantId, deliveryId);
        const data = {
          tenantId, webhookId: webhook.id, deliveryId, url: webhook.url, alertId: value.id, alertType: value.type, accountId: String(value.subject),
          body: JSON.stringify(value), scheduledAt: recorded.recordedAt.toISOString(),
        };
        appends.push({ streamName: stream, expectedRevision: 'no_stream', events: [webhookEventData(stream, 'scheduled', { type: 'WebhookDeliveryScheduled', data })] });
      }
    }
    if (appends.length === 0) return;
    // A conflict is a delivery scheduled before (a redelivered batch after a crash): nothing to do.
    await this.store.appendBatch(appends);
  }

  private sendDue(): void {
    if (this.stopped) return;
    // Wall-clock time, not the platform clock: retries and signature timestamps are about the network
    // and the receiver's clock, and must go on while a manual platform clock stands still.
    const now = Date.now();
    for (const stream of this.pending) {
      const delivery = this.deliveries.get(stream)!;
      if (this.sending.has(stream) || !isDue(delivery, now)) continue;
      this.sending.add(stream);
      this.attempt(delivery)
        .catch((error) => this.log.warn({ err: error, deliveryId: delivery.deliveryId }, `webhook attempt not recorded: ${String(error)}`))
        .finally(() => this.sending.delete(stream));
    }
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const stream = deliveryStream(delivery.tenantId, delivery.deliveryId);
    const attempt = delivery.attempts.length + 1;
    const claim = { type: 'WebhookAttemptStarted' as const, data: { attempt, startedAt: new Date().toISOString() } };
    // Every claim has an id of its own. With one id per attempt, a claim made from a log behind the
    // store (another replica's, or this process's own before its log saw the attempt it just finished)
    // was an idempotent re-append of the earlier claim, taken for success: the alert went out again.
    try {
      await this.store.appendToStream(stream, [webhookEventData(stream, `attempt:${attempt}:started:${randomUUID()}`, claim)], { expectedRevision: delivery.revision });
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) return; // another process claimed it, or this one's log is behind
      throw error;
    }
    const webhook = this.webhooks.find(delivery.tenantId, delivery.webhookId);
    const result = webhook ? await this.post(webhook, delivery) : { responseCode: null, error: 'the webhook is no longer configured', latencyMs: 0 };
    const delivered = result.responseCode !== null && result.responseCode >= 200 && result.responseCode < 300;
    const delay = delivered || !webhook ? null : retryDelayMs(delivery.failures + 1, this.deployment.webhooks.retryMs);
    const finishedAt = new Date();
    const outcome = { type: 'WebhookAttemptFinished' as const, data: {
      attempt, outcome: delivered ? ('delivered' as const) : ('failed' as const), ...result, finishedAt: finishedAt.toISOString(),
      nextAttemptAt: delay === null ? null : new Date(finishedAt.getTime() + delay).toISOString(),
    } };
    const counted = delivered ? 'delivered' : delay === null ? 'gave_up' : 'failed';
    this.observability.metrics.webhookDeliveries.inc({ tenant: delivery.tenantId, outcome: counted });
    this.log.info(
      { tenant: delivery.tenantId, webhookId: delivery.webhookId, deliveryId: delivery.deliveryId, alertId: delivery.alertId, attempt, outcome: counted, ...result },
      'webhook attempt',
    );
    await this.store.appendToStream(stream, [webhookEventData(stream, `attempt:${attempt}:finished`, outcome)], { expectedRevision: delivery.revision + 1n });
  }

  private async post(webhook: Webhook, delivery: Delivery): Promise<{ responseCode: number | null; error: string | null; latencyMs: number }> {
    const headers = {
      'content-type': 'application/cloudevents+json',
      'user-agent': 'creditflow-webhooks/1',
      ...signatureHeaders(webhook.secret, delivery.alertId, Math.floor(Date.now() / 1000), delivery.body),
    };
    const started = performance.now();
    const refused = await webhookTargetProblem(webhook.url, this.deployment.webhooks.privateTargets);
    if (refused) return { responseCode: null, error: `not sent: ${refused}`, latencyMs: 0 };
    try {
      const response = await fetch(webhook.url, { method: 'POST', headers, body: delivery.body, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      await response.arrayBuffer().catch(() => undefined);
      return { responseCode: response.status, error: null, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { responseCode: null, error: (error as Error).cause ? String((error as Error).cause) : String(error), latencyMs: Math.round(performance.now() - started) };
    }
  }
}

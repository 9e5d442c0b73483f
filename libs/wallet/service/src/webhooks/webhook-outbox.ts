// Alert delivery by webhook, from the store (an outbox, never a write beside the append):
// - the feeder, an exclusive checkpointed subscription on the wallet's events, schedules each alert
//   (alertMessage: the CloudEvent creditflow.alerts.v1 carries) once per webhook of its tenant that
//   takes its kind, as the first event of that delivery's stream (re-scheduling after a crash writes
//   nothing: the same event id at the same place);
// - every process folds the delivery streams into the delivery log (what is pending, delivered,
//   given up, each attempt), from the start of the store at each start, so the outbox is derived
//   from the store alone;
// - the sender claims a due delivery by appending its attempt at the revision it saw (another
//   replica's claim conflicts and that one stays away), POSTs, and records the outcome and when it
//   retries. A process that dies between the claim and the outcome leaves the attempt open; after
//   CLAIM_TIMEOUT_MS it is tried again under the same webhook-id: delivery is at least once, and
//   receivers drop repeats by webhook-id.
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
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
  private readonly deliveries = new Map<string, Delivery>();
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
        onEvents: async (events) => events.forEach((e) => this.apply(e)),
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

  get(tenantId: string, deliveryId: string): Delivery {
    const delivery = this.deliveries.get(deliveryStream(tenantId, deliveryId));
    if (!delivery) throw new DeliveryNotFoundError(deliveryId);
    return delivery;
  }

  /** Asks for the delivery to be sent again now, under the same webhook-id; idempotent by replayId. */
  async replay(tenantId: string, deliveryId: string, replayId: string, now: Date): Promise<void> {
    this.get(tenantId, deliveryId);
    const stream = deliveryStream(tenantId, deliveryId);
    const event = { type: 'WebhookReplayRequested' as const, data: { replayId, requestedAt: now.toISOString() } };
    await this.store.appendToStream(stream, [webhookEventData(stream, `replay:${replayId}`, event)], { expectedRevision: 'any' });
  }

  private apply(recorded: Parameters<typeof evolveDelivery>[1]): void {
    const before = this.deliveries.get(recorded.streamName) ?? null;
    if (before && recorded.revision <= before.revision) return;
    const after = evolveDelivery(before, recorded);
    if (!after) return;
    this.deliveries.set(recorded.streamName, after);
    if (after.status === 'pending') {
      this.pending.add(recorded.streamName);
      this.kick(); // a new or replayed delivery goes out now, not at the next tick
    } else {
      this.pending.delete(recorded.streamName);
    }
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
    try {
      await this.store.appendToStream(stream, [webhookEventData(stream, `attempt:${attempt}:started`, claim)], { expectedRevision: delivery.revision });
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

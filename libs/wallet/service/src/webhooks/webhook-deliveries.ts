// The alert webhooks' outbox, kept in the event store: one stream per (webhook, alert),
// `webhook-<tenant>_<webhookId>.<alert event id>`, holding when it was scheduled, every attempt
// (claimed before the request, finished after it) and every replay asked for. The delivery log and
// what is still due are a fold of these streams, so any process on the store derives the same outbox.
import type { EventData, RecordedEvent } from '@creditflow/event-store';
import { deterministicUuid } from '@creditflow/event-store';

export const WEBHOOK_CATEGORY = 'webhook';

export function deliveryStream(tenantId: string, deliveryId: string): string {
  return `${WEBHOOK_CATEGORY}-${tenantId}_${deliveryId}`;
}

/** One delivery per webhook and alert: the webhook's id and the stored alert event's id. */
export function deliveryIdOf(webhookId: string, alertEventId: string): string {
  return `${webhookId}.${alertEventId}`;
}

export type WebhookEvent =
  | {
      type: 'WebhookDeliveryScheduled';
      /** `body` is the alert's CloudEvent as sent, so every attempt signs and sends the same bytes. */
      data: { tenantId: string; webhookId: string; deliveryId: string; url: string; alertId: string; alertType: string; accountId: string; body: string; scheduledAt: string };
    }
  | { type: 'WebhookAttemptStarted'; data: { attempt: number; startedAt: string } }
  | {
      type: 'WebhookAttemptFinished';
      data: { attempt: number; outcome: 'delivered' | 'failed'; responseCode: number | null; error: string | null; latencyMs: number; finishedAt: string; nextAttemptAt: string | null };
    }
  | { type: 'WebhookReplayRequested'; data: { replayId: string; requestedAt: string } };

/** The stored form of an event at `revision` of its stream: the id names the place, so a repeat at the same place writes nothing. */
export function webhookEventData(streamName: string, place: string, event: WebhookEvent): EventData {
  return { id: deterministicUuid(`${streamName}:${place}`), type: event.type, data: event.data };
}

export interface Attempt {
  attempt: number;
  startedAt: string;
  /** null while in flight, or when the process died during it (a later attempt supersedes it). */
  outcome: 'delivered' | 'failed' | null;
  responseCode: number | null;
  error: string | null;
  latencyMs: number | null;
  nextAttemptAt: string | null;
}

export interface Delivery {
  tenantId: string;
  deliveryId: string;
  webhookId: string;
  url: string;
  alertId: string;
  alertType: string;
  accountId: string;
  body: string;
  scheduledAt: string;
  /** pending: due at `nextAttemptAt`; delivered: a 2xx answered; gave_up: MAX_ATTEMPTS failed in a row. */
  status: 'pending' | 'delivered' | 'gave_up';
  nextAttemptAt: string | null;
  /** Failed attempts since the last success, schedule or replay (the backoff's count). */
  failures: number;
  attempts: Attempt[];
  replays: string[];
  /** The stream's last revision: the next append expects it. */
  revision: bigint;
}

/** Applies one stored event of a delivery stream to its delivery (null before the first). */
export function evolveDelivery(delivery: Delivery | null, recorded: RecordedEvent): Delivery | null {
  const event = { type: recorded.type, data: recorded.data } as WebhookEvent;
  if (event.type === 'WebhookDeliveryScheduled') {
    return { ...event.data, status: 'pending', nextAttemptAt: event.data.scheduledAt, failures: 0, attempts: [], replays: [], revision: recorded.revision };
  }
  if (!delivery) return null;
  const next: Delivery = { ...delivery, revision: recorded.revision };
  switch (event.type) {
    case 'WebhookAttemptStarted':
      next.attempts = [...delivery.attempts, { attempt: event.data.attempt, startedAt: event.data.startedAt, outcome: null, responseCode: null, error: null, latencyMs: null, nextAttemptAt: null }];
      return next;
    case 'WebhookAttemptFinished': {
      const { attempt, outcome, responseCode, error, latencyMs, nextAttemptAt } = event.data;
      next.attempts = delivery.attempts.map((a) => (a.attempt === attempt ? { ...a, outcome, responseCode, error, latencyMs, nextAttemptAt } : a));
      next.failures = outcome === 'delivered' ? 0 : delivery.failures + 1;
      next.status = outcome === 'delivered' ? 'delivered' : nextAttemptAt === null ? 'gave_up' : 'pending';
      next.nextAttemptAt = outcome === 'delivered' ? null : nextAttemptAt;
      return next;
    }
    case 'WebhookReplayRequested':
      return { ...next, status: 'pending', nextAttemptAt: event.data.requestedAt, failures: 0, replays: [...delivery.replays, event.data.replayId] };
    default:
      return next;
  }
}

/** An attempt claimed this long ago without an outcome was cut short (its process died): it is tried again. */
export const CLAIM_TIMEOUT_MS = 30_000;

/** Whether a delivery should be attempted at `now` (ms): pending and due, or its last attempt cut short. */
export function isDue(delivery: Delivery, now: number): boolean {
  if (delivery.status !== 'pending') return false;
  const last = delivery.attempts[delivery.attempts.length - 1];
  if (last && last.outcome === null) return Date.parse(last.startedAt) + CLAIM_TIMEOUT_MS <= now;
  return delivery.nextAttemptAt !== null && Date.parse(delivery.nextAttemptAt) <= now;
}

/** The delivery as the log shows it: everything but the body and the stream revision. */
export function deliveryView(d: Delivery) {
  return {
    deliveryId: d.deliveryId, webhookId: d.webhookId, url: d.url, alertId: d.alertId, alertType: d.alertType, accountId: d.accountId,
    status: d.status, scheduledAt: d.scheduledAt, nextAttemptAt: d.nextAttemptAt, attempts: d.attempts, replays: d.replays,
  };
}

// The outbox on a real store and a real HTTP receiver, with its delivery log made to lag behind the
// store (as it does on a loaded host): a delivery must still go out once per attempt.
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import pino from 'pino';
import { EventStore, SqliteEventStore, SubscribeOptions } from '@creditflow/event-store';
import { waitFor } from '@creditflow/kernel/testing';
import { Deployment, Observability, PlatformMetrics } from '@creditflow/shell';
import { deliveryStream, webhookEventData } from './webhook-deliveries';
import { WebhookOutbox } from './webhook-outbox';
import { Webhook, WebhookRegistry } from './webhook-registry';

const LOG_LAG_MS = 600;

/** The store, with the delivery log's subscription handed each batch LOG_LAG_MS late. */
function withLaggingLog(store: EventStore): EventStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'subscribe') return Reflect.get(target, property, receiver);
      return (options: SubscribeOptions) =>
        target.subscribe(options.subscriptionId !== 'wallet-webhook-log' ? options : {
          ...options,
          onEvents: async (events) => {
            await new Promise((resolve) => setTimeout(resolve, LOG_LAG_MS));
            await options.onEvents(events);
          },
        });
    },
  });
}

describe('the webhook outbox, its delivery log behind the store', () => {
  let server: Server;
  let store: SqliteEventStore;
  let outbox: WebhookOutbox;
  const received: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      received.push(String(req.headers['webhook-id']));
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const webhook: Webhook = { id: 'hook', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, alerts: ['low_balance'], secret: 's', source: 'api' };
    const registry = { load: async () => undefined, of: () => [webhook], find: () => webhook } as unknown as WebhookRegistry;
    const deployment = new Deployment('embedded', '', 'creditflow', 0, { secrets: new Map(), retryMs: 300, privateTargets: true, logKept: 1_000 }, 0, '');
    const observability = new Observability('test', pino({ level: 'silent' }), new PlatformMetrics('test'), 100);
    store = new SqliteEventStore(':memory:', { pollIntervalMs: 50 });
    outbox = new WebhookOutbox(withLaggingLog(store), registry, deployment, observability);
    await outbox.onApplicationBootstrap();
  });
  afterAll(async () => {
    await outbox.onModuleDestroy();
    await store.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends a delivery once, though the log learns of its attempt only after the attempt finished', async () => {
    const deliveryId = 'hook.alert-1';
    const stream = deliveryStream('t1', deliveryId);
    const scheduled = {
      tenantId: 't1', webhookId: 'hook', deliveryId, url: 'unused', alertId: 'alert-1', alertType: 'creditflow.alert.low_balance', accountId: 'acc-1',
      body: '{"id":"alert-1"}', scheduledAt: new Date().toISOString(),
    };
    await store.appendToStream(stream, [webhookEventData(stream, 'scheduled', { type: 'WebhookDeliveryScheduled', data: scheduled })], { expectedRevision: 'no_stream' });

    await waitFor('the delivery logged as delivered', async () => ((await outbox.get('t1', deliveryId)).status === 'delivered' ? true : undefined), 10_000);
    // Long enough for every tick of the sender (200 ms) while the log was behind, and one lag more.
    await new Promise((resolve) => setTimeout(resolve, 3 * LOG_LAG_MS));
    expect(received).toEqual(['alert-1']);
    const events = await store.readStream(stream);
    expect(events.map((e) => e.type)).toEqual(['WebhookDeliveryScheduled', 'WebhookAttemptStarted', 'WebhookAttemptFinished']);
  });
});

// Distributed mode on PostgreSQL (DATABASE_URL): pricing, two wallet replicas in one consumer group
// and the subscription-scheduler running its own schedule, over a real Kafka broker. The replicas
// share the store (accounts, usage claims, publisher leases); each keeps its own local read models.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Consumer, Kafka, Producer, logLevel } from 'kafkajs';
import { CloudEvent, TOPICS, cloudEvent, messageKey } from '@creditflow/contracts';
import { dropSchemas, testDatabaseUrl } from '@creditflow/event-store/testing';
import { waitFor } from '@creditflow/kernel/testing';
import { ManualClock } from '@creditflow/shell';
import { E2E_WAIT_MS, RunningService, callService, kafkaBrokers, startService, tempDataRoot } from './distributed-services';

const run = randomUUID().slice(0, 8);
const schema = `e2e_replicas_${run.replace(/-/g, '')}`;
const T0 = Date.parse('2031-03-10T08:00:00Z');
const DAY = 86_400_000;
const admin = (tenant: string) => `admin-${tenant}-${run}`;
const keys = { [admin('apinfer')]: { tenant: 'apinfer', role: 'admin' }, [admin('amisi')]: { tenant: 'amisi', role: 'admin' } };

describe('two wallet replicas on PostgreSQL, and a scheduler that ticks on its own', () => {
  const dataRoot = tempDataRoot(`creditflow-replicas-${run}-`);
  const running: RunningService[] = [];
  const wallets: RunningService[] = [];
  let scheduler: RunningService;
  let databaseUrl: string;
  let kafka: Kafka;
  let producer: Producer;
  let observer: Consumer;
  const decisions: CloudEvent<Record<string, unknown>>[] = [];

  beforeAll(async () => {
    databaseUrl = await testDatabaseUrl();
    const env = {
      KAFKA_BROKERS: kafkaBrokers().join(','), CREDITFLOW_API_KEYS: JSON.stringify(keys), CREDITFLOW_CLOCK: 'manual',
      CREDITFLOW_GROUP_PREFIX: `e2e-replicas-${run}`, DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema,
    };
    running.push(await startService('pricing', env, dataRoot));
    // Each replica has its own data directory (its local read models), as two pods would.
    for (const replica of ['a', 'b']) wallets.push(await startService('wallet', env, join(dataRoot, replica)));
    running.push(...wallets);
    scheduler = await startService('subscription-scheduler', { ...env, CREDITFLOW_SCHEDULER_INTERVAL_MS: '300' }, dataRoot);
    running.push(scheduler);
    for (const service of running) (service.runtime.clock as ManualClock).set(new Date(T0));

    kafka = new Kafka({ clientId: `e2e-replicas-${run}`, brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    producer = kafka.producer();
    await producer.connect();
    observer = kafka.consumer({ groupId: `e2e-replicas-${run}-observer`, maxWaitTimeInMs: 50 });
    await observer.connect();
    await observer.subscribe({ topic: TOPICS.usageDecisions, fromBeginning: true });
    await observer.run({ eachMessage: async ({ message }) => void decisions.push(JSON.parse(message.value!.toString())) });
  }, 120_000);

  afterAll(async () => {
    await observer?.disconnect();
    await producer?.disconnect();
    for (const service of running.reverse()) await service.stop();
    if (databaseUrl) await dropSchemas(databaseUrl, [schema]);
  }, 60_000);

  const http = (service: RunningService, tenant: string, method: string, path: string, body?: unknown) => callService(service, admin(tenant), method, path, body);
  const usage = (accountId: string, action: string, data: Record<string, unknown>) =>
    producer.send({
      topic: TOPICS.usage,
      messages: [{
        key: messageKey('apinfer', accountId),
        value: JSON.stringify(cloudEvent({ id: randomUUID(), source: 'e2e', type: `creditflow.usage.${action}`, subject: accountId, tenantid: 'apinfer', data: { accountId, ...data } })),
      }],
    });
  const decided = (usageId: string, type: string) => decisions.filter((d) => d.type === type && d.data.usageId === usageId);

  it('decides every account once across the two replicas, publishes each decision once, and both answer the same balances', async () => {
    const accounts = Array.from({ length: 6 }, (_, i) => `acc-${i}-${run}`);
    for (const [i, accountId] of accounts.entries()) {
      const wallet = wallets[i % 2];
      expect((await http(wallet, 'apinfer', 'PUT', `/v1/accounts/${accountId}`, { type: 'personal' })).status).toBe(200);
      expect((await http(wallet, 'apinfer', 'POST', '/v1/purchases', { purchaseId: `p-${accountId}`, accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' })).status).toBe(200);
      await usage(accountId, 'authorize', { usageId: `u-${accountId}`, feature: 'qwen-image' });
      await usage(accountId, 'complete', { usageId: `u-${accountId}` });
    }
    for (const accountId of accounts) await waitFor(`the completion of u-${accountId}`, () => (decided(`u-${accountId}`, 'creditflow.usage.completed').length ? true : undefined), E2E_WAIT_MS);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // time for a doubled publication, were there one

    for (const accountId of accounts) {
      expect([decided(`u-${accountId}`, 'creditflow.usage.authorized').length, decided(`u-${accountId}`, 'creditflow.usage.completed').length]).toEqual([1, 1]);
      for (const wallet of wallets) {
        expect((await http(wallet, 'apinfer', 'GET', `/v1/accounts/${accountId}/balance`)).body).toMatchObject({ available: '98.25', held: '0' });
      }
    }
  });

  it('grants the next month of a subscription without anyone posting a tick', async () => {
    const accountId = `acc-sub-${run}`;
    expect((await http(wallets[0], 'amisi', 'PUT', `/v1/accounts/${accountId}`, { type: 'personal' })).status).toBe(200);
    const started = await http(scheduler, 'amisi', 'PUT', `/v1/accounts/${accountId}/subscription`, { planId: 'basic', billingPeriod: 'monthly' });
    expect(started.status).toBe(200);
    await waitFor('the cycle-0 grant', async () => ((await http(wallets[1], 'amisi', 'GET', `/v1/accounts/${accountId}/balance`)).body.available === '20' ? true : undefined), E2E_WAIT_MS);

    // A month on by every clock: the scheduler's own schedule finds the boundary, nobody posts a tick.
    for (const service of running) (service.runtime.clock as ManualClock).set(new Date(T0 + 32 * DAY));
    const balance = await waitFor('the cycle-1 grant', async () => {
      const b = (await http(wallets[0], 'amisi', 'GET', `/v1/accounts/${accountId}/balance`)).body;
      return b.lots.length === 2 ? b : undefined;
    }, E2E_WAIT_MS);
    expect(balance).toMatchObject({ available: '40' }); // basic keeps up to 40: 20 rolled over, 20 granted
  });

  it('keeps deciding when one replica stops: the other takes over its partitions and its publisher', async () => {
    const accountId = `acc-after-${run}`;
    await http(wallets[1], 'apinfer', 'PUT', `/v1/accounts/${accountId}`, { type: 'personal' });
    await http(wallets[1], 'apinfer', 'POST', '/v1/purchases', { purchaseId: `p-${accountId}`, accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' });
    await wallets[0].stop();
    running.splice(running.indexOf(wallets[0]), 1);

    await usage(accountId, 'authorize', { usageId: `u-${accountId}`, feature: 'qwen-image' });
    await waitFor('the decision from the remaining replica', () => (decided(`u-${accountId}`, 'creditflow.usage.authorized').length ? true : undefined), E2E_WAIT_MS);
    expect((await http(wallets[1], 'apinfer', 'GET', `/v1/accounts/${accountId}/balance`)).body).toMatchObject({ held: '1.75' });
  });
});

// Issue 12 over a real Kafka broker, the four services as separate applications:
// - one trace followed through the logs of all four: an upstream operation (trace T) opens an account
//   on the wallet and subscribes it on the scheduler over HTTP, then sends a usage command on
//   creditflow.usage.v1; T is in the scheduler's request line, in the wallet's lines for the monthly
//   grant it consumes and the priced usage it decides, in pricing's line for the command, in the
//   refund service's lines for the wallet events, and on the grant and decision messages themselves;
// - /metrics of each service scraped before and after that workload, the counts matching it;
// - /health/ready going red when the broker stops and green when it returns (a broker of its own).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { TOPICS, USAGE_COMMAND_TYPES, cloudEvent, messageKey } from '@creditflow/contracts';
import { waitFor } from '@creditflow/kernel/testing';
import { ServiceName } from '@creditflow/shell';
import { E2E_WAIT_MS, RunningService, distributedFor, startService, tempDataRoot } from './distributed-services';
import { LogCapture, Sample, parseMetrics, sumOf } from './observability.fixture';

const run = randomUUID().slice(0, 8);
const keys = { [`admin-amisi-${run}`]: { tenant: 'amisi', role: 'admin' } };
const ADMIN = `admin-amisi-${run}`;
const repoRoot = resolve(__dirname, '../../..');

const span = () => randomBytes(8).toString('hex');

async function call(service: RunningService, method: string, path: string, { body, traceparent }: { body?: unknown; traceparent?: string } = {}) {
  const res = await fetch(`${service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...(traceparent ? { traceparent } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function scrape(service: RunningService): Promise<Sample[]> {
  const res = await fetch(`${service.url}/metrics`);
  expect(res.status).toBe(200);
  return parseMetrics(await res.text());
}

describe('one trace through the four services over Kafka, and /metrics counting it', () => {
  const SERVICES: ServiceName[] = ['pricing', 'wallet', 'subscription-scheduler', 'refund'];
  const { services, seen, send, logs } = distributedFor({
    name: `e2e-obs-${run}`,
    services: SERVICES,
    keys,
    topics: [TOPICS.usageDecisions, TOPICS.scheduler],
    captureLogs: true,
  });
  const traceId = randomBytes(16).toString('hex');

  it('carries the trace of an HTTP request and of a Kafka command through pricing, the scheduler, the wallet and refund, and counts the workload', async () => {
    const accountId = `acc-obs-${run}`;
    const usageId = `u-obs-${run}`;
    // Every group has read what the broker already held: the scrapes below see only this workload.
    await waitFor('every consumer group to catch up', async () => {
      for (const name of SERVICES) if (sumOf(await scrape(services[name]!), 'creditflow_consumer_lag') !== 0) return undefined;
      return true;
    }, E2E_WAIT_MS);
    const before = Object.fromEntries(await Promise.all(SERVICES.map(async (name) => [name, await scrape(services[name]!)] as const)));

    // The upstream operation: two HTTP requests and one command on Kafka, all in trace T.
    const accountSpan = span();
    expect((await call(services.wallet!, 'PUT', `/v1/accounts/${accountId}`, { body: { type: 'personal' }, traceparent: `00-${traceId}-${accountSpan}-01` })).status).toBe(200);
    const subscribeSpan = span();
    const subscribed = await call(services['subscription-scheduler']!, 'PUT', `/v1/accounts/${accountId}/subscription`, {
      body: { planId: 'basic', billingPeriod: 'monthly' }, traceparent: `00-${traceId}-${subscribeSpan}-01`,
    });
    expect(subscribed.status).toBe(200);
    const grant = await waitFor('the monthly grant on creditflow.scheduler.v1', async () =>
      seen.find((s) => s.topic === TOPICS.scheduler && s.event?.subject === accountId && s.event.type === 'creditflow.scheduler.monthly-grant')?.event ?? undefined, E2E_WAIT_MS);
    expect(grant.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    await waitFor('the grant in the balance', async () => ((await call(services.wallet!, 'GET', `/v1/accounts/${accountId}/balance`)).body?.available === '20' ? true : undefined), E2E_WAIT_MS);

    const commandId = `cmd-obs-${run}`;
    const commandSpan = span();
    await send(TOPICS.usage, [{
      key: messageKey('amisi', accountId),
      value: {
        ...cloudEvent({ id: commandId, source: 'e2e/upstream', type: USAGE_COMMAND_TYPES.authorize, subject: accountId, tenantid: 'amisi', time: new Date().toISOString(), data: { usageId, accountId, feature: 'text-to-image', resolution: '720p' } }),
        traceparent: `00-${traceId}-${commandSpan}-01`,
      },
    }]);
    const decision = await waitFor('the decision', async () =>
      seen.find((s) => s.topic === TOPICS.usageDecisions && s.event?.data.usageId === usageId)?.event ?? undefined, E2E_WAIT_MS);
    expect(decision).toMatchObject({ type: 'creditflow.usage.authorized', causationid: `priced:${commandId}`, traceparent: expect.stringMatching(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`)) });

    // The logs of every service, by trace.
    const traced = (name: ServiceName, fields: Record<string, unknown>) => logs[name]!.where({ traceId, ...fields });
    await waitFor('the refund service to consume the hold', async () => (traced('refund', { msg: 'message consumed', type: 'creditflow.wallet.hold-placed' }).length ? true : undefined), E2E_WAIT_MS);
    expect(traced('subscription-scheduler', { msg: 'request' })).toEqual([
      expect.objectContaining({ service: 'subscription-scheduler', method: 'PUT', route: '/v1/accounts/:accountId/subscription', status: 200, tenant: 'amisi', parentSpanId: subscribeSpan, keyId: expect.stringMatching(/^[0-9a-f]{12}$/), latencyMs: expect.any(Number) }),
    ]);
    expect(traced('pricing', { msg: 'message consumed' })).toEqual([
      expect.objectContaining({ service: 'pricing', topic: TOPICS.usage, messageId: commandId, tenant: 'amisi', subject: accountId, parentSpanId: commandSpan }),
    ]);
    const wallet = logs.wallet!.where({ traceId });
    expect(wallet).toEqual(expect.arrayContaining([
      expect.objectContaining({ msg: 'request', route: '/v1/accounts/:accountId', status: 200, parentSpanId: accountSpan }),
      expect.objectContaining({ msg: 'message consumed', topic: TOPICS.scheduler, type: 'creditflow.scheduler.monthly-grant', subject: accountId }),
      expect.objectContaining({ msg: 'message consumed', topic: TOPICS.pricedUsage, messageId: `priced:${commandId}`, causationId: commandId }),
      expect.objectContaining({ msg: 'usage decision', outcome: 'authorized', usageId, causationId: `priced:${commandId}` }),
    ]));
    expect(traced('refund', { msg: 'message consumed' }).map((l) => l.type)).toEqual(expect.arrayContaining([
      'creditflow.wallet.account-opened', 'creditflow.wallet.credits-granted', 'creditflow.wallet.hold-placed',
    ]));
    for (const name of SERVICES) {
      expect({ name, lines: logs[name]!.lines.every((l) => l.service === name && typeof l.time === 'string' && typeof l.level === 'string') }).toEqual({ name, lines: true });
      expect({ name, keys: logs[name]!.raw.filter((line) => line.includes(ADMIN)) }).toEqual({ name, keys: [] });
    }

    // /metrics: the workload, counted where it happened.
    const after = Object.fromEntries(await Promise.all(SERVICES.map(async (name) => [name, await scrape(services[name]!)] as const)));
    const delta = (name: ServiceName, metric: string, labels: Record<string, string> = {}) => sumOf(after[name], metric, labels) - sumOf(before[name], metric, labels);
    const group = (service: ServiceName) => `e2e-obs-${run}-${service}`;
    expect({
      pricingConsumed: delta('pricing', 'creditflow_messages_consumed_total', { group: group('pricing'), topic: TOPICS.usage }),
      walletConsumedPriced: delta('wallet', 'creditflow_messages_consumed_total', { group: group('wallet'), topic: TOPICS.pricedUsage }),
      walletConsumedGrants: delta('wallet', 'creditflow_messages_consumed_total', { group: group('wallet'), topic: TOPICS.scheduler }),
      authorized: delta('wallet', 'creditflow_usage_decisions_total', { tenant: 'amisi', outcome: 'authorized' }),
      placed: delta('wallet', 'creditflow_holds_total', { tenant: 'amisi', event: 'placed' }),
      granted: delta('wallet', 'creditflow_credits_total', { tenant: 'amisi', flow: 'granted' }),
      monthlyGrants: delta('subscription-scheduler', 'creditflow_scheduler_events_total', { tenant: 'amisi', type: 'monthly_grant' }),
      subscribeRequests: delta('subscription-scheduler', 'creditflow_http_request_duration_seconds_count', { route: '/v1/accounts/:accountId/subscription', status: '200' }),
      accountRequests: delta('wallet', 'creditflow_http_request_duration_seconds_count', { method: 'PUT', route: '/v1/accounts/:accountId', status: '200' }),
    }).toEqual({ pricingConsumed: 1, walletConsumedPriced: 1, walletConsumedGrants: 1, authorized: 1, placed: 1, granted: 20, monthlyGrants: 1, subscribeRequests: 1, accountRequests: 1 });
    // The refund service read every wallet event of the account (opened, plan, grant, hold, ...).
    expect(delta('refund', 'creditflow_messages_consumed_total', { group: group('refund'), topic: TOPICS.walletEvents })).toBeGreaterThanOrEqual(3);
    for (const name of SERVICES) {
      expect({ name, service: after[name].every((s) => s.labels.service === name) }).toEqual({ name, service: true });
      expect({ name, up: after[name].filter((s) => s.name === 'creditflow_consumer_up').map((s) => s.value) }).toEqual({ name, up: [1] });
    }
  });
});

// --- a broker of its own: stopped and started again under the running services ----------------------

/** Not the port of the e2e tier's broker (9092) nor the one the instructions suggest for a second (9492). */
const DEDICATED_PORT = Number(process.env.CREDITFLOW_E2E_HEALTH_KAFKA_PORT ?? 9792);
const kafkaScript = join(repoRoot, 'scripts/kafka/kafka.sh');
const broker = (command: string, ...args: string[]) =>
  execFileSync('bash', [kafkaScript, command, ...args], { env: { ...process.env, KAFKA_PORT: String(DEDICATED_PORT) }, stdio: 'pipe', timeout: 120_000 }).toString();

/**
 * Starts the stopped broker again on the data it left (topics, offsets, groups), as a restart in
 * production does: `kafka.sh start --keep-data` where the script has it; else the same command the
 * script runs, on its generated configuration, recorded in its pid file so `kafka.sh stop` ends it.
 */
async function restartBrokerOnItsData(): Promise<void> {
  if (readFileSync(kafkaScript, 'utf8').includes('--keep-data')) {
    broker('start', '--keep-data');
    return;
  }
  const home = join(repoRoot, '.kafka');
  const log = openSync(join(home, `broker-${DEDICATED_PORT}.log`), 'a');
  const child = spawn('java', ['-Xms256m', '-Xmx512m', '-XX:+UseG1GC', '-Djava.awt.headless=true', `-Dlog4j.configuration=file:${join(home, 'log4j.properties')}`,
    '-cp', `${join(home, 'lib')}/*`, 'kafka.Kafka', join(home, `broker-${DEDICATED_PORT}.properties`)], { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  closeSync(log);
  writeFileSync(join(home, `broker-${DEDICATED_PORT}.pid`), `${child.pid}\n`);
  execFileSync('node', [join(repoRoot, 'scripts/kafka/ready.cjs'), '--brokers', `127.0.0.1:${DEDICATED_PORT}`, '--timeout', '90', '--pid', String(child.pid)], { stdio: 'pipe', timeout: 100_000 });
}

describe('/health/ready follows the broker', () => {
  const brokers = `127.0.0.1:${DEDICATED_PORT}`;
  const dataRoot = tempDataRoot('creditflow-e2e-health-');
  const running: Partial<Record<ServiceName, RunningService>> = {};
  const logs = { pricing: new LogCapture(), wallet: new LogCapture() };
  const env = { KAFKA_BROKERS: brokers, CREDITFLOW_API_KEYS: JSON.stringify(keys), CREDITFLOW_GROUP_PREFIX: `e2e-health-${run}` };

  beforeAll(async () => {
    broker('start');
    for (const name of ['pricing', 'wallet'] as const) running[name] = await startService(name, env, dataRoot, { logs: logs[name] });
  }, 180_000);

  afterAll(async () => {
    for (const service of Object.values(running).reverse()) await service?.stop().catch(() => undefined);
    broker('stop');
    rmSync(dataRoot, { recursive: true, force: true });
  }, 120_000);

  const readiness = async (service: RunningService) => {
    const res = await fetch(`${service.url}/health/ready`);
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const until = (what: string, status: number) =>
    Promise.all(Object.values(running).map((service) =>
      waitFor(`${service!.name} ${what}`, async () => {
        // A kept-alive connection the server closed meanwhile fails once: ask again.
        const r = await readiness(service!).catch(() => undefined);
        return r?.status === status ? r : undefined;
      }, 90_000),
    ));

  it('is 200 with the broker up; 503 naming the bus, then the dead consumers, while it is stopped (live stays 200, /metrics answers); 200 once it is back, the consumers restarted', async () => {
    for (const r of await until('ready', 200)) expect(r.body).toMatchObject({ status: 'ok', mode: 'distributed', checks: { bus: { status: 'ok' }, consumers: { status: 'ok' } } });

    broker('stop');
    for (const r of await until('not ready without the broker', 503)) {
      expect(r.body).toMatchObject({ error: 'not_ready', status: 'unavailable', checks: { bus: { status: 'failing', error: expect.any(String) }, store: { status: 'ok' } } });
      expect(r.body.message).toMatch(/^bus: /);
    }
    // Without a broker the consumers die: readiness names them, the log says so, /metrics counts it.
    for (const [name, service] of Object.entries(running)) {
      const group = `e2e-health-${run}-${name}`;
      const consumers = await waitFor(`the consumer of ${name} to die`, async () => {
        const r = await readiness(service!).catch(() => undefined);
        return r?.body?.checks?.consumers?.groups?.[group]?.state === 'crashed' ? r.body.checks.consumers : undefined;
      }, 90_000);
      expect(consumers).toMatchObject({ status: 'failing', error: `not running: ${group}`, groups: { [group]: { crashes: expect.any(Number), lastError: expect.any(String) } } });
      expect(logs[name as 'pricing' | 'wallet'].where({ level: 'error', component: 'bus', groupId: group })).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(new RegExp(`^consumer ${group} died: `)) }));
      expect((await fetch(`${service!.url}/health/live`)).status).toBe(200);
      const samples = await scrape(service!);
      expect({ up: sumOf(samples, 'creditflow_consumer_up', { group }), crashes: sumOf(samples, 'creditflow_consumer_crashes_total', { group }) >= 1 }).toEqual({ up: 0, crashes: true });
    }

    await restartBrokerOnItsData();
    for (const r of await until('ready again', 200)) expect(r.body.checks).toMatchObject({ bus: { status: 'ok' }, consumers: { status: 'ok' } });
    for (const [name, service] of Object.entries(running)) {
      const group = `e2e-health-${run}-${name}`;
      expect(logs[name as 'pricing' | 'wallet'].where({ component: 'bus', groupId: group, msg: `consumer ${group} runs again` })).not.toEqual([]);
      expect(sumOf(await scrape(service!), 'creditflow_consumer_up', { group })).toBe(1);
    }

    // Consuming again: a command sent now is consumed by pricing and reaches the wallet.
    const kafka = new Kafka({ clientId: `e2e-health-${run}`, brokers: [brokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    try {
      const id = `after-outage-${run}`;
      await producer.send({
        topic: TOPICS.usage,
        messages: [{ key: messageKey('amisi', 'nobody'), value: JSON.stringify(cloudEvent({ id, source: 'e2e', type: USAGE_COMMAND_TYPES.authorize, subject: 'nobody', tenantid: 'amisi', data: { usageId: id, accountId: 'nobody', feature: 'chat-message' } })) }],
      });
      await waitFor('pricing to consume the command', async () => (logs.pricing.where({ msg: 'message consumed', messageId: id }).length ? true : undefined), 90_000);
      await waitFor('the wallet to consume its priced form', async () => (logs.wallet.where({ msg: 'message consumed', messageId: `priced:${id}` }).length ? true : undefined), 90_000);
    } finally {
      await producer.disconnect();
    }
  });
});

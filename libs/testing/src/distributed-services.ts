// Starts creditflow services as separate NestJS applications, each with its own runtime, data
// directory and Kafka clients, as distributed mode runs them (minus the process boundary); and the
// harness of the e2e suites around them (`distributedFor`): a producer, an observer that keeps every
// message of some topics, HTTP calls with an API key.
import { INestApplication, Type } from '@nestjs/common';
import { Kafka, KafkaConfig, Producer, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpsModule } from '@creditflow/ops-service';
import { ReconcilerModule } from '@creditflow/reconciler-service';
import { PricingModule } from '@creditflow/pricing-service';
import { RefundModule } from '@creditflow/refund-service';
import { SchedulerModule } from '@creditflow/scheduler-service';
import { CloudEvent, TOPICS, cloudEvent, messageKey } from '@creditflow/contracts';
import { waitFor } from '@creditflow/kernel/testing';
import { ManualClock, Runtime, ServiceName, createRuntime, hostServices } from '@creditflow/shell';
import { WalletModule } from '@creditflow/wallet-service';
import { LogCapture } from './observability.fixture';

const MODULES: Record<ServiceName, Type<unknown>> = {
  pricing: PricingModule,
  wallet: WalletModule,
  'subscription-scheduler': SchedulerModule,
  refund: RefundModule,
};

export interface RunningService {
  name: ServiceName;
  url: string;
  dataDir: string;
  runtime: Runtime;
  app: INestApplication;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Keeps the service's log lines (info and up) here instead of writing its errors to stdout. */
  logs?: LogCapture;
}

export async function startService(name: ServiceName, env: Record<string, string>, dataRoot: string, { logs }: StartOptions = {}): Promise<RunningService> {
  // Tests create their topics as a developer's broker does (production: npm run topics) and tick explicitly.
  const runtime = await createRuntime('distributed', name, {
    CREDITFLOW_CREATE_TOPICS: 'true', CREDITFLOW_SCHEDULER_INTERVAL_MS: '0', ...env, CREDITFLOW_DATA_DIR: dataRoot,
  }, { logDestination: logs });
  // As apps/wallet/src/main.ts does: the ops read models and the reconciler live beside the wallet's store.
  const extras = name === 'wallet' ? [OpsModule, ReconcilerModule] : [];
  const app = await hostServices({ runtime, services: [{ name, module: MODULES[name] }], extras, port: 0, logger: logs ? ['log'] : ['error'] });
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    name, url, dataDir: runtime.dataDir, runtime, app,
    stop: async () => {
      await app.close();
      await runtime.close();
    },
  };
}

export function tempDataRoot(prefix = 'creditflow-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** How long an e2e test waits (`waitFor` of @creditflow/kernel/testing) for something to cross the broker. */
export const E2E_WAIT_MS = 45_000;

/** The brokers of the e2e tier (KAFKA_BROKERS, comma-separated). */
export function kafkaBrokers(): string[] {
  return (process.env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
}

/** One message an observer received. */
export interface Seen {
  topic: string;
  partition: number;
  key: string | null;
  value: string;
  /** The value parsed as JSON (a CloudEvent on our topics); null when it is not JSON. */
  event: CloudEvent<Record<string, any>> | null;
}

export interface HttpAnswer {
  status: number;
  /** The parsed JSON body; the text of any other (a CSV); undefined when empty. */
  body: Record<string, any>;
}

/** An HTTP request to a running service with `key` as the bearer token, a JSON body, JSON (or text) back. */
export async function callService(service: RunningService, key: string, method: string, path: string, body?: unknown): Promise<HttpAnswer> {
  const res = await fetch(`${service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = res.headers.get('content-type')?.startsWith('application/json');
  return { status: res.status, body: (text ? (json ? JSON.parse(text) : text) : undefined) as Record<string, any> };
}

export interface DistributedOptions {
  /**
   * Unique to the run (e.g. `e2e-seeds-<run>`): the Kafka client id, the services' group prefix
   * (CREDITFLOW_GROUP_PREFIX, so their groups are `<name>-<service>`) and the observer's group `<name>-observer`.
   */
  name: string;
  /** Started in this order (the first creates the topics the others join) on one data root. */
  services: ServiceName[];
  /** CREDITFLOW_API_KEYS. */
  keys: Record<string, { tenant: string; role: string }>;
  /** The observer keeps every message of these topics, from the beginning, in `seen`. */
  topics: string[];
  /** Runs the services on manual clocks, set to this time as soon as they have started (else the system clock). */
  manualClockAt?: number | Date;
  /** More environment for every service (e.g. CREDITFLOW_TENANTS_DIR). */
  env?: Record<string, string>;
  /** How the test's own producer and observer reach the brokers; default KAFKA_BROKERS, plaintext. */
  client?: Pick<KafkaConfig, 'brokers' | 'ssl' | 'sasl'>;
  /** Keeps every service's log lines (info and up) in `logs`, one capture per service. */
  captureLogs?: boolean;
}

export interface Distributed {
  readonly kafka: Kafka;
  /** The running services by name (filled before the first test). */
  readonly services: Partial<Record<ServiceName, RunningService>>;
  /** Every message of the observed topics, in the order the observer received them. */
  readonly seen: Seen[];
  /** CREDITFLOW_GROUP_PREFIX of the services. */
  readonly groupPrefix: string;
  /** Each service's log lines, when started with `captureLogs` (a restart keeps writing to the same capture). */
  readonly logs: Partial<Record<ServiceName, LogCapture>>;
  /** Produces messages on `topic`; a CloudEvent is sent as JSON, a string as is. */
  send(topic: string, messages: { key: string; value: CloudEvent<unknown> | string }[]): Promise<void>;
  /** Sends one usage command (`creditflow.usage.<action>`) for the account on creditflow.usage.v1, keyed by the account. */
  sendUsage(tenant: string, accountId: string, action: string, data: Record<string, unknown>): Promise<void>;
  /** The decision of `type` (a USAGE_DECISION_TYPES value) for the usage on creditflow.usage-decisions.v1, once observed (topic observed). */
  decision(usageId: string, type: string): Promise<CloudEvent<any>>;
  /** Stops one service and starts it again on the same data, as a process restart would. */
  restart(name: ServiceName): Promise<void>;
  /** Sets every service's manual clock (see `manualClockAt`). */
  setClocks(at: number | Date): void;
}

/**
 * Starts the services, a producer and the observer before the tests of the enclosing describe block,
 * and stops them after.
 */
export function distributedFor(options: DistributedOptions): Distributed {
  const kafka = new Kafka({ clientId: options.name, brokers: kafkaBrokers(), ...options.client, logLevel: logLevel.NOTHING });
  const env = {
    KAFKA_BROKERS: kafkaBrokers().join(','),
    CREDITFLOW_API_KEYS: JSON.stringify(options.keys),
    CREDITFLOW_CLOCK: options.manualClockAt === undefined ? 'system' : 'manual',
    CREDITFLOW_GROUP_PREFIX: options.name,
    ...options.env,
  };
  const dataRoot = tempDataRoot(`creditflow-${options.name}-`);
  const services: Partial<Record<ServiceName, RunningService>> = {};
  const logs: Partial<Record<ServiceName, LogCapture>> = {};
  if (options.captureLogs) for (const name of options.services) logs[name] = new LogCapture();
  const seen: Seen[] = [];
  const observer = kafka.consumer({ groupId: `${options.name}-observer`, maxWaitTimeInMs: 50 });
  let producer: Producer | undefined;

  const setClocks = (at: number | Date) => {
    for (const s of Object.values(services)) {
      if (!(s!.runtime.clock instanceof ManualClock)) throw new Error(`${s!.name} does not run on a manual clock`);
      s!.runtime.clock.set(new Date(at));
    }
  };
  const stop = async () => {
    await observer.disconnect();
    await producer?.disconnect();
    for (const s of Object.values(services).reverse()) await s?.stop();
  };

  beforeAll(async () => {
    try {
      for (const name of options.services) services[name] = await startService(name, env, dataRoot, { logs: logs[name] });
      if (options.manualClockAt !== undefined) setClocks(options.manualClockAt);
      producer = kafka.producer();
      await producer.connect();
      await observer.connect();
      for (const topic of options.topics) await observer.subscribe({ topic, fromBeginning: true });
      await observer.run({
        eachMessage: async ({ topic, partition, message }) => {
          const value = message.value?.toString() ?? '';
          let event: Seen['event'] = null;
          try {
            event = JSON.parse(value);
          } catch {
            /* kept raw */
          }
          seen.push({ topic, partition, key: message.key?.toString() ?? null, value, event });
        },
      });
    } catch (error) {
      await stop();
      throw error;
    }
  }, 120_000);

  afterAll(stop, 60_000);

  // Plain functions, not methods: the specs destructure what they use.
  const send: Distributed['send'] = async (topic, messages) => {
    if (!producer) throw new Error('the distributed services did not start');
    await producer.send({ topic, messages: messages.map(({ key, value }) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) })) });
  };
  return {
    kafka,
    services,
    seen,
    groupPrefix: options.name,
    logs,
    send,
    sendUsage: async (tenant, accountId, action, data) => {
      await send(TOPICS.usage, [{
        key: messageKey(tenant, accountId),
        value: cloudEvent({ id: randomUUID(), source: 'e2e', type: `creditflow.usage.${action}`, subject: accountId, tenantid: tenant, time: new Date().toISOString(), data: { accountId, ...data } }),
      }]);
    },
    decision: (usageId, type) =>
      waitFor(`${type} for ${usageId}`, () => seen.find((s) => s.topic === TOPICS.usageDecisions && s.event?.type === type && s.event.data.usageId === usageId)?.event ?? undefined, E2E_WAIT_MS),
    async restart(name) {
      await services[name]!.stop();
      services[name] = await startService(name, env, dataRoot, { logs: logs[name] });
    },
    setClocks,
  };
}

// Everything a service needs from its environment, built once per process from the validated
// configuration (config.ts): tenants, clock, keys, the event store and the bus. Embedded mode: one
// store and the SQLite bus for all four services. Distributed mode: Kafka between the services.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_TOPICS } from '@creditflow/contracts';
import { EventStore, EventStoreConfig, createEventStore } from '@creditflow/event-store';
import { BusLog, KafkaBus, MessageBus, SqliteBus, TopicSettings } from '@creditflow/messaging';
import { Tenants, loadTenants } from '@creditflow/tenancy';
import { Principal } from './auth';
import { ManualClock, SystemClock } from './clock';
import type { WalletSettings, WebhookSettings } from './providers';
import { ConfigError, KafkaSettings, PlatformConfig, readConfig } from './config';
import type { DestinationStream, Logger } from 'pino';
import { InstrumentedEventStore } from './observability/instrumented-event-store';
import { createLogger } from './observability/logging';
import { PlatformMetrics } from './observability/metrics';
import { Observability } from './observability/observability';

export type ServiceName = 'pricing' | 'wallet' | 'subscription-scheduler' | 'refund';
export const SERVICES: ServiceName[] = ['pricing', 'wallet', 'subscription-scheduler', 'refund'];

/** Each service's handlers bind to its own transport, so one process can host several services. */
export const TRANSPORT: Record<ServiceName, symbol> = {
  pricing: Symbol.for('creditflow.pricing'),
  wallet: Symbol.for('creditflow.wallet'),
  'subscription-scheduler': Symbol.for('creditflow.subscription-scheduler'),
  refund: Symbol.for('creditflow.refund'),
};

export interface Runtime {
  mode: 'embedded' | 'distributed';
  dataDir: string;
  /** Consumer groups are `<prefix>-<service>` (CREDITFLOW_GROUP_PREFIX, default "creditflow"). */
  groupPrefix: string;
  /** The scheduler's own schedule (CREDITFLOW_SCHEDULER_INTERVAL_MS); 0 = off. */
  schedulerIntervalMs: number;
  /** The reconciler's schedule (CREDITFLOW_RECONCILE_INTERVAL_MS); 0 = off. */
  reconcileIntervalMs: number;
  /** Where the tenant files are (CREDITFLOW_TENANTS_DIR or the nearest config/tenants). */
  tenantsDir: string;
  /** PORT; null: the entry point's default. */
  port: number | null;
  webhooks: WebhookSettings;
  wallet: WalletSettings;
  clock: SystemClock | ManualClock;
  tenants: Tenants;
  apiKeys: Map<string, Principal>;
  bus: MessageBus;
  /** Instrumented: appends are measured and carry the trace of the work that made them. */
  store: EventStore;
  /** The service's logger, metrics, and what readiness looks at. */
  observability: Observability;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Where log lines go instead of stdout (tests read them). */
  logDestination?: DestinationStream;
}

/**
 * The event store a process uses: PostgreSQL wherever DATABASE_URL is set (every service, one
 * schema: the production store proven here); else EventStoreDB for the distributed wallet where
 * EVENTSTORE_CONNECTION_STRING is set; else an SQLite file in the process's data directory.
 */
export function eventStoreFor(config: PlatformConfig, mode: 'embedded' | 'distributed', service: ServiceName | undefined, dataDir: string): EventStoreConfig {
  if (config.databaseUrl) return { kind: 'postgres', connectionString: config.databaseUrl, schema: config.databaseSchema };
  if (mode === 'distributed' && service === 'wallet' && config.eventStoreConnectionString) return { kind: 'esdb', connectionString: config.eventStoreConnectionString };
  return { kind: 'sqlite', path: join(dataDir, 'events.sqlite') };
}

export async function createRuntime(mode: 'embedded' | 'distributed', service?: ServiceName, env = process.env, options: RuntimeOptions = {}): Promise<Runtime> {
  const config = readConfig(env);
  const name = service ?? 'platform';
  const logger: Logger = createLogger({ service: name, level: config.logLevel, format: config.logFormat, destination: options.logDestination });
  const observability = new Observability(name, logger, new PlatformMetrics(name), config.readyMaxProjectionLag);
  for (const warning of config.warnings) logger.warn({ context: 'config' }, warning);
  // Calls the root logger each time, so a level set later (hostServices) applies here too.
  const busLog: BusLog = {
    info: (fields, message) => logger.info({ component: 'bus', ...fields }, message),
    warn: (fields, message) => logger.warn({ component: 'bus', ...fields }, message),
    error: (fields, message) => logger.error({ component: 'bus', ...fields }, message),
  };
  const dataDir = mode === 'distributed' && service ? join(config.dataDir, service) : config.dataDir;
  mkdirSync(dataDir, { recursive: true });
  const tenants = loadTenants(config.tenantsDir);
  for (const principal of config.apiKeys.values()) {
    if (!tenants.has(principal.tenant)) throw new ConfigError([`CREDITFLOW_API_KEYS names tenant "${principal.tenant}", which has no file in ${config.tenantsDir}`]);
  }
  // The wallet delivers the alerts' webhooks (embedded: this process): each needs its secret.
  if (service === undefined || service === 'wallet') {
    const missing = [...tenants.values()].flatMap((t) => t.webhooks.filter((w) => !config.webhookSecrets.has(w.secretEnv)).map((w) => `${w.secretEnv} is not set: ${t.tenantId}'s webhook "${w.id}" signs with it`));
    if (missing.length) throw new ConfigError(missing);
  }

  let bus: MessageBus;
  if (mode === 'embedded') {
    bus = new SqliteBus(join(dataDir, 'bus.sqlite'), busLog, { fromPlatform: true });
  } else {
    const kafka = config.kafka;
    if (!kafka) throw new ConfigError(['distributed mode needs KAFKA_BROKERS (host:port,...)']);
    const kafkaBus = new KafkaBus({ brokers: kafka.brokers, clientId: `creditflow-${name}`, ssl: kafka.ssl, sasl: kafka.sasl, log: busLog });
    if (kafka.createTopics) await kafkaBus.ensureTopics(ALL_TOPICS, topicSettings(kafka));
    bus = kafkaBus;
  }
  const store = new InstrumentedEventStore(createEventStore(eventStoreFor(config, mode, service, dataDir)), observability);
  observability.attach(store, bus);
  const clock = config.clock === 'manual' ? new ManualClock() : new SystemClock();
  if (clock instanceof ManualClock) await clock.restore(store);

  return {
    mode, dataDir, clock, groupPrefix: config.groupPrefix, schedulerIntervalMs: config.schedulerIntervalMs, port: config.port,
    webhooks: { secrets: config.webhookSecrets, retryMs: config.webhookRetryMs, privateTargets: config.webhookPrivateTargets, logKept: config.webhookLogKept },
    wallet: { cachedAccounts: config.walletCachedAccounts, closedUsagesKept: config.walletClosedUsagesKept },
    reconcileIntervalMs: config.reconcileIntervalMs, tenantsDir: config.tenantsDir,
    tenants, apiKeys: config.apiKeys, bus, store, observability,
    close: async () => {
      await bus.close();
      await store.close();
    },
  };
}

/** The topic settings of KAFKA_TOPIC_PARTITIONS, _REPLICATION_FACTOR and _MIN_INSYNC_REPLICAS. */
export function topicSettings(kafka: KafkaSettings): TopicSettings {
  return { partitions: kafka.topicPartitions, replicationFactor: kafka.topicReplicationFactor, minInsyncReplicas: kafka.topicMinInsyncReplicas };
}

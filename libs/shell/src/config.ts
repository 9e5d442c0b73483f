// Every environment variable the platform reads, read here and nowhere else, and validated at
// start-up: a bad value stops the process with every problem named (the variable and the form it
// expects), instead of crashing later or silently turning something off. README.md lists them.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { WEBHOOK_SECRET_ENV_PREFIX, findTenantsDir } from '@creditflow/tenancy';
import { Principal, parseApiKeys, parseRoleRateLimits } from './auth';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface KafkaSettings {
  brokers: string[];
  /** TLS (KAFKA_SSL=true or a CA given): the CA that signed the brokers' certificates (else the system's), an optional client certificate (mutual TLS). PEM contents. */
  ssl: { ca?: string; cert?: string; key?: string } | null;
  sasl: { mechanism: SaslMechanism; username: string; password: string } | null;
  /** For topics the platform creates (`npm run topics`); null: the broker's default. */
  topicPartitions: number | null;
  topicReplicationFactor: number | null;
  topicMinInsyncReplicas: number | null;
  /** Whether a service creates missing topics at start (development); production creates them with `npm run topics`. */
  createTopics: boolean;
}

export interface PlatformConfig {
  /** PORT: the HTTP port; null: the entry point's default. */
  port: number | null;
  /** CREDITFLOW_DATA_DIR, resolved. */
  dataDir: string;
  /** CREDITFLOW_API_KEYS, each with its rate limit resolved (its own, else its role's from CREDITFLOW_RATE_LIMITS). */
  apiKeys: Map<string, Principal>;
  clock: 'system' | 'manual';
  groupPrefix: string;
  tenantsDir: string;
  /** CREDITFLOW_SCHEDULER_INTERVAL_MS: the scheduler's own schedule; 0 = off (an external cron posts ticks). */
  schedulerIntervalMs: number;
  /** CREDITFLOW_RECONCILE_INTERVAL_MS: how often the wallet's process reconciles its store (libs/reconciler); 0 = never. */
  reconcileIntervalMs: number;
  kafka: KafkaSettings | null;
  eventStoreConnectionString: string | null;
  databaseUrl: string | null;
  /** DATABASE_SCHEMA: the PostgreSQL schema of the event store (default `creditflow`): one per deployment sharing a database. */
  databaseSchema: string;
  /** LOG_LEVEL (default info). */
  logLevel: LogLevel;
  /** LOG_FORMAT: `json` (one JSON object a line), `pretty` (for people), `auto` (default: pretty on a terminal, else JSON). */
  logFormat: 'json' | 'pretty' | 'auto';
  /** CREDITFLOW_READY_MAX_PROJECTION_LAG: /health/ready fails while a read model is more than this many events behind its store. */
  readyMaxProjectionLag: number;
  /** The alert webhooks' signing secrets: every CREDITFLOW_WEBHOOK_SECRET_<NAME>, by variable name (tenant files name them). */
  webhookSecrets: ReadonlyMap<string, string>;
  /** CREDITFLOW_WEBHOOK_RETRY_MS: the first retry's delay; each next one doubles, up to an hour. */
  webhookRetryMs: number;
  /** CREDITFLOW_WEBHOOK_LOG_KEPT: finished deliveries (delivered or given up) per tenant the delivery log keeps in memory, newest first; older ones are read from the store by id. */
  webhookLogKept: number;
  /** CREDITFLOW_WEBHOOK_PRIVATE_TARGETS=true: webhooks may target private, loopback and link-local addresses (default: public only). */
  webhookPrivateTargets: boolean;
  /** CREDITFLOW_WALLET_CACHED_ACCOUNTS: account states the wallet keeps in memory (least recently used out); null: the wallet's default. */
  walletCachedAccounts: number | null;
  /** CREDITFLOW_WALLET_CLOSED_USAGES_KEPT: closed usages an account's state keeps before the oldest retire; null: the wallet's default. */
  walletClosedUsagesKept: number | null;
  /** Warnings that do not stop the process (e.g. no API keys). */
  warnings: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const problems: string[] = [];
  const warnings: string[] = [];
  const text = (name: string): string | null => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? null : value.trim();
  };
  const flag = (name: string): boolean => {
    const raw = text(name) ?? 'false';
    if (raw !== 'true' && raw !== 'false') problems.push(`${name} must be "true" or "false", not "${raw}"`);
    return raw === 'true';
  };
  const integer = (name: string, min: number, max: number): number | null => {
    const raw = text(name);
    if (raw === null) return null;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
      return null;
    }
    return Number(raw);
  };
  const pem = (name: string): string | null => {
    const path = text(name);
    if (path === null) return null;
    if (!existsSync(path)) {
      problems.push(`${name} must name a readable PEM file; "${path}" does not exist`);
      return null;
    }
    return readFileSync(path, 'utf8');
  };

  const clock = text('CREDITFLOW_CLOCK') ?? 'system';
  if (clock !== 'system' && clock !== 'manual') problems.push(`CREDITFLOW_CLOCK must be "system" or "manual", not "${clock}"`);

  let roleLimits = {};
  try {
    roleLimits = parseRoleRateLimits(text('CREDITFLOW_RATE_LIMITS') ?? undefined);
  } catch (error) {
    problems.push((error as Error).message);
  }
  let apiKeys = new Map<string, Principal>();
  try {
    apiKeys = parseApiKeys(text('CREDITFLOW_API_KEYS') ?? undefined, roleLimits);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (apiKeys.size === 0) warnings.push('CREDITFLOW_API_KEYS is empty: every request except /health, /metrics, /openapi.json, /docs and /dashboard will get 401');

  const logLevel = (text('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not "${logLevel}"`);
  const logFormat = (text('LOG_FORMAT') ?? 'auto').toLowerCase();
  if (!['json', 'pretty', 'auto'].includes(logFormat)) problems.push(`LOG_FORMAT must be "json", "pretty" or "auto", not "${logFormat}"`);

  let tenantsDir = '';
  try {
    tenantsDir = findTenantsDir(env);
  } catch (error) {
    problems.push((error as Error).message);
  }

  const config: PlatformConfig = {
    port: integer('PORT', 0, 65535),
    dataDir: resolve(text('CREDITFLOW_DATA_DIR') ?? './data'),
    apiKeys,
    clock: clock === 'manual' ? 'manual' : 'system',
    groupPrefix: text('CREDITFLOW_GROUP_PREFIX') ?? 'creditflow',
    tenantsDir,
    schedulerIntervalMs: integer('CREDITFLOW_SCHEDULER_INTERVAL_MS', 0, 86_400_000) ?? 60_000,
    reconcileIntervalMs: integer('CREDITFLOW_RECONCILE_INTERVAL_MS', 0, 86_400_000) ?? 300_000,
    kafka: readKafka(),
    eventStoreConnectionString: text('EVENTSTORE_CONNECTION_STRING'),
    databaseUrl: text('DATABASE_URL'),
    databaseSchema: text('DATABASE_SCHEMA') ?? 'creditflow',
    logLevel: logLevel as LogLevel,
    logFormat: logFormat as PlatformConfig['logFormat'],
    readyMaxProjectionLag: integer('CREDITFLOW_READY_MAX_PROJECTION_LAG', 0, 1_000_000_000) ?? 10_000,
    webhookSecrets: new Map(Object.keys(env).filter((name) => name.startsWith(WEBHOOK_SECRET_ENV_PREFIX) && text(name) !== null).map((name) => [name, text(name)!])),
    webhookRetryMs: integer('CREDITFLOW_WEBHOOK_RETRY_MS', 1, 3_600_000) ?? 5_000,
    webhookPrivateTargets: flag('CREDITFLOW_WEBHOOK_PRIVATE_TARGETS'),
    webhookLogKept: integer('CREDITFLOW_WEBHOOK_LOG_KEPT', 1, 1_000_000) ?? 1_000,
    walletCachedAccounts: integer('CREDITFLOW_WALLET_CACHED_ACCOUNTS', 0, 10_000_000),
    walletClosedUsagesKept: integer('CREDITFLOW_WALLET_CLOSED_USAGES_KEPT', 1, 1_000_000),
    warnings,
  };
  if (!/^[a-z_][a-z0-9_]{0,47}$/.test(config.databaseSchema)) {
    problems.push(`DATABASE_SCHEMA must be 1-48 lower-case letters, digits and _ (starting with a letter or _), not "${config.databaseSchema}"`);
  }
  if (config.databaseUrl && !/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    problems.push('DATABASE_URL must be a PostgreSQL connection string (postgres://user@host:5432/db or postgresql:///db?host=/var/run/postgresql)');
  }
  if (config.eventStoreConnectionString && !/^esdb(\+discover)?:\/\//.test(config.eventStoreConnectionString)) {
    problems.push('EVENTSTORE_CONNECTION_STRING must be an esdb:// connection string, e.g. esdb://127.0.0.1:2113?tls=false');
  }
  if (problems.length) throw new ConfigError(problems);
  return config;

  function readKafka(): KafkaSettings | null {
    const brokers = text('KAFKA_BROKERS');
    const sslSet = ['KAFKA_SSL', 'KAFKA_SSL_CA', 'KAFKA_SSL_CERT', 'KAFKA_SSL_KEY', 'KAFKA_SASL_MECHANISM'].some((name) => text(name) !== null);
    if (brokers === null) {
      if (sslSet) problems.push('KAFKA_SSL_* and KAFKA_SASL_* need KAFKA_BROKERS');
      return null;
    }
    const list = brokers.split(',').map((b) => b.trim());
    for (const broker of list) if (!/^[^\s:]+:\d{1,5}$/.test(broker)) problems.push(`KAFKA_BROKERS must be host:port[,host:port...], not "${brokers}"`);
    const ca = pem('KAFKA_SSL_CA');
    const cert = pem('KAFKA_SSL_CERT');
    const key = pem('KAFKA_SSL_KEY');
    if ((cert === null) !== (key === null)) problems.push('KAFKA_SSL_CERT and KAFKA_SSL_KEY go together (a client certificate and its key)');
    const sslFlag = text('KAFKA_SSL') ?? 'false';
    if (sslFlag !== 'true' && sslFlag !== 'false') problems.push(`KAFKA_SSL must be "true" or "false", not "${sslFlag}"`);
    const ssl = sslFlag === 'true' || ca !== null || cert !== null;
    const mechanism = text('KAFKA_SASL_MECHANISM')?.toLowerCase() ?? null;
    let sasl: KafkaSettings['sasl'] = null;
    if (mechanism !== null) {
      if (!['plain', 'scram-sha-256', 'scram-sha-512'].includes(mechanism)) {
        problems.push(`KAFKA_SASL_MECHANISM must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, not "${mechanism}"`);
      }
      const [username, password] = [text('KAFKA_SASL_USERNAME'), text('KAFKA_SASL_PASSWORD')];
      if (username === null || password === null) problems.push('KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD');
      sasl = { mechanism: mechanism as SaslMechanism, username: username ?? '', password: password ?? '' };
    }
    const createTopics = text('CREDITFLOW_CREATE_TOPICS') ?? 'false';
    if (createTopics !== 'true' && createTopics !== 'false') problems.push(`CREDITFLOW_CREATE_TOPICS must be "true" or "false", not "${createTopics}"`);
    return {
      brokers: list,
      ssl: ssl ? { ...(ca !== null ? { ca } : {}), ...(cert !== null ? { cert } : {}), ...(key !== null ? { key } : {}) } : null,
      sasl,
      topicPartitions: integer('KAFKA_TOPIC_PARTITIONS', 1, 10_000),
      topicReplicationFactor: integer('KAFKA_TOPIC_REPLICATION_FACTOR', 1, 100),
      topicMinInsyncReplicas: integer('KAFKA_TOPIC_MIN_INSYNC_REPLICAS', 1, 100),
      createTopics: createTopics === 'true',
    };
  }
}

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, readConfig } from './config';

const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    readConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('the configuration', () => {
  it('takes defaults where nothing is set, and warns that no API key is configured', () => {
    const config = readConfig({});
    expect(config).toMatchObject({ port: null, clock: 'system', groupPrefix: 'creditflow', schedulerIntervalMs: 60_000, kafka: null, databaseUrl: null });
    expect(config).toMatchObject({ logLevel: 'info', logFormat: 'auto', readyMaxProjectionLag: 10_000, reconcileIntervalMs: 300_000 });
    expect(config.warnings).toEqual([expect.stringMatching(/CREDITFLOW_API_KEYS is empty/)]);
  });

  it.each([
    [{ PORT: 'abc' }, /PORT must be a whole number from 0 to 65535, not "abc"/],
    [{ PORT: '70000' }, /PORT must be a whole number/],
    [{ CREDITFLOW_SCHEDULER_INTERVAL_MS: 'abc' }, /CREDITFLOW_SCHEDULER_INTERVAL_MS must be a whole number/],
    [{ CREDITFLOW_RECONCILE_INTERVAL_MS: '-1' }, /CREDITFLOW_RECONCILE_INTERVAL_MS must be a whole number/],
    [{ CREDITFLOW_CLOCK: 'fast' }, /CREDITFLOW_CLOCK must be "system" or "manual"/],
    [{ CREDITFLOW_API_KEYS: '{oops' }, /CREDITFLOW_API_KEYS is not valid JSON/],
    [{ CREDITFLOW_RATE_LIMITS: '{"service": {"rate": -1, "burst": 5}}' }, /CREDITFLOW_RATE_LIMITS\.service must be \{"rate"/],
    [{ KAFKA_BROKERS: 'localhost' }, /KAFKA_BROKERS must be host:port/],
    [{ KAFKA_BROKERS: 'a:9092', KAFKA_SASL_MECHANISM: 'GSSAPI', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, /KAFKA_SASL_MECHANISM must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512/],
    [{ KAFKA_BROKERS: 'a:9092', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512' }, /needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/],
    [{ KAFKA_BROKERS: 'a:9092', KAFKA_SSL_CA: '/nowhere/ca.pem' }, /KAFKA_SSL_CA must name a readable PEM file/],
    [{ KAFKA_SSL: 'true' }, /KAFKA_SSL_\* and KAFKA_SASL_\* need KAFKA_BROKERS/],
    [{ KAFKA_BROKERS: 'a:9092', KAFKA_TOPIC_REPLICATION_FACTOR: '0' }, /KAFKA_TOPIC_REPLICATION_FACTOR must be a whole number from 1/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a PostgreSQL connection string/],
    [{ EVENTSTORE_CONNECTION_STRING: 'http://x' }, /EVENTSTORE_CONNECTION_STRING must be an esdb:\/\/ connection string/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "loud"/],
    [{ LOG_FORMAT: 'xml' }, /LOG_FORMAT must be "json", "pretty" or "auto"/],
    [{ CREDITFLOW_READY_MAX_PROJECTION_LAG: '-1' }, /CREDITFLOW_READY_MAX_PROJECTION_LAG must be a whole number/],
    [{ CREDITFLOW_WEBHOOK_RETRY_MS: '0' }, /CREDITFLOW_WEBHOOK_RETRY_MS must be a whole number from 1 to 3600000/],
    [{ CREDITFLOW_WEBHOOK_PRIVATE_TARGETS: 'yes' }, /CREDITFLOW_WEBHOOK_PRIVATE_TARGETS must be "true" or "false", not "yes"/],
    [{ CREDITFLOW_WEBHOOK_LOG_KEPT: '0' }, /CREDITFLOW_WEBHOOK_LOG_KEPT must be a whole number from 1 to 1000000/],
  ])('refuses %j, naming the variable and the form it expects', (env, problem) => {
    expect(problemsOf(env as NodeJS.ProcessEnv)).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });

  it('reads the webhook secrets (every CREDITFLOW_WEBHOOK_SECRET_*, none empty), the first retry delay and whether private targets are allowed (not by default)', () => {
    const config = readConfig({ CREDITFLOW_WEBHOOK_SECRET_A: 's1', CREDITFLOW_WEBHOOK_SECRET_B: ' ', OTHER_SECRET: 'x', CREDITFLOW_WEBHOOK_RETRY_MS: '250' });
    expect([...config.webhookSecrets]).toEqual([['CREDITFLOW_WEBHOOK_SECRET_A', 's1']]);
    expect(config.webhookRetryMs).toBe(250);
    expect(readConfig({}).webhookRetryMs).toBe(5_000);
    expect([readConfig({}).webhookPrivateTargets, readConfig({ CREDITFLOW_WEBHOOK_PRIVATE_TARGETS: 'true' }).webhookPrivateTargets]).toEqual([false, true]);
    expect([readConfig({}).webhookLogKept, readConfig({ CREDITFLOW_WEBHOOK_LOG_KEPT: '50' }).webhookLogKept]).toEqual([1_000, 50]);
  });

  it('reports every problem at once', () => {
    expect(problemsOf({ PORT: 'x', CREDITFLOW_SCHEDULER_INTERVAL_MS: 'y', CREDITFLOW_CLOCK: 'z' })).toHaveLength(3);
  });

  it('reads a secured Kafka cluster: TLS with a CA and a client certificate, SCRAM, topic settings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'creditflow-config-'));
    for (const name of ['ca', 'cert', 'key']) writeFileSync(join(dir, `${name}.pem`), `-----${name}-----`);
    const { kafka } = readConfig({
      KAFKA_BROKERS: 'b1:9093,b2:9093', KAFKA_SSL_CA: join(dir, 'ca.pem'), KAFKA_SSL_CERT: join(dir, 'cert.pem'), KAFKA_SSL_KEY: join(dir, 'key.pem'),
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'creditflow', KAFKA_SASL_PASSWORD: 'secret',
      KAFKA_TOPIC_PARTITIONS: '12', KAFKA_TOPIC_REPLICATION_FACTOR: '3', KAFKA_TOPIC_MIN_INSYNC_REPLICAS: '2',
    });
    expect(kafka).toEqual({
      brokers: ['b1:9093', 'b2:9093'], ssl: { ca: '-----ca-----', cert: '-----cert-----', key: '-----key-----' },
      sasl: { mechanism: 'scram-sha-512', username: 'creditflow', password: 'secret' },
      topicPartitions: 12, topicReplicationFactor: 3, topicMinInsyncReplicas: 2, createTopics: false,
    });
  });
});

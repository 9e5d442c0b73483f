// npm run topics: creates every topic the platform uses, with its .dlq, on the cluster KAFKA_BROKERS
// names (TLS and SASL as configured), with KAFKA_TOPIC_PARTITIONS, KAFKA_TOPIC_REPLICATION_FACTOR and
// KAFKA_TOPIC_MIN_INSYNC_REPLICAS (the broker's defaults where unset). Topics that exist are left as
// they are. Production runs this (or its own tooling) before the services; the services never create topics there.
import 'reflect-metadata';
import { ALL_TOPICS } from '@creditflow/contracts';
import { KafkaBus } from '@creditflow/messaging';
import { ConfigError, readConfig, topicSettings } from '@creditflow/shell';

async function main() {
  const { kafka } = readConfig();
  if (!kafka) throw new ConfigError(['npm run topics needs KAFKA_BROKERS (host:port,...)']);
  const bus = new KafkaBus({ brokers: kafka.brokers, clientId: 'creditflow-topics', ssl: kafka.ssl, sasl: kafka.sasl });
  try {
    const created = await bus.ensureTopics(ALL_TOPICS, topicSettings(kafka));
    console.log(created.length ? `created ${created.length} topics: ${created.join(', ')}` : `all ${ALL_TOPICS.length} topics exist`);
  } finally {
    await bus.close();
  }
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});

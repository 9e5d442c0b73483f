// topics: creates every topic the platform uses, with its .dlq, on the cluster KAFKA_BROKERS names
// (TLS and SASL as configured), with KAFKA_TOPIC_PARTITIONS, KAFKA_TOPIC_REPLICATION_FACTOR and
// KAFKA_TOPIC_MIN_INSYNC_REPLICAS (the broker's defaults where unset). Topics that exist are left as
// they are. Production runs this (or its own tooling) before the services; they never create topics there.
import { ALL_TOPICS } from '@creditflow/contracts';
import { KafkaBus } from '@creditflow/messaging';
import { readConfig, topicSettings } from '@creditflow/shell';
import { CommandSpec, ParsedArgs } from '../args';
import { OpsError, OpsIo } from '../io';

export const topicsSpec: CommandSpec = {
  name: 'topics',
  summary: 'Creates every platform topic and its .dlq on the Kafka cluster KAFKA_BROKERS names; existing topics are left alone.',
  details: [
    'Partitions, replication and min.insync.replicas come from KAFKA_TOPIC_PARTITIONS, KAFKA_TOPIC_REPLICATION_FACTOR and ' +
      'KAFKA_TOPIC_MIN_INSYNC_REPLICAS (the broker defaults where unset); TLS and SASL from KAFKA_SSL* and KAFKA_SASL*. ' +
      'The embedded mode has no topics to create (its SQLite bus holds every topic). `npm run topics` runs this command.',
  ],
  positionals: [],
  options: {},
  examples: ['topics'],
};

export async function createTopics(_args: ParsedArgs, io: OpsIo): Promise<number> {
  const { kafka } = readConfig(io.env);
  if (!kafka) throw new OpsError('topics needs KAFKA_BROKERS (host:port,...): the embedded mode keeps every topic in its SQLite bus and has none to create');
  const bus = new KafkaBus({ brokers: kafka.brokers, clientId: 'creditflow-topics', ssl: kafka.ssl, sasl: kafka.sasl });
  try {
    const created = await bus.ensureTopics(ALL_TOPICS, topicSettings(kafka));
    io.out(created.length ? `created ${created.length} topics: ${created.join(', ')}\n` : `all ${ALL_TOPICS.length} topics exist\n`);
    return 0;
  } finally {
    await bus.close();
  }
}

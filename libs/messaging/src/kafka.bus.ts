// Kafka adapter (kafkajs, the client @nestjs/microservices uses). Batches come from eachBatch; the
// offset is resolved and committed only after the handler resolves, so a crash replays, never skips.
import { Admin, Consumer, Kafka, LogEntry, logLevel, Partitioners, Producer, SASLOptions } from 'kafkajs';
import { BusConsumer, ConsumeOptions, MessageBus, OutboundMessage } from './bus';

const MAX_SEND_BYTES = 512 * 1024;

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  /** TLS to the brokers: a CA (else the system's) and an optional client certificate, PEM contents. */
  ssl?: { ca?: string; cert?: string; key?: string } | null;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | null;
}

/** How `ensureTopics` creates topics; null or absent: the broker's default. */
export interface TopicSettings {
  partitions?: number | null;
  replicationFactor?: number | null;
  minInsyncReplicas?: number | null;
}

export class KafkaBus implements MessageBus {
  private readonly kafka: Kafka;
  private producer: Producer | null = null;
  private connecting: Promise<Producer> | null = null;
  private readonly consumers = new Set<Consumer>();

  constructor(options: KafkaBusOptions) {
    const { ssl, sasl } = options;
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      ...(ssl ? { ssl: { ...(ssl.ca ? { ca: [ssl.ca] } : {}), ...(ssl.cert ? { cert: ssl.cert } : {}), ...(ssl.key ? { key: ssl.key } : {}) } } : {}),
      ...(sasl ? { sasl: sasl as SASLOptions } : {}),
      logLevel: logLevel.WARN,
      logCreator: () => logKafka,
      retry: { retries: 8, initialRetryTime: 200 },
    });
  }

  /**
   * Creates the topics that are missing (`npm run topics`; at a service's start only where
   * CREDITFLOW_CREATE_TOPICS=true): partitions, replication and min.insync.replicas as given, else the
   * broker's defaults; the balances topic compacted. Returns the topics it created.
   */
  async ensureTopics(topics: string[], settings: TopicSettings = {}): Promise<string[]> {
    const admin: Admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      if (missing.length) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: settings.partitions ?? -1,
            replicationFactor: settings.replicationFactor ?? -1,
            configEntries: [
              ...(topic.endsWith('balances.v1') ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
              ...(settings.minInsyncReplicas ? [{ name: 'min.insync.replicas', value: String(settings.minInsyncReplicas) }] : []),
            ],
          })),
        });
      }
      return missing;
    } finally {
      await admin.disconnect();
    }
  }

  async publish(topic: string, messages: OutboundMessage[]): Promise<void> {
    if (!messages.length) return;
    const producer = await this.connectedProducer();
    // One send is one record batch, which the broker refuses above message.max.bytes (1 MiB by
    // default): a large batch (a consumer dead-lettering hundreds of messages) goes in chunks, in order.
    let chunk: { key: string; value: string; headers: Record<string, string> }[] = [];
    let bytes = 0;
    const flush = async () => {
      if (chunk.length) await producer.send({ topic, acks: -1, messages: chunk });
      chunk = [];
      bytes = 0;
    };
    for (const m of messages) {
      const value = JSON.stringify(m.value);
      if (bytes + value.length > MAX_SEND_BYTES) await flush();
      chunk.push({ key: m.key, value, headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8' } });
      bytes += value.length + m.key.length;
    }
    await flush();
  }

  async consume({ groupId, topics, handle }: ConsumeOptions): Promise<BusConsumer> {
    const consumer = this.kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 50, allowAutoTopicCreation: false });
    this.consumers.add(consumer);
    await consumer.connect();
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale() || !batch.messages.length) return;
        await handle(
          batch.messages.map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key ? m.key.toString() : null,
            value: m.value ? m.value.toString() : '',
          })),
        );
        const last = batch.messages[batch.messages.length - 1].offset;
        resolveOffset(last);
        // With autoCommit off, only explicit offsets are committed; Kafka wants the next offset to read.
        await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }] }] });
        await heartbeat();
      },
    });
    return {
      stop: async () => {
        this.consumers.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.disconnect()));
    this.consumers.clear();
    if (this.producer) await this.producer.disconnect();
    this.producer = null;
  }

  private connectedProducer(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    this.connecting ??= (async () => {
      // Idempotent: a retried send is written once per partition; topics exist beforehand (npm run topics).
      const producer = this.kafka.producer({
        idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      this.producer = producer;
      return producer;
    })();
    return this.connecting;
  }
}

// Errors kafkajs retries on its own while a broker or group settles (coordinator moving, leader
// election) are expected at start-up; everything else is logged on one line.
const TRANSIENT = /coordinator is not available|not the correct coordinator|no leader for this topic-partition|leadership election|group is rebalancing/i;

function logKafka({ namespace, level, log }: LogEntry): void {
  const { message, error } = log as { message: string; error?: string };
  if (TRANSIENT.test(`${message} ${error ?? ''}`)) return;
  const text = `kafka ${namespace}: ${message}${error ? ` (${error})` : ''}`;
  if (level <= logLevel.ERROR) console.error(text);
  else console.warn(text);
}

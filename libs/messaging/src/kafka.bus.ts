// Kafka adapter (kafkajs, the client @nestjs/microservices uses). Batches come from eachBatch; the
// offset is resolved and committed only after the handler resolves, so a crash replays, never skips.
// A consumer that dies is restarted and its death is logged and counted in its status: kafkajs
// restarts it itself after an error it may retry; after any other error this adapter starts a new one,
// with a back-off. Health and lag questions go through a separate admin client that does not retry,
// so an unreachable cluster answers within seconds.
import { Admin, Consumer, Kafka, KafkaConfig, LogEntry, logLevel, Partitioners, Producer, SASLOptions } from 'kafkajs';
import { BusConsumer, BusLog, ConsumeOptions, ConsumerStatusTracker, MessageBus, OutboundMessage, PartitionLag, TopicMessages, consoleBusLog, withTimeout } from './bus';

const MAX_SEND_BYTES = 512 * 1024;
const CLOUDEVENT_HEADERS = { 'content-type': 'application/cloudevents+json; charset=UTF-8' };

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  /** TLS to the brokers: a CA (else the system's) and an optional client certificate, PEM contents. */
  ssl?: { ca?: string; cert?: string; key?: string } | null;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | null;
  /** Where the client's warnings and consumer deaths go (default: stderr). */
  log?: BusLog;
}

/** How long a health or lag question may take before the cluster counts as unreachable. */
const PROBE_TIMEOUT_MS = 3_000;
/** A consumer that died for good is started again after 1 s, 2 s, 4 s ... at most 30 s. */
const RESTART_DELAYS_MS = { first: 1_000, max: 30_000 };

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
  private readonly stops = new Set<() => Promise<void>>();
  private readonly log: BusLog;
  /** For health and lag: fails fast instead of retrying. */
  private readonly probe: Kafka;
  private probeAdmin: Promise<Admin> | null = null;

  constructor(options: KafkaBusOptions) {
    const { ssl, sasl } = options;
    this.log = options.log ?? consoleBusLog;
    const connection: Pick<KafkaConfig, 'brokers' | 'ssl' | 'sasl'> = {
      brokers: options.brokers,
      ...(ssl ? { ssl: { ...(ssl.ca ? { ca: [ssl.ca] } : {}), ...(ssl.cert ? { cert: ssl.cert } : {}), ...(ssl.key ? { key: ssl.key } : {}) } } : {}),
      ...(sasl ? { sasl: sasl as SASLOptions } : {}),
    };
    this.kafka = new Kafka({
      clientId: options.clientId,
      ...connection,
      logLevel: logLevel.WARN,
      logCreator: () => (entry) => logKafka(this.log, entry),
      retry: { retries: 8, initialRetryTime: 200 },
    });
    this.probe = new Kafka({
      clientId: `${options.clientId}-probe`,
      ...connection,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 2_000,
      requestTimeout: PROBE_TIMEOUT_MS,
      retry: { retries: 0 },
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

  publish(topic: string, messages: OutboundMessage[]): Promise<void> {
    return this.publishAll([{ topic, messages }]);
  }

  /** Every topic's messages in one produce request (kafkajs sendBatch), in order per topic. */
  async publishAll(batches: TopicMessages[]): Promise<void> {
    if (!batches.some((b) => b.messages.length)) return;
    const producer = await this.connectedProducer();
    // One request is one record batch per partition, which the broker refuses above message.max.bytes
    // (1 MiB by default): a large publish (a consumer dead-lettering hundreds of messages, a publisher
    // catching up) goes in requests of at most MAX_SEND_BYTES, in order.
    type Wire = { key: string; value: string; headers: Record<string, string> };
    let chunk = new Map<string, Wire[]>();
    let bytes = 0;
    const flush = async () => {
      if (chunk.size) await producer.sendBatch({ acks: -1, topicMessages: [...chunk].map(([topic, messages]) => ({ topic, messages })) });
      chunk = new Map();
      bytes = 0;
    };
    for (const { topic, messages } of batches) {
      for (const m of messages) {
        const value = JSON.stringify(m.value);
        if (bytes + value.length > MAX_SEND_BYTES) await flush();
        let list = chunk.get(topic);
        if (!list) chunk.set(topic, (list = []));
        list.push({ key: m.key, value, headers: CLOUDEVENT_HEADERS });
        bytes += value.length + m.key.length;
      }
    }
    await flush();
  }

  async consume({ groupId, topics, handle }: ConsumeOptions): Promise<BusConsumer> {
    const tracker = new ConsumerStatusTracker();
    let current: Consumer | null = null;
    let stopped = false;
    let restartTimer: NodeJS.Timeout | null = null;

    const start = async (): Promise<void> => {
      const consumer = this.kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 50, allowAutoTopicCreation: false });
      current = consumer;
      this.consumers.add(consumer);
      consumer.on(consumer.events.GROUP_JOIN, () => {
        const wasDead = tracker.status().state === 'crashed';
        tracker.running();
        if (wasDead) this.log.info({ groupId }, `consumer ${groupId} runs again`);
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        tracker.crashed(payload.error);
        const { crashes } = tracker.status();
        this.log.error(
          { groupId, crashes, error: payload.error?.message ?? String(payload.error), restart: payload.restart ? 'kafkajs' : 'new consumer' },
          `consumer ${groupId} died: ${payload.error?.message ?? payload.error}`,
        );
        if (!payload.restart) restartLater(consumer);
      });
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
    };

    // kafkajs gives up on a consumer after an error it does not retry: this one starts a new one, with a back-off.
    const restartLater = (dead: Consumer) => {
      if (stopped || restartTimer) return;
      const delay = Math.min(RESTART_DELAYS_MS.max, RESTART_DELAYS_MS.first * 2 ** Math.min(tracker.status().crashes - 1, 5));
      restartTimer = setTimeout(() => {
        restartTimer = null;
        void (async () => {
          this.consumers.delete(dead);
          await dead.disconnect().catch(() => undefined);
          if (stopped) return;
          try {
            await start();
          } catch (error) {
            tracker.crashed(error);
            this.log.error({ groupId, error: String(error) }, `consumer ${groupId} could not be restarted: ${error}`);
            if (current) restartLater(current);
          }
        })();
      }, delay);
      restartTimer.unref();
    };

    const stop = async () => {
      stopped = true;
      if (restartTimer) clearTimeout(restartTimer);
      this.stops.delete(stop);
      tracker.stopped();
      if (current) {
        this.consumers.delete(current);
        await current.disconnect();
      }
    };
    await start();
    this.stops.add(stop);
    return { status: () => tracker.status(), stop };
  }

  async health(): Promise<void> {
    await this.probing((admin) => admin.describeCluster(), 'the Kafka cluster');
  }

  async lag(groupId: string, topics: string[]): Promise<PartitionLag[]> {
    return this.probing(async (admin) => {
      const committed = new Map<string, string>();
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics })) {
        for (const p of partitions) committed.set(`${topic}:${p.partition}`, p.offset);
      }
      const lags: PartitionLag[] = [];
      for (const topic of topics) {
        for (const p of await admin.fetchTopicOffsets(topic)) {
          const offset = committed.get(`${topic}:${p.partition}`) ?? '-1';
          // Nothing committed yet: the group starts from the earliest message still kept.
          const from = offset === '-1' ? BigInt(p.low) : BigInt(offset);
          lags.push({ topic, partition: p.partition, lag: Math.max(0, Number(BigInt(p.high) - from)) });
        }
      }
      return lags;
    }, `the lag of ${groupId}`);
  }

  /** Runs `ask` on the probe's admin client, within the probe timeout; a failure drops the client, so the next question reconnects. */
  private async probing<T>(ask: (admin: Admin) => Promise<T>, what: string): Promise<T> {
    this.probeAdmin ??= (async () => {
      const admin = this.probe.admin();
      await admin.connect();
      return admin;
    })();
    const connecting = this.probeAdmin;
    try {
      return await withTimeout(connecting.then(ask), PROBE_TIMEOUT_MS, what);
    } catch (error) {
      if (this.probeAdmin === connecting) this.probeAdmin = null;
      void connecting.then((admin) => admin.disconnect(), () => undefined).catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.stops].map((stop) => stop()));
    await Promise.all([...this.consumers].map((c) => c.disconnect()));
    this.consumers.clear();
    const probe = this.probeAdmin;
    this.probeAdmin = null;
    await probe?.then((admin) => admin.disconnect(), () => undefined).catch(() => undefined);
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

function logKafka(log: BusLog, { namespace, level, log: entry }: LogEntry): void {
  const { message, error, groupId, broker } = entry as { message: string; error?: string; groupId?: string; broker?: string };
  if (TRANSIENT.test(`${message} ${error ?? ''}`)) return;
  const fields = { component: 'kafkajs', namespace, ...(groupId ? { groupId } : {}), ...(broker ? { broker } : {}), ...(error ? { error } : {}) };
  const text = `kafka ${namespace}: ${message}`;
  if (level <= logLevel.ERROR) log.error(fields, text);
  else log.warn(fields, text);
}

// The suite's side of the broker: an observer that keeps every message of the topics it watches
// (decisions, dead letters), and a producer whose failed sends are told apart from acknowledged ones.
import { Consumer, Kafka, Producer, RecordMetadata, logLevel } from 'kafkajs';

export interface Seen {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  /** The value parsed as JSON; null when it is not JSON. */
  json: any;
}

export function kafkaClient(brokers: string, clientId: string): Kafka {
  return new Kafka({ clientId, brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 200 } });
}

/**
 * Keeps every message of `topics` from the beginning, once each (by topic, partition and offset),
 * whatever happens to the broker: `reconnect` starts a consumer in a new group that reads everything
 * again, and what was already seen is skipped.
 */
export class KafkaObserver {
  readonly seen: Seen[] = [];
  private readonly offsets = new Set<string>();
  private consumer: Consumer | null = null;
  private generation = 0;
  private readonly listeners: ((m: Seen) => void)[] = [];

  constructor(private readonly kafka: Kafka, private readonly groupPrefix: string, private readonly topics: string[]) {}

  onMessage(listener: (m: Seen) => void): void {
    this.listeners.push(listener);
    for (const m of this.seen) listener(m);
  }

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: `${this.groupPrefix}-observer-${++this.generation}`, maxWaitTimeInMs: 50, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    this.consumer = consumer;
    await consumer.connect();
    for (const topic of this.topics) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const id = `${topic}:${partition}:${message.offset}`;
        if (this.offsets.has(id)) return;
        this.offsets.add(id);
        const value = message.value?.toString() ?? '';
        let json: any = null;
        try {
          json = JSON.parse(value);
        } catch {
          /* kept raw */
        }
        const seen: Seen = { topic, partition, offset: message.offset, key: message.key?.toString() ?? null, value, json };
        this.seen.push(seen);
        for (const l of this.listeners) l(seen);
      },
    });
  }

  /** After a broker restart: a consumer in a fresh group, from the beginning (what was seen is skipped). */
  async reconnect(): Promise<void> {
    const old = this.consumer;
    this.consumer = null;
    await old?.disconnect().catch(() => undefined);
    await this.start();
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    this.consumer = null;
  }
}

export interface Outgoing {
  key: string | null;
  /** A CloudEvent (sent as JSON), the exact text or bytes to send, or null (a record without a value). */
  value: unknown;
}

/** A producer for the suite: acks from all in-sync replicas, one send at a time, so one key's messages keep their order. */
export class SuiteProducer {
  private producer: Producer | null = null;

  constructor(private readonly kafka: Kafka) {}

  private async connected(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }

  /** Resolves with where the broker put them once it acknowledged them all; rejects when it did not (they may or may not be there). */
  async send(topic: string, messages: Outgoing[]): Promise<RecordMetadata[]> {
    const producer = await this.connected();
    try {
      return await producer.send({
        topic,
        acks: -1,
        messages: messages.map((m) => ({
          key: m.key,
          value: m.value === null || Buffer.isBuffer(m.value) || typeof m.value === 'string' ? (m.value as Buffer | string | null) : JSON.stringify(m.value),
        })),
      });
    } catch (error) {
      // Start over with a new connection next time (after a broker restart the old one leads nowhere).
      const stale = this.producer;
      this.producer = null;
      await stale?.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = null;
  }
}

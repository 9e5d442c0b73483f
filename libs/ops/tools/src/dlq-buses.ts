// Where dead letters are read from and replayed to: the embedded mode's SQLite bus (bus.sqlite in the
// data directory) or the Kafka cluster of the distributed mode. Reading never consumes: the SQLite
// bus is read by SELECT (no consumer group, no offset committed), Kafka by a throw-away consumer group
// that commits nothing and is deleted afterwards. A replay is one publish of the original message.
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, SASLOptions, logLevel } from 'kafkajs';
import { sleep } from '@creditflow/kernel';
import { KafkaSettings, PlatformConfig } from '@creditflow/shell';
import { SqliteBus } from '@creditflow/messaging';
import { DeadLetterRecord } from './dead-letters';
import { OpsError } from './io';
import { Mode, detectMode } from './locate';

export interface ReadRange {
  /** Only this partition (Kafka); the SQLite bus has partition 0 only. */
  partition?: number;
  /** Inclusive. */
  fromOffset?: bigint;
  /** Exclusive. */
  toOffset?: bigint;
  limit: number;
}

export interface DeadLetterBus {
  /** For messages: "the SQLite bus <path>" or "Kafka <brokers>". */
  readonly label: string;
  /** Records on each topic (that exists). */
  counts(topics: string[]): Promise<{ topic: string; count: number }[]>;
  /** Records in offset order (partition by partition). */
  read(topic: string, range: ReadRange): Promise<DeadLetterRecord[]>;
  /** Publishes `value` (JSON text) with `key` to `topic`, as the original producer did. */
  republish(topic: string, key: string | null, value: string): Promise<void>;
  close(): Promise<void>;
}

/** The bus of the mode the data directory or environment shows (Kafka when distributed). */
export function deadLetterBus(config: PlatformConfig, requested?: Mode): DeadLetterBus {
  const { mode, reason } = detectMode(config, requested);
  if (mode === 'distributed') {
    if (!config.kafka) throw new OpsError(`the distributed mode's dead letters are on Kafka (${reason}): set KAFKA_BROKERS`);
    return new KafkaDeadLetterBus(config.kafka);
  }
  const path = join(config.dataDir, 'bus.sqlite');
  if (!existsSync(path)) throw new OpsError(`no embedded bus at ${path}: set CREDITFLOW_DATA_DIR to the platform's data directory, or KAFKA_BROKERS for the distributed mode`);
  return new SqliteDeadLetterBus(path);
}

/** The embedded mode's bus file (libs/messaging/src/sqlite.bus.ts: bus_messages, seq = offset). */
export class SqliteDeadLetterBus implements DeadLetterBus {
  readonly label: string;
  private readonly db: Database.Database;

  constructor(private readonly path: string) {
    this.label = `the SQLite bus ${path}`;
    // Read-write (a read-only handle on a WAL file cannot always open it), but only ever SELECTs.
    this.db = new Database(path, { fileMustExist: true, timeout: 5_000 });
    this.db.defaultSafeIntegers(true);
  }

  async counts(topics: string[]) {
    const count = this.db.prepare('SELECT count(*) AS n FROM bus_messages WHERE topic = ?');
    return topics.map((topic) => ({ topic, count: Number((count.get(topic) as { n: bigint }).n) })).filter((c) => c.count > 0);
  }

  async read(topic: string, { partition, fromOffset = 0n, toOffset, limit }: ReadRange): Promise<DeadLetterRecord[]> {
    if (partition !== undefined && partition !== 0) return [];
    const rows = this.db
      .prepare(`SELECT seq, key, value FROM bus_messages WHERE topic = ? AND seq >= ?${toOffset === undefined ? '' : ' AND seq < ?'} ORDER BY seq LIMIT ?`)
      .all(...[topic, fromOffset, ...(toOffset === undefined ? [] : [toOffset]), limit]) as { seq: bigint; key: string | null; value: string }[];
    return rows.map((r) => ({ partition: 0, offset: r.seq.toString(), key: r.key, value: r.value }));
  }

  async republish(topic: string, key: string | null, value: string): Promise<void> {
    // Through the bus adapter itself, so the message is stored as any publisher stores it; a running
    // platform's consumers poll the file and pick it up.
    const bus = new SqliteBus(this.path);
    try {
      await bus.publish(topic, [{ key: key as string, value: JSON.parse(value) }]);
    } finally {
      await bus.close();
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** Retries what Kafka calls retriable (a leader moving, a topic just created), for up to about 5 s. */
async function retrying<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || attempt >= 10) throw error;
      await sleep(attempt * 100);
    }
  }
}

/** The distributed mode's cluster, with the platform's TLS and SASL settings. */
export class KafkaDeadLetterBus implements DeadLetterBus {
  readonly label: string;
  private readonly kafka: Kafka;

  constructor(settings: KafkaSettings, private readonly timeoutMs = 30_000) {
    this.label = `Kafka ${settings.brokers.join(',')}`;
    const { ssl, sasl } = settings;
    this.kafka = new Kafka({
      clientId: 'creditflow-ops',
      brokers: settings.brokers,
      ...(ssl ? { ssl: { ...(ssl.ca ? { ca: [ssl.ca] } : {}), ...(ssl.cert ? { cert: ssl.cert } : {}), ...(ssl.key ? { key: ssl.key } : {}) } } : {}),
      ...(sasl ? { sasl: sasl as SASLOptions } : {}),
      logLevel: logLevel.NOTHING,
      retry: { retries: 3, initialRetryTime: 200 },
    });
  }

  async counts(topics: string[]) {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const out: { topic: string; count: number }[] = [];
      for (const topic of topics.filter((t) => existing.has(t))) {
        const offsets = await retrying(() => admin.fetchTopicOffsets(topic));
        const count = offsets.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0);
        if (count > 0) out.push({ topic, count });
      }
      return out;
    } finally {
      await admin.disconnect();
    }
  }

  async read(topic: string, { partition, fromOffset, toOffset, limit }: ReadRange): Promise<DeadLetterRecord[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    let ranges: { partition: number; start: bigint; end: bigint }[];
    try {
      if (!(await admin.listTopics()).includes(topic)) throw new OpsError(`no topic ${topic} on ${this.label}`);
      ranges = (await retrying(() => admin.fetchTopicOffsets(topic)))
        .filter((p) => partition === undefined || p.partition === partition)
        .map((p) => {
          const start = fromOffset !== undefined && fromOffset > BigInt(p.low) ? fromOffset : BigInt(p.low);
          const high = BigInt(p.high);
          const end = toOffset !== undefined && toOffset < high ? toOffset : high;
          // At most `limit` from each partition; the merged list is cut to `limit` below.
          return { partition: p.partition, start, end: end - start > BigInt(limit) ? start + BigInt(limit) : end };
        })
        .filter((r) => r.end > r.start)
        .sort((a, b) => a.partition - b.partition);
    } finally {
      await admin.disconnect();
    }
    if (!ranges.length) return [];

    const groupId = `creditflow-ops-${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
    const found = new Map<string, DeadLetterRecord>();
    const remaining = new Map(ranges.map((r) => [r.partition, r]));
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new OpsError(`reading ${topic} from ${this.label} took more than ${this.timeoutMs / 1000}s`)), this.timeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              const range = remaining.get(batch.partition);
              if (!range) return;
              for (const m of batch.messages) {
                const offset = BigInt(m.offset);
                if (offset < range.start || offset >= range.end) continue;
                found.set(`${batch.partition}:${m.offset}`, { partition: batch.partition, offset: m.offset, key: m.key ? m.key.toString() : null, value: m.value ? m.value.toString() : '' });
              }
              const last = BigInt(batch.messages[batch.messages.length - 1]?.offset ?? -1);
              if (last >= range.end - 1n) remaining.delete(batch.partition);
              if (!remaining.size) done();
            },
          })
          .then(() => {
            for (const r of ranges) consumer.seek({ topic, partition: r.partition, offset: r.start.toString() });
          }, reject);
      });
    } finally {
      await consumer.disconnect().catch(() => undefined);
      const cleanup = this.kafka.admin();
      await cleanup
        .connect()
        .then(() => cleanup.deleteGroups([groupId]))
        .catch(() => undefined)
        .finally(() => cleanup.disconnect().catch(() => undefined));
    }
    return [...found.values()]
      .sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1))
      .slice(0, limit);
  }

  async republish(topic: string, key: string | null, value: string): Promise<void> {
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: [{ key, value, headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8' } }] });
    } finally {
      await producer.disconnect();
    }
  }

  async close(): Promise<void> {
    // Every client above is connected and disconnected per call.
  }
}

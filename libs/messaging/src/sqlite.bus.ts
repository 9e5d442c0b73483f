// The embedded mode's bus: the same topics and messages as Kafka, kept in an SQLite log so that a
// message published before a crash is still delivered after the restart. One partition per topic;
// each consumer group keeps a committed offset per topic. A handler that throws gets the same batch
// again; a consumer loop that fails outside its handler (the file unreadable) is reported as dead
// and runs again after a back-off. The platform's own bus (`fromPlatform`) marks what it publishes,
// so its consumers do not validate again an envelope the platform built itself; a message written by
// another writer (the ops tool replaying a dead letter) is unmarked and validated as any other.
import type Database from 'better-sqlite3';
import { openSqlite } from '@creditflow/event-store';
import { eventLoopShare, sleep } from '@creditflow/kernel';
import { EventEmitter } from 'node:events';
import { BusConsumer, BusLog, ConsumedMessage, ConsumeOptions, ConsumerStatusTracker, MessageBus, OutboundMessage, PartitionLag, TopicMessages, consoleBusLog } from './bus';

const BATCH = 500;
const POLL_MS = 500;
/** A publish wakes its topic's consumers this much later: what is published meanwhile is consumed as one batch. */
const COALESCE_MS = 5;
const RESTART_DELAYS_MS = { first: 1_000, max: 30_000 };

export class SqliteBus implements MessageBus {
  private readonly db: Database.Database;
  private readonly published = new EventEmitter();
  private readonly consumers = new Set<{ stop(): Promise<void> }>();
  private readonly insert: Database.Statement;
  private readonly readFrom: Database.Statement;
  private readonly readOffset: Database.Statement;
  private readonly writeOffset: Database.Statement;
  private readonly pending: Database.Statement;
  /** Topics published to since consumers were last woken. */
  private readonly publishedTo = new Set<string>();
  private wakeTimer: NodeJS.Timeout | null = null;

  constructor(
    path: string,
    private readonly log: BusLog = consoleBusLog,
    private readonly options: { fromPlatform?: boolean } = {},
  ) {
    this.db = openSqlite(path);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS bus_messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, key TEXT, value TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS bus_messages_topic ON bus_messages (topic, seq);
      CREATE TABLE IF NOT EXISTS bus_offsets (group_id TEXT NOT NULL, topic TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (group_id, topic));
    `);
    // Logs written before messages were marked gain the column; their messages are validated.
    const columns = (this.db.prepare('PRAGMA table_info(bus_messages)').all() as { name: string }[]).map((c) => c.name);
    if (!columns.includes('platform')) this.db.exec('ALTER TABLE bus_messages ADD COLUMN platform INTEGER NOT NULL DEFAULT 0');
    this.insert = this.db.prepare('INSERT INTO bus_messages (topic, key, value, platform) VALUES (?, ?, ?, ?)');
    // The limit written in the SQL: a value bound to LIMIT makes SQLite plan the statement again at every read.
    this.readFrom = this.db.prepare(`SELECT seq, key, value, platform FROM bus_messages WHERE topic = ? AND seq > ? ORDER BY seq LIMIT ${BATCH}`);
    this.readOffset = this.db.prepare('SELECT seq FROM bus_offsets WHERE group_id = ? AND topic = ?');
    this.writeOffset = this.db.prepare(
      'INSERT INTO bus_offsets (group_id, topic, seq) VALUES (?, ?, ?) ON CONFLICT (group_id, topic) DO UPDATE SET seq = excluded.seq',
    );
    this.pending = this.db.prepare('SELECT count(*) AS n FROM bus_messages WHERE topic = ? AND seq > ?');
    this.published.setMaxListeners(0);
  }

  publish(topic: string, messages: OutboundMessage[]): Promise<void> {
    return this.publishAll([{ topic, messages }]);
  }

  /** Every topic's messages in one transaction. */
  async publishAll(batches: TopicMessages[]): Promise<void> {
    const nonEmpty = batches.filter((b) => b.messages.length);
    if (!nonEmpty.length) return;
    this.db.transaction(() => {
      for (const { topic, messages } of nonEmpty) {
        for (const m of messages) this.insert.run(topic, m.key, JSON.stringify(m.value), this.options.fromPlatform ? 1 : 0);
      }
    })();
    for (const { topic } of nonEmpty) this.publishedTo.add(topic);
    this.wakeTimer ??= setTimeout(() => {
      this.wakeTimer = null;
      const topics = [...this.publishedTo];
      this.publishedTo.clear();
      this.published.emit('published', topics);
    }, COALESCE_MS);
  }

  async consume({ groupId, topics, handle }: ConsumeOptions): Promise<BusConsumer> {
    let running = true;
    const wake = new Set<() => void>();
    const onPublish = (published: string[]) => {
      if (published.some((topic) => topics.includes(topic))) for (const w of [...wake]) w();
    };
    this.published.on('published', onPublish);

    const tracker = new ConsumerStatusTracker();
    const share = eventLoopShare();
    const loop = (async () => {
      while (running) {
        let delivered = false;
        try {
          for (const topic of topics) {
            if (!running) break;
            const offset = (this.readOffset.get(groupId, topic) as { seq: number } | undefined)?.seq ?? 0;
            const rows = this.readFrom.all(topic, offset) as { seq: number; key: string | null; value: string; platform: number }[];
            tracker.running(); // the log can be read
            if (!rows.length) continue;
            const batch: ConsumedMessage[] = rows.map((r) => ({
              topic, partition: 0, offset: String(r.seq), key: r.key, value: r.value, ...(r.platform ? { fromPlatform: true as const } : {}),
            }));
            try {
              await handle(batch);
            } catch {
              await sleep(POLL_MS); // not committed: the same batch comes again
              continue;
            }
            this.writeOffset.run(groupId, topic, rows[rows.length - 1].seq);
            delivered = true;
          }
        } catch (error) {
          if (!running) break;
          tracker.crashed(error);
          const { crashes } = tracker.status();
          const delay = Math.min(RESTART_DELAYS_MS.max, RESTART_DELAYS_MS.first * 2 ** Math.min(crashes - 1, 5));
          this.log.error({ groupId, crashes, error: String(error) }, `consumer ${groupId} died: ${error}; runs again in ${delay} ms`);
          await sleep(delay, undefined, wake);
          continue;
        }
        if (!delivered && running) {
          await sleep(POLL_MS, undefined, wake);
          share.idled();
        } else await share.afterBatch();
      }
    })();

    const consumer = {
      status: () => tracker.status(),
      stop: async () => {
        running = false;
        tracker.stopped();
        for (const w of [...wake]) w();
        this.published.off('published', onPublish);
        await loop;
        this.consumers.delete(consumer);
      },
    };
    this.consumers.add(consumer);
    return consumer;
  }

  async health(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async lag(groupId: string, topics: string[]): Promise<PartitionLag[]> {
    return topics.map((topic) => {
      const offset = (this.readOffset.get(groupId, topic) as { seq: number } | undefined)?.seq ?? 0;
      return { topic, partition: 0, lag: Number((this.pending.get(topic, offset) as { n: number }).n) };
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.db.close();
  }
}

// The embedded mode's bus: the same topics and messages as Kafka, kept in an SQLite log so that a
// message published before a crash is still delivered after the restart. One partition per topic;
// each consumer group keeps a committed offset per topic.
import type Database from 'better-sqlite3';
import { openSqlite } from '@creditflow/event-store';
import { sleep } from '@creditflow/kernel';
import { EventEmitter } from 'node:events';
import { BusConsumer, ConsumedMessage, ConsumeOptions, MessageBus, OutboundMessage } from './bus';

const BATCH = 500;
const POLL_MS = 500;

export class SqliteBus implements MessageBus {
  private readonly db: Database.Database;
  private readonly published = new EventEmitter();
  private readonly consumers = new Set<{ stop(): Promise<void> }>();
  private readonly insert: Database.Statement;
  private readonly readFrom: Database.Statement;
  private readonly readOffset: Database.Statement;
  private readonly writeOffset: Database.Statement;

  constructor(path: string) {
    this.db = openSqlite(path);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS bus_messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, key TEXT, value TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS bus_messages_topic ON bus_messages (topic, seq);
      CREATE TABLE IF NOT EXISTS bus_offsets (group_id TEXT NOT NULL, topic TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (group_id, topic));
    `);
    this.insert = this.db.prepare('INSERT INTO bus_messages (topic, key, value) VALUES (?, ?, ?)');
    this.readFrom = this.db.prepare('SELECT seq, key, value FROM bus_messages WHERE topic = ? AND seq > ? ORDER BY seq LIMIT ?');
    this.readOffset = this.db.prepare('SELECT seq FROM bus_offsets WHERE group_id = ? AND topic = ?');
    this.writeOffset = this.db.prepare(
      'INSERT INTO bus_offsets (group_id, topic, seq) VALUES (?, ?, ?) ON CONFLICT (group_id, topic) DO UPDATE SET seq = excluded.seq',
    );
    this.published.setMaxListeners(0);
  }

  async publish(topic: string, messages: OutboundMessage[]): Promise<void> {
    if (!messages.length) return;
    this.db.transaction(() => {
      for (const m of messages) this.insert.run(topic, m.key, JSON.stringify(m.value));
    })();
    this.published.emit('message', topic);
  }

  async consume({ groupId, topics, handle }: ConsumeOptions): Promise<BusConsumer> {
    let running = true;
    const wake = new Set<() => void>();
    const onPublish = (topic: string) => {
      if (topics.includes(topic)) for (const w of [...wake]) w();
    };
    this.published.on('message', onPublish);

    const loop = (async () => {
      while (running) {
        let delivered = false;
        for (const topic of topics) {
          if (!running) break;
          const offset = (this.readOffset.get(groupId, topic) as { seq: number } | undefined)?.seq ?? 0;
          const rows = this.readFrom.all(topic, offset, BATCH) as { seq: number; key: string | null; value: string }[];
          if (!rows.length) continue;
          const batch: ConsumedMessage[] = rows.map((r) => ({ topic, partition: 0, offset: String(r.seq), key: r.key, value: r.value }));
          try {
            await handle(batch);
          } catch {
            await sleep(POLL_MS); // not committed: the same batch comes again
            continue;
          }
          this.writeOffset.run(groupId, topic, rows[rows.length - 1].seq);
          delivered = true;
        }
        if (!delivered && running) await sleep(POLL_MS, undefined, wake);
      }
    })();

    const consumer = {
      stop: async () => {
        running = false;
        for (const w of [...wake]) w();
        this.published.off('message', onPublish);
        await loop;
        this.consumers.delete(consumer);
      },
    };
    this.consumers.add(consumer);
    return consumer;
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.db.close();
  }
}

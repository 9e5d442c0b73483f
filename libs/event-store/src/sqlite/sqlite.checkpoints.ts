// A read model's own checkpoint, in the read model's own SQLite file (SubscribeOptions.checkpoints):
// the copy of one process resumes where its data is, and a deleted file starts again from the beginning.
import type Database from 'better-sqlite3';
import type { CheckpointStore } from '../event-store';

export class SqliteCheckpoints implements CheckpointStore {
  private readonly select: Database.Statement;
  private readonly upsert: Database.Statement;

  constructor(db: Database.Database, private readonly name: string) {
    db.exec('CREATE TABLE IF NOT EXISTS read_model_checkpoints (name TEXT PRIMARY KEY, position TEXT NOT NULL)');
    this.select = db.prepare('SELECT position FROM read_model_checkpoints WHERE name = ?');
    this.upsert = db.prepare('INSERT INTO read_model_checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position');
  }

  async load(): Promise<bigint> {
    const row = this.select.get(this.name) as { position: string } | undefined;
    return row ? BigInt(row.position) : 0n;
  }

  async save(position: bigint): Promise<void> {
    this.upsert.run(this.name, position.toString());
  }
}

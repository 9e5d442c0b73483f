import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@creditflow/kernel/testing';
import { openSqlite } from './open-sqlite';
import { OWN_CHECKPOINT_PAGES } from './wal-checkpoints';

const dir = mkdtempSync(join(tmpdir(), 'creditflow-wal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WAL checkpoints', () => {
  it('copy the log into the database file off the event loop, long before a commit would', async () => {
    const file = join(dir, 'checkpointed.sqlite');
    const db = openSqlite(file);
    try {
      db.exec('CREATE TABLE t (v TEXT)');
      const insert = db.prepare('INSERT INTO t VALUES (?)');
      const row = 'x'.repeat(1000);
      db.transaction(() => {
        for (let i = 0; i < 4000; i++) insert.run(row); // ~1,000 pages: a tenth of what makes a commit checkpoint
      })();
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(OWN_CHECKPOINT_PAGES);
      const sizeBefore = statSync(file).size;
      // Only a checkpoint writes the rows into the database file itself.
      await waitFor('the database file to hold the rows', async () => (statSync(file).size > sizeBefore + 3_000_000 ? true : undefined), 10_000);
    } finally {
      db.close();
    }
  });
});

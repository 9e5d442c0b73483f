// Which accounts hold daily lots that have not expired yet, per tenant: a read model fed from the
// wallet's store (CreditsGranted of a `daily` lot with an expiry adds a row, LotExpired of that lot
// removes it). A daily reset asks it for the accounts whose daily lots are due by the boundary.
// Rows are idempotent (at-least-once delivery from a checkpointed subscription); a row read before
// its account's expiry was recorded is simply asked about again at the next reset.
import type Database from 'better-sqlite3';
import { CheckpointStore, SqliteCheckpoints, openSqlite } from '@creditflow/event-store';
import type { RecordedEvent } from '@creditflow/event-store';
import { WalletEventMetadata, fromRecorded } from './wallet.codec';

export class SqliteDailyLotIndex {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly due: Database.Statement;

  /** How far the store subscription feeding this index has read, kept in this file. */
  readonly checkpoints: CheckpointStore;

  constructor(path: string) {
    this.db = openSqlite(path);
    this.checkpoints = new SqliteCheckpoints(this.db, 'wallet-daily-lots');
    this.db.exec(`CREATE TABLE IF NOT EXISTS daily_lots (
      tenant TEXT NOT NULL, account_id TEXT NOT NULL, lot_id TEXT NOT NULL, expires_at TEXT NOT NULL,
      PRIMARY KEY (tenant, account_id, lot_id));
      CREATE INDEX IF NOT EXISTS daily_lots_due ON daily_lots (tenant, expires_at);`);
    this.insert = this.db.prepare('INSERT OR IGNORE INTO daily_lots (tenant, account_id, lot_id, expires_at) VALUES (?, ?, ?, ?)');
    this.remove = this.db.prepare('DELETE FROM daily_lots WHERE tenant = ? AND account_id = ? AND lot_id = ?');
    this.due = this.db.prepare('SELECT DISTINCT account_id FROM daily_lots WHERE tenant = ? AND expires_at <= ? ORDER BY account_id');
  }

  /** Applies stored wallet events (any order of redelivery is fine: rows are keyed by lot). */
  apply(events: readonly RecordedEvent[]): void {
    this.db.transaction(() => {
      for (const recorded of events) {
        const { tenantId, accountId } = recorded.metadata as unknown as WalletEventMetadata;
        if (recorded.type !== 'CreditsGranted' && recorded.type !== 'LotExpired') continue;
        const event = fromRecorded(recorded);
        if (event.type === 'CreditsGranted' && event.data.lotType === 'daily' && event.data.expiresAt) {
          this.insert.run(tenantId, accountId, event.data.lotId, event.data.expiresAt);
        } else if (event.type === 'LotExpired') {
          this.remove.run(tenantId, accountId, event.data.lotId);
        }
      }
    })();
  }

  /** Accounts of the tenant with a daily lot expiring at or before `at` and not yet recorded as expired. */
  accountsDueBy(tenantId: string, at: Date): string[] {
    return (this.due.all(tenantId, at.toISOString()) as { account_id: string }[]).map((r) => r.account_id);
  }

  close(): void {
    this.db.close();
  }
}

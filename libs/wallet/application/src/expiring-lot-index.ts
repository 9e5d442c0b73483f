// Which accounts hold lots with an expiry whose coming expiry has not been noticed yet, per tenant: a
// read model fed from the wallet's store (CreditsGranted with an expiry adds a row; LotExpired and
// CreditsExpiringSoon of that lot remove it). The expiry-notice sweep asks it for the accounts with
// lots of the notified types expiring within the tenant's window. Rows are keyed by lot, so a
// redelivered batch changes nothing; the domain decides whether a lot is really due a notice.
import type Database from 'better-sqlite3';
import { CheckpointStore, SqliteCheckpoints, openSqlite } from '@creditflow/event-store';
import type { RecordedEvent } from '@creditflow/event-store';
import { WalletEventMetadata, fromRecorded } from './wallet.codec';

export class SqliteExpiringLotIndex {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly remove: Database.Statement;

  /** How far the store subscription feeding this index has read, kept in this file. */
  readonly checkpoints: CheckpointStore;

  constructor(path: string) {
    this.db = openSqlite(path);
    this.checkpoints = new SqliteCheckpoints(this.db, 'wallet-expiring-lots');
    this.db.exec(`CREATE TABLE IF NOT EXISTS expiring_lots (
      tenant TEXT NOT NULL, account_id TEXT NOT NULL, lot_id TEXT NOT NULL, lot_type TEXT NOT NULL, expires_at TEXT NOT NULL,
      PRIMARY KEY (tenant, account_id, lot_id));
      CREATE INDEX IF NOT EXISTS expiring_lots_due ON expiring_lots (tenant, expires_at);`);
    this.insert = this.db.prepare('INSERT OR IGNORE INTO expiring_lots (tenant, account_id, lot_id, lot_type, expires_at) VALUES (?, ?, ?, ?, ?)');
    this.remove = this.db.prepare('DELETE FROM expiring_lots WHERE tenant = ? AND account_id = ? AND lot_id = ?');
  }

  apply(events: readonly RecordedEvent[]): void {
    this.db.transaction(() => {
      for (const recorded of events) {
        if (recorded.type !== 'CreditsGranted' && recorded.type !== 'LotExpired' && recorded.type !== 'CreditsExpiringSoon') continue;
        const { tenantId, accountId } = recorded.metadata as unknown as WalletEventMetadata;
        const event = fromRecorded(recorded);
        if (event.type === 'CreditsGranted' && event.data.expiresAt) {
          this.insert.run(tenantId, accountId, event.data.lotId, event.data.lotType, event.data.expiresAt);
        } else if (event.type === 'LotExpired' || event.type === 'CreditsExpiringSoon') {
          this.remove.run(tenantId, accountId, event.data.lotId);
        }
      }
    })();
  }

  /** Accounts of the tenant with a lot of one of `lotTypes` expiring after `from` and at or before `to`, not noticed yet. */
  accountsExpiring(tenantId: string, lotTypes: readonly string[], from: Date, to: Date): string[] {
    if (lotTypes.length === 0) return [];
    const rows = this.db
      .prepare(`SELECT DISTINCT account_id FROM expiring_lots WHERE tenant = ? AND lot_type IN (${lotTypes.map(() => '?').join(', ')}) AND expires_at > ? AND expires_at <= ? ORDER BY account_id`)
      .all(tenantId, ...lotTypes, from.toISOString(), to.toISOString()) as { account_id: string }[];
    return rows.map((r) => r.account_id);
  }

  close(): void {
    this.db.close();
  }
}

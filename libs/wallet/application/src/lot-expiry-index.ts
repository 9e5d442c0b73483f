// The wallet's lots with an expiry, per tenant and account: one read model fed from the wallet's
// store, asked by the daily reset (which accounts hold daily lots due by the boundary) and by the
// expiry-notice sweep (which accounts hold lots of the notified types inside the window, not noticed
// yet). CreditsGranted with an expiry adds a row, CreditsExpiringSoon marks it noticed, LotExpired
// removes it. Rows are keyed by lot, so a redelivered batch changes nothing; a row read before its
// account's event was indexed is asked about again next time, and the domain decides what is due.
import type Database from 'better-sqlite3';
import { CheckpointStore, SqliteCheckpoints, openSqlite } from '@creditflow/event-store';
import type { RecordedEvent } from '@creditflow/event-store';
import { WalletEventMetadata, fromRecorded } from './wallet.codec';

/** The store subscription (and its checkpoint) that feeds the index. */
export const LOT_EXPIRY_SUBSCRIPTION = 'wallet-lot-expiries';

export class SqliteLotExpiryIndex {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly notice: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly dailyDue: Database.Statement;

  /** How far the store subscription feeding this index has read, kept in this file. */
  readonly checkpoints: CheckpointStore;

  constructor(path: string) {
    this.db = openSqlite(path);
    this.checkpoints = new SqliteCheckpoints(this.db, LOT_EXPIRY_SUBSCRIPTION);
    this.db.exec(`CREATE TABLE IF NOT EXISTS lot_expiries (
      tenant TEXT NOT NULL, account_id TEXT NOT NULL, lot_id TEXT NOT NULL, lot_type TEXT NOT NULL, expires_at TEXT NOT NULL,
      noticed INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (tenant, account_id, lot_id));
      CREATE INDEX IF NOT EXISTS lot_expiries_due ON lot_expiries (tenant, lot_type, expires_at);`);
    this.insert = this.db.prepare('INSERT OR IGNORE INTO lot_expiries (tenant, account_id, lot_id, lot_type, expires_at) VALUES (?, ?, ?, ?, ?)');
    this.notice = this.db.prepare('UPDATE lot_expiries SET noticed = 1 WHERE tenant = ? AND account_id = ? AND lot_id = ?');
    this.remove = this.db.prepare('DELETE FROM lot_expiries WHERE tenant = ? AND account_id = ? AND lot_id = ?');
    this.dailyDue = this.db.prepare("SELECT DISTINCT account_id FROM lot_expiries WHERE tenant = ? AND lot_type = 'daily' AND expires_at <= ? ORDER BY account_id");
  }

  /** Applies stored wallet events (any order of redelivery is fine: rows are keyed by lot). */
  apply(events: readonly RecordedEvent[]): void {
    this.db.transaction(() => {
      for (const recorded of events) {
        if (recorded.type !== 'CreditsGranted' && recorded.type !== 'LotExpired' && recorded.type !== 'CreditsExpiringSoon') continue;
        const { tenantId, accountId } = recorded.metadata as unknown as WalletEventMetadata;
        const event = fromRecorded(recorded);
        if (event.type === 'CreditsGranted' && event.data.expiresAt) {
          this.insert.run(tenantId, accountId, event.data.lotId, event.data.lotType, event.data.expiresAt);
        } else if (event.type === 'CreditsExpiringSoon') {
          this.notice.run(tenantId, accountId, event.data.lotId);
        } else if (event.type === 'LotExpired') {
          this.remove.run(tenantId, accountId, event.data.lotId);
        }
      }
    })();
  }

  /** Accounts of the tenant with a daily lot expiring at or before `at` and not yet recorded as expired. */
  accountsWithDailyLotsDueBy(tenantId: string, at: Date): string[] {
    return (this.dailyDue.all(tenantId, at.toISOString()) as { account_id: string }[]).map((r) => r.account_id);
  }

  /** Accounts of the tenant with a lot of one of `lotTypes` expiring after `from` and at or before `to`, not noticed yet. */
  accountsExpiring(tenantId: string, lotTypes: readonly string[], from: Date, to: Date): string[] {
    if (lotTypes.length === 0) return [];
    const rows = this.db
      .prepare(`SELECT DISTINCT account_id FROM lot_expiries WHERE tenant = ? AND lot_type IN (${lotTypes.map(() => '?').join(', ')}) AND noticed = 0 AND expires_at > ? AND expires_at <= ? ORDER BY account_id`)
      .all(tenantId, ...lotTypes, from.toISOString(), to.toISOString()) as { account_id: string }[];
    return rows.map((r) => r.account_id);
  }

  close(): void {
    this.db.close();
  }
}

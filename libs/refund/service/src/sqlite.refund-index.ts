// The refund service's own decisions by account, to tell a second refund of the same purchase or
// usage (under another refundId) from a first one. Derived from the `refund-*` streams: written right
// after each append (read-your-writes) and by a checkpointed store subscription (so a crash between
// the append and this write is repaired). Every write is an idempotent upsert of the record's latest state.
import type Database from 'better-sqlite3';
import { CheckpointStore, SqliteCheckpoints, openSqlite } from '@creditflow/event-store';
import { ApprovedRefund, RefundRecord } from '@creditflow/refund-domain';

export class SqliteRefundIndex {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;
  private readonly approved: Database.Statement;
  /** How far the store subscription that repairs this index has read, kept in this file. */
  readonly checkpoints: CheckpointStore;

  constructor(path: string) {
    this.db = openSqlite(path);
    this.checkpoints = new SqliteCheckpoints(this.db, 'refund-index');
    this.db.exec(`CREATE TABLE IF NOT EXISTS refunds (
      tenant TEXT NOT NULL, refund_id TEXT NOT NULL, account_id TEXT NOT NULL, purchase_id TEXT, usage_id TEXT,
      status TEXT NOT NULL, settlement TEXT, PRIMARY KEY (tenant, refund_id))`);
    this.upsert = this.db.prepare(`INSERT INTO refunds (tenant, refund_id, account_id, purchase_id, usage_id, status, settlement) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (tenant, refund_id) DO UPDATE SET settlement = CASE WHEN refunds.settlement IN ('settled', 'voided') THEN refunds.settlement ELSE excluded.settlement END`);
    this.approved = this.db.prepare(
      "SELECT refund_id, purchase_id, usage_id FROM refunds WHERE tenant = ? AND account_id = ? AND status = 'approved' AND (settlement IS NULL OR settlement != 'voided')",
    );
  }

  record(tenantId: string, record: RefundRecord): void {
    const d = record.decision;
    if (!d) return;
    this.upsert.run(tenantId, d.refundId, d.accountId, d.purchaseId ?? null, d.usageId ?? null, d.status, record.settlement);
  }

  /** Approved refunds on the account that still stand (not voided). */
  approvedOn(tenantId: string, accountId: string): ApprovedRefund[] {
    const rows = this.approved.all(tenantId, accountId) as { refund_id: string; purchase_id: string | null; usage_id: string | null }[];
    return rows.map((r) => ({ refundId: r.refund_id, ...(r.purchase_id ? { purchaseId: r.purchase_id } : {}), ...(r.usage_id ? { usageId: r.usage_id } : {}) }));
  }

  close(): void {
    this.db.close();
  }
}

// Usage commands after authorize name only the usage (POST /v1/usage/{usageId}/complete): this
// index finds its account. It is written before the hold is appended, so it never lags the stream.
import type Database from 'better-sqlite3';
import { openSqlite } from '@creditflow/event-store';

export interface UsageIndex {
  remember(tenantId: string, usageId: string, accountId: string): void;
  accountOf(tenantId: string, usageId: string): string | null;
  forget(tenantId: string, usageId: string, accountId: string): void;
  close(): void;
}

export class SqliteUsageIndex implements UsageIndex {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly select: Database.Statement;
  private readonly remove: Database.Statement;

  constructor(path: string) {
    this.db = openSqlite(path);
    this.db.exec('CREATE TABLE IF NOT EXISTS usage_index (tenant TEXT NOT NULL, usage_id TEXT NOT NULL, account_id TEXT NOT NULL, PRIMARY KEY (tenant, usage_id))');
    this.insert = this.db.prepare('INSERT OR IGNORE INTO usage_index (tenant, usage_id, account_id) VALUES (?, ?, ?)');
    this.remove = this.db.prepare('DELETE FROM usage_index WHERE tenant = ? AND usage_id = ? AND account_id = ?');
    this.select = this.db.prepare('SELECT account_id FROM usage_index WHERE tenant = ? AND usage_id = ?');
  }

  remember(tenantId: string, usageId: string, accountId: string): void {
    this.insert.run(tenantId, usageId, accountId);
  }

  accountOf(tenantId: string, usageId: string): string | null {
    return (this.select.get(tenantId, usageId) as { account_id: string } | undefined)?.account_id ?? null;
  }

  forget(tenantId: string, usageId: string, accountId: string): void {
    this.remove.run(tenantId, usageId, accountId);
  }

  close(): void {
    this.db.close();
  }
}

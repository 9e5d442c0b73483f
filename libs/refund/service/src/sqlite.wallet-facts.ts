// The refund service's read model of creditflow.wallet-events.v1, in SQLite: purchases (their lots'
// unused credits follow every event that moves credits on them, by the `lots` shares the events
// carry), usages (charged, failed, restored) and the refunds the wallet applied. Idempotent by
// (account, revision): an event at or below the account's last applied revision changes nothing.
// Amounts are kept as integer strings of credit units (exact, no 64-bit limit).
import type Database from 'better-sqlite3';
import { openSqlite } from '@creditflow/event-store';
import { WalletEventData } from '@creditflow/contracts';
import { Credits, DomainError, parseCredits } from '@creditflow/kernel';
import { ApprovedRefund, PurchaseFacts, UsageFacts } from '@creditflow/refund-domain';
import { WalletFacts } from './wallet-facts';

type Share = { lotId: string; amount: string };

export interface PurchaseRow {
  purchaseId: string;
  lotId: string;
  credits: Credits;
  unused: Credits;
  paid: { minor: bigint; currency: string };
  purchasedAt: string;
  promotional: boolean;
  /** The package's list price when bought; null for purchases recorded before it was kept. */
  listPrice: { minor: bigint; currency: string } | null;
  discountCode: string | null;
  contractId: string | null;
  initialPayment: boolean;
  expired: boolean;
}

export class SqliteWalletFacts implements WalletFacts {
  private readonly db: Database.Database;
  private readonly q: Record<string, Database.Statement>;

  constructor(path: string) {
    this.db = openSqlite(path);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS accounts (tenant TEXT NOT NULL, account_id TEXT NOT NULL, revision INTEGER NOT NULL, PRIMARY KEY (tenant, account_id));
      CREATE TABLE IF NOT EXISTS purchases (
        tenant TEXT NOT NULL, account_id TEXT NOT NULL, lot_id TEXT NOT NULL, purchase_id TEXT NOT NULL, credits TEXT NOT NULL,
        remaining TEXT NOT NULL, expired INTEGER NOT NULL, granted_at TEXT NOT NULL, paid_minor TEXT NOT NULL, currency TEXT NOT NULL,
        promotional INTEGER NOT NULL, revision INTEGER NOT NULL, list_price_minor TEXT, discount_code TEXT, contract_id TEXT,
        PRIMARY KEY (tenant, account_id, lot_id));
      CREATE INDEX IF NOT EXISTS purchases_by_id ON purchases (tenant, account_id, purchase_id);
      CREATE TABLE IF NOT EXISTS holds (
        tenant TEXT NOT NULL, account_id TEXT NOT NULL, usage_id TEXT NOT NULL, lot_id TEXT NOT NULL, amount TEXT NOT NULL, expires_at TEXT NOT NULL,
        PRIMARY KEY (tenant, account_id, usage_id, lot_id));
      CREATE TABLE IF NOT EXISTS usages (
        tenant TEXT NOT NULL, account_id TEXT NOT NULL, usage_id TEXT NOT NULL, charged TEXT NOT NULL, failed_reason TEXT, restored INTEGER NOT NULL,
        PRIMARY KEY (tenant, account_id, usage_id));
      CREATE TABLE IF NOT EXISTS applied_refunds (
        tenant TEXT NOT NULL, account_id TEXT NOT NULL, refund_id TEXT NOT NULL, purchase_id TEXT, usage_id TEXT,
        PRIMARY KEY (tenant, account_id, refund_id));
    `);
    // Files written before purchases kept their list price, code and contract (issue 13) gain the columns; their purchases keep nulls.
    const columns = new Set((this.db.prepare('PRAGMA table_info(purchases)').all() as { name: string }[]).map((c) => c.name));
    for (const column of ['list_price_minor', 'discount_code', 'contract_id']) {
      if (!columns.has(column)) this.db.exec(`ALTER TABLE purchases ADD COLUMN ${column} TEXT`);
    }
    const p = (sql: string) => this.db.prepare(sql);
    this.q = {
      revision: p('SELECT revision FROM accounts WHERE tenant = ? AND account_id = ?'),
      setRevision: p('INSERT INTO accounts (tenant, account_id, revision) VALUES (?, ?, ?) ON CONFLICT (tenant, account_id) DO UPDATE SET revision = excluded.revision'),
      addPurchase: p(`INSERT OR IGNORE INTO purchases (tenant, account_id, lot_id, purchase_id, credits, remaining, expired, granted_at, paid_minor, currency, promotional, revision,
                        list_price_minor, discount_code, contract_id)
                      VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)`),
      lot: p('SELECT remaining, purchase_id FROM purchases WHERE tenant = ? AND account_id = ? AND lot_id = ?'),
      setRemaining: p('UPDATE purchases SET remaining = ? WHERE tenant = ? AND account_id = ? AND lot_id = ?'),
      expire: p('UPDATE purchases SET expired = 1 WHERE tenant = ? AND account_id = ? AND lot_id = ?'),
      purchase: p('SELECT * FROM purchases WHERE tenant = ? AND account_id = ? AND purchase_id = ?'),
      purchases: p('SELECT * FROM purchases WHERE tenant = ? AND account_id = ? ORDER BY revision'),
      firstPurchase: p('SELECT lot_id FROM purchases WHERE tenant = ? AND account_id = ? ORDER BY revision LIMIT 1'),
      addHold: p('INSERT OR REPLACE INTO holds (tenant, account_id, usage_id, lot_id, amount, expires_at) VALUES (?, ?, ?, ?, ?, ?)'),
      dropHolds: p('DELETE FROM holds WHERE tenant = ? AND account_id = ? AND usage_id = ?'),
      timedOutHolds: p('SELECT amount FROM holds WHERE tenant = ? AND account_id = ? AND lot_id = ? AND expires_at <= ?'),
      addUsage: p("INSERT OR IGNORE INTO usages (tenant, account_id, usage_id, charged, failed_reason, restored) VALUES (?, ?, ?, '0', NULL, 0)"),
      usage: p('SELECT * FROM usages WHERE tenant = ? AND account_id = ? AND usage_id = ?'),
      setCharged: p('UPDATE usages SET charged = ? WHERE tenant = ? AND account_id = ? AND usage_id = ?'),
      setFailed: p('UPDATE usages SET failed_reason = ? WHERE tenant = ? AND account_id = ? AND usage_id = ?'),
      setRestored: p('UPDATE usages SET restored = 1 WHERE tenant = ? AND account_id = ? AND usage_id = ?'),
      addApplied: p('INSERT OR IGNORE INTO applied_refunds (tenant, account_id, refund_id, purchase_id, usage_id) VALUES (?, ?, ?, ?, ?)'),
      applied: p('SELECT refund_id, purchase_id, usage_id FROM applied_refunds WHERE tenant = ? AND account_id = ?'),
    };
  }

  /** Applies one wallet event; false if it was applied before (its revision is not past the account's last). */
  apply(tenantId: string, wallet: WalletEventData): boolean {
    return this.db.transaction(() => {
      const revision = BigInt(wallet.revision);
      const last = this.revisionSync(tenantId, wallet.accountId);
      if (last !== null && revision <= last) return false;
      this.project(tenantId, wallet.accountId, revision, wallet.event, wallet.data);
      this.q.setRevision.run(tenantId, wallet.accountId, revision);
      return true;
    })();
  }

  /**
   * Applies events in one transaction, each in a savepoint of its own: an event refused with a
   * DomainError (in its slot) changes nothing and the others stand; any other error rolls all back.
   */
  applyAll(events: { tenantId: string; wallet: WalletEventData }[]): (DomainError | null)[] {
    return this.db.transaction(() =>
      events.map(({ tenantId, wallet }) => {
        try {
          this.apply(tenantId, wallet);
          return null;
        } catch (error) {
          if (error instanceof DomainError) return error;
          throw error;
        }
      }),
    )();
  }

  async revision(tenantId: string, accountId: string): Promise<bigint | null> {
    return this.revisionSync(tenantId, accountId);
  }

  revisionSync(tenantId: string, accountId: string): bigint | null {
    const row = this.q.revision.get(tenantId, accountId) as { revision: number } | undefined;
    return row ? BigInt(row.revision) : null;
  }

  async purchase(tenantId: string, accountId: string, purchaseId: string, now: Date): Promise<PurchaseFacts | null> {
    const row = this.q.purchase.get(tenantId, accountId, purchaseId) as Record<string, unknown> | undefined;
    if (!row) return null;
    const p = this.purchaseRow(tenantId, accountId, row, now);
    return {
      purchaseId: p.purchaseId, lotId: p.lotId, purchasedAt: new Date(p.purchasedAt), credits: p.credits, unused: p.unused,
      paid: p.paid, promotional: p.promotional, isInitialPayment: p.initialPayment,
      ...(p.listPrice ? { listPrice: p.listPrice } : {}),
      ...(p.discountCode !== null ? { discountCode: p.discountCode } : {}),
      ...(p.contractId !== null ? { contractId: p.contractId } : {}),
    };
  }

  /** Every purchase of the account as of `now`, oldest first (the ops view). */
  purchasesOf(tenantId: string, accountId: string, now: Date): PurchaseRow[] {
    return (this.q.purchases.all(tenantId, accountId) as Record<string, unknown>[]).map((r) => this.purchaseRow(tenantId, accountId, r, now));
  }

  async usage(tenantId: string, accountId: string, usageId: string): Promise<UsageFacts | null> {
    const row = this.q.usage.get(tenantId, accountId, usageId) as { charged: string; failed_reason: string | null; restored: number } | undefined;
    if (!row) return null;
    const failedReason = row.failed_reason === 'platform_error' || row.failed_reason === 'cancelled' ? row.failed_reason : null;
    return { usageId, charged: BigInt(row.charged) as Credits, failedReason, restored: row.restored === 1 };
  }

  async approvedRefunds(tenantId: string, accountId: string): Promise<ApprovedRefund[]> {
    const rows = this.q.applied.all(tenantId, accountId) as { refund_id: string; purchase_id: string | null; usage_id: string | null }[];
    return rows.map((r) => ({ refundId: r.refund_id, ...(r.purchase_id ? { purchaseId: r.purchase_id } : {}), ...(r.usage_id ? { usageId: r.usage_id } : {}) }));
  }

  close(): void {
    this.db.close();
  }

  private purchaseRow(tenantId: string, accountId: string, row: Record<string, unknown>, now: Date): PurchaseRow {
    const lotId = row.lot_id as string;
    const expired = row.expired === 1;
    // A hold that has timed out by `now` is released by the wallet's next command on the account
    // (the claw-back's, at the latest), so its credits count as unused here too.
    const timedOut = (this.q.timedOutHolds.all(tenantId, accountId, lotId, now.toISOString()) as { amount: string }[]).reduce((s, h) => s + BigInt(h.amount), 0n);
    const first = this.q.firstPurchase.get(tenantId, accountId) as { lot_id: string } | undefined;
    return {
      purchaseId: row.purchase_id as string,
      lotId,
      credits: BigInt(row.credits as string) as Credits,
      unused: (expired ? 0n : BigInt(row.remaining as string) + timedOut) as Credits,
      paid: { minor: BigInt(row.paid_minor as string), currency: row.currency as string },
      purchasedAt: row.granted_at as string,
      promotional: row.promotional === 1,
      listPrice: row.list_price_minor == null ? null : { minor: BigInt(row.list_price_minor as string), currency: row.currency as string },
      discountCode: (row.discount_code as string | null) ?? null,
      contractId: (row.contract_id as string | null) ?? null,
      initialPayment: first?.lot_id === lotId,
      expired,
    };
  }

  private project(t: string, a: string, revision: bigint, event: string, data: Record<string, unknown>): void {
    const shares = (data.lots as Share[] | undefined) ?? [];
    switch (event) {
      case 'CreditsGranted': {
        const source = data.source as { kind: string; id: string };
        if (source.kind !== 'purchase') return;
        const cost = data.costBasis as { paidMinor: string; currency: string; promotional: boolean; listPriceMinor?: string; discountCode?: string; contractId?: string } | null;
        const units = credits(data.amount).toString();
        this.q.addPurchase.run(
          t, a, data.lotId, source.id, units, units, data.grantedAt, cost?.paidMinor ?? '0', cost?.currency ?? '', cost?.promotional ? 1 : 0, revision,
          cost?.listPriceMinor ?? null, cost?.discountCode ?? null, cost?.contractId ?? null,
        );
        return;
      }
      case 'HoldPlaced': {
        this.q.addUsage.run(t, a, data.usageId);
        for (const s of shares) {
          if (this.move(t, a, s.lotId, -credits(s.amount))) this.q.addHold.run(t, a, data.usageId, s.lotId, credits(s.amount).toString(), data.expiresAt);
        }
        return;
      }
      case 'HoldCaptured':
        this.q.dropHolds.run(t, a, data.usageId);
        this.addCharged(t, a, data.usageId as string, credits(data.amount));
        return;
      case 'HoldReleased':
        this.q.dropHolds.run(t, a, data.usageId);
        for (const s of shares) this.move(t, a, s.lotId, credits(s.amount));
        if (data.reason === 'platform_error' || data.reason === 'cancelled') this.q.setFailed.run(data.reason, t, a, data.usageId);
        return;
      case 'AcceptCharged':
        for (const s of shares) this.move(t, a, s.lotId, -credits(s.amount));
        this.addCharged(t, a, data.usageId as string, credits(data.amount));
        return;
      case 'UsageFailedAfterCompletion':
        this.q.addUsage.run(t, a, data.usageId);
        this.q.setCharged.run(credits(data.charged).toString(), t, a, data.usageId);
        this.q.setFailed.run(data.reason, t, a, data.usageId);
        return;
      case 'CreditsRestored':
        for (const s of shares) this.move(t, a, s.lotId, credits(s.amount));
        this.q.setRestored.run(t, a, data.usageId);
        this.q.addApplied.run(t, a, data.restorationId, null, data.usageId);
        return;
      case 'RolloverExpired':
        for (const s of shares) this.move(t, a, s.lotId, -credits(s.amount));
        return;
      case 'LotExpired':
        if (this.move(t, a, data.lotId as string, -credits(data.amount))) this.q.expire.run(t, a, data.lotId);
        return;
      case 'CreditsClawedBack': {
        this.move(t, a, data.lotId as string, -credits(data.amount));
        const lot = this.q.lot.get(t, a, data.lotId) as { purchase_id: string } | undefined;
        this.q.addApplied.run(t, a, data.refundId, lot?.purchase_id ?? null, null);
        return;
      }
      default:
        return; // AccountOpened, MembersChanged, UsageDenied, UsageRejected, ClawBackRefused, alerts: nothing to keep
    }
  }

  /** Moves credits on a purchase lot; false if the lot is not a purchase (nothing kept for it). */
  private move(t: string, a: string, lotId: string, delta: bigint): boolean {
    const lot = this.q.lot.get(t, a, lotId) as { remaining: string } | undefined;
    if (!lot) return false;
    this.q.setRemaining.run((BigInt(lot.remaining) + delta).toString(), t, a, lotId);
    return true;
  }

  private addCharged(t: string, a: string, usageId: string, amount: bigint): void {
    this.q.addUsage.run(t, a, usageId);
    const row = this.q.usage.get(t, a, usageId) as { charged: string };
    this.q.setCharged.run((BigInt(row.charged) + amount).toString(), t, a, usageId);
  }
}

/** A wire amount ("2.625") as credit units. */
function credits(value: unknown): bigint {
  return parseCredits(String(value));
}

// Read models for the ops surface, built from the wallet's stored events: balances per account, usage
// by feature/model/member/day, credit flows per day (granted, consumed, expired = breakage,
// refunded), refunds with their reasons. One SQLite file; each batch and the position it reached are
// written in one transaction, so a redelivered batch is skipped and a crash loses nothing.
import type Database from 'better-sqlite3';
import { openSqlite } from '@creditflow/event-store';
import type { RecordedEvent } from '@creditflow/event-store';
import { Credits, formatCredits } from '@creditflow/kernel';
import { LotShare, WalletEvent, WalletState, balanceOf, evolve } from '@creditflow/wallet-domain';
import { WalletEventMetadata, fromRecorded } from '@creditflow/wallet-application';

/** What a usage report groups by: the feature, the member, the day, or one priced option as the request named it. */
export const USAGE_GROUPS = ['feature', 'user', 'day', 'model', 'resolution', 'quality'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

/** A feature's default quality (what a request that names none is priced at), for the report by quality. */
export type DefaultQuality = (feature: string) => string | undefined;

// usage_info and usage_daily keep the model, resolution and quality a usage named, each in its own
// column ('' when it named none): a resolution is never filed as a model.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS position (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS usage_info (tenant TEXT, usage_id TEXT, account TEXT, user TEXT, feature TEXT, model TEXT,
    resolution TEXT NOT NULL DEFAULT '', quality TEXT NOT NULL DEFAULT '', PRIMARY KEY (tenant, usage_id));
  CREATE TABLE IF NOT EXISTS usage_daily (tenant TEXT, day TEXT, feature TEXT, model TEXT, user TEXT, account TEXT, uses INTEGER, credits INTEGER,
    resolution TEXT NOT NULL DEFAULT '', quality TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant, day, feature, model, user, account, resolution, quality));
  CREATE TABLE IF NOT EXISTS flows_daily (tenant TEXT, day TEXT, lot_type TEXT, granted INTEGER, consumed INTEGER, expired INTEGER, refunded INTEGER,
    PRIMARY KEY (tenant, day, lot_type));
  CREATE TABLE IF NOT EXISTS refunds (tenant TEXT, id TEXT, account TEXT, usage_id TEXT, kind TEXT, amount INTEGER, reason TEXT, at TEXT, PRIMARY KEY (tenant, id));
  CREATE TABLE IF NOT EXISTS balances (tenant TEXT, account TEXT, kind TEXT, available INTEGER, held INTEGER, by_type TEXT, revision INTEGER, updated_at TEXT,
    plan TEXT, PRIMARY KEY (tenant, account));
`;

type Flow = 'granted' | 'consumed' | 'expired' | 'refunded';

export interface ProjectedBatch {
  /** Accounts whose balance row changed, for publishing snapshots. */
  touched: { tenantId: string; accountId: string }[];
  applied: number;
}

export class OpsProjections {
  private readonly db: Database.Database;
  private readonly states = new Map<string, WalletState>();
  private readonly stmt: Record<string, Database.Statement>;

  constructor(path: string, private readonly loadState: (tenantId: string, accountId: string, upTo: bigint) => Promise<WalletState>) {
    this.db = openSqlite(path);
    migrateUsageColumns(this.db);
    this.db.exec(SCHEMA);
    this.db.defaultSafeIntegers(true);
    this.stmt = {
      position: this.db.prepare('SELECT value FROM position WHERE id = 1'),
      setPosition: this.db.prepare('INSERT INTO position (id, value) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET value = excluded.value'),
      usageInfo: this.db.prepare(
        'INSERT OR IGNORE INTO usage_info (tenant, usage_id, account, user, feature, model, resolution, quality) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      usageOf: this.db.prepare('SELECT * FROM usage_info WHERE tenant = ? AND usage_id = ?'),
      usage: this.db.prepare(`INSERT INTO usage_daily (tenant, day, feature, model, user, account, uses, credits, resolution, quality)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, day, feature, model, user, account, resolution, quality)
        DO UPDATE SET uses = uses + excluded.uses, credits = credits + excluded.credits`),
      flow: this.db.prepare(`INSERT INTO flows_daily (tenant, day, lot_type, granted, consumed, expired, refunded) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (tenant, day, lot_type) DO UPDATE SET granted = granted + excluded.granted, consumed = consumed + excluded.consumed,
        expired = expired + excluded.expired, refunded = refunded + excluded.refunded`),
      refund: this.db.prepare('INSERT OR IGNORE INTO refunds VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      balanceOf: this.db.prepare('SELECT * FROM balances WHERE tenant = ? AND account = ?'),
      balance: this.db.prepare(`INSERT INTO balances VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, account) DO UPDATE SET
        plan = excluded.plan, kind = excluded.kind, available = excluded.available, held = excluded.held, by_type = excluded.by_type, revision = excluded.revision, updated_at = excluded.updated_at`),
    };
  }

  position(): bigint {
    return (this.stmt.position.get() as { value: bigint } | undefined)?.value ?? 0n;
  }

  /** Applies stored wallet events in position order; events at or before the stored position are skipped. */
  async apply(recorded: RecordedEvent[]): Promise<ProjectedBatch> {
    const from = this.position();
    const fresh = recorded.filter((r) => r.position > from);
    const touched = new Map<string, { tenantId: string; accountId: string }>();
    for (const r of recorded) {
      const { tenantId, accountId } = r.metadata as unknown as WalletEventMetadata;
      touched.set(`${tenantId}:${accountId}`, { tenantId, accountId });
    }
    if (!fresh.length) return { touched: [...touched.values()], applied: 0 };
    // States are loaded before the transaction (loading is async); the transaction itself is synchronous.
    for (const r of fresh) {
      const { tenantId, accountId } = r.metadata as unknown as WalletEventMetadata;
      const key = `${tenantId}:${accountId}`;
      if (!this.states.has(key)) this.states.set(key, await this.loadState(tenantId, accountId, from));
    }
    this.db.transaction(() => {
      for (const r of fresh) {
        const { tenantId, accountId } = r.metadata as unknown as WalletEventMetadata;
        const key = `${tenantId}:${accountId}`;
        const before = this.states.get(key)!;
        const event = fromRecorded(r);
        const after = evolve(before, event);
        this.project(tenantId, accountId, event, before, after);
        this.states.set(key, after);
        const balance = balanceOf(after);
        this.stmt.balance.run(tenantId, accountId, after.kind, balance.available, balance.held, JSON.stringify(Object.fromEntries(Object.entries(balance.byType).map(([k, v]) => [k, v.toString()]))), r.revision, r.recordedAt.toISOString(), after.plan?.planId ?? null);
      }
      this.stmt.setPosition.run(fresh[fresh.length - 1].position);
    })();
    if (this.states.size > 50_000) this.states.clear(); // reloaded from the store on demand
    return { touched: [...touched.values()], applied: fresh.length };
  }

  private project(tenant: string, account: string, event: WalletEvent, before: WalletState, after: WalletState): void {
    const flow = (day: string, shares: LotShare[], kind: Flow, state: WalletState) => {
      for (const s of shares) this.flow(tenant, day, state.lots.get(s.lotId)?.type ?? 'unknown', kind, s.amount);
    };
    switch (event.type) {
      case 'CreditsGranted':
        this.flow(tenant, day(event.data.grantedAt), event.data.lotType, 'granted', event.data.amount);
        break;
      case 'HoldPlaced': {
        const option = (name: string) => String(event.data.options[name] ?? '');
        this.stmt.usageInfo.run(tenant, event.data.usageId, account, event.data.userId ?? '', event.data.feature, option('model'), option('resolution'), option('quality'));
        break;
      }
      case 'HoldCaptured':
        this.usage(tenant, event.data.usageId, day(event.data.capturedAt), 1n, event.data.amount);
        flow(day(event.data.capturedAt), event.data.lots, 'consumed', before);
        break;
      case 'AcceptCharged':
        this.usage(tenant, event.data.usageId, day(event.data.chargedAt), 0n, event.data.amount);
        flow(day(event.data.chargedAt), event.data.lots, 'consumed', before);
        break;
      case 'LotExpired': {
        const lot = before.lots.get(event.data.lotId);
        this.flow(tenant, day(event.data.expiredAt), lot?.type ?? 'unknown', 'expired', event.data.amount);
        break;
      }
      case 'RolloverExpired':
        flow(day(event.data.expiredAt), event.data.lots, 'expired', before);
        break;
      case 'CreditsRestored':
        flow(day(event.data.restoredAt), event.data.lots, 'refunded', after);
        this.stmt.refund.run(tenant, event.data.restorationId, account, event.data.usageId, 'restoration', event.data.amount, event.data.reason, event.data.restoredAt);
        break;
      case 'CreditsClawedBack': {
        // A money refund: the purchase's unused credits leave the account.
        const lot = before.lots.get(event.data.lotId);
        this.flow(tenant, day(event.data.clawedBackAt), lot?.type ?? 'unknown', 'refunded', event.data.amount);
        this.stmt.refund.run(tenant, event.data.refundId, account, null, 'claw-back', event.data.amount, `credits of ${event.data.lotId} refunded`, event.data.clawedBackAt);
        break;
      }
      default:
        break;
    }
  }

  private usage(tenant: string, usageId: string, dayKey: string, uses: bigint, credits: Credits): void {
    const info = this.stmt.usageOf.get(tenant, usageId) as { account: string; user: string; feature: string; model: string; resolution: string; quality: string } | undefined;
    this.stmt.usage.run(
      tenant, dayKey, info?.feature ?? 'unknown', info?.model ?? '', info?.user ?? '', info?.account ?? '', uses, credits, info?.resolution ?? '', info?.quality ?? '',
    );
  }

  private flow(tenant: string, dayKey: string, lotType: string, kind: Flow, amount: Credits): void {
    const v = (k: Flow) => (k === kind ? amount : 0n);
    this.stmt.flow.run(tenant, dayKey, lotType, v('granted'), v('consumed'), v('expired'), v('refunded'));
  }

  // --- queries (one tenant at a time) -------------------------------------------------------------

  /**
   * Uses and credits per value of `groupBy` (model, resolution and quality as the request named them;
   * '' when it named none). By quality, a usage that named none counts under its feature's default
   * quality where `defaultQuality` knows one (the level it was priced at).
   */
  usageReport(tenant: string, groupBy: UsageGroup, from: string, to: string, defaultQuality?: DefaultQuality) {
    return this.report(groupBy, 'tenant = ? AND day >= ? AND day <= ?', [tenant, from, to], defaultQuality);
  }

  /** One account's usage, and the plan it is on (for plan-gated analytics). */
  accountUsageReport(tenant: string, account: string, groupBy: UsageGroup, from: string, to: string, defaultQuality?: DefaultQuality) {
    return this.report(groupBy, 'tenant = ? AND account = ? AND day >= ? AND day <= ?', [tenant, account, from, to], defaultQuality);
  }

  private report(groupBy: UsageGroup, where: string, params: string[], defaultQuality?: DefaultQuality) {
    if (!USAGE_GROUPS.includes(groupBy)) throw new Error(`unknown usage group "${groupBy}"`);
    const rows = this.db
      .prepare(`SELECT ${groupBy} AS key, feature, SUM(uses) AS uses, SUM(credits) AS credits FROM usage_daily WHERE ${where} GROUP BY ${groupBy}, feature`)
      .all(...params) as { key: string; feature: string; uses: bigint; credits: bigint }[];
    const groups = new Map<string, { uses: bigint; credits: bigint }>();
    for (const r of rows) {
      const key = groupBy === 'quality' && r.key === '' ? (defaultQuality?.(r.feature) ?? '') : r.key;
      const group = groups.get(key) ?? { uses: 0n, credits: 0n };
      groups.set(key, { uses: group.uses + r.uses, credits: group.credits + r.credits });
    }
    return [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, g]) => ({ [groupBy]: key, uses: Number(g.uses), credits: formatCredits(g.credits as Credits) }));
  }

  planOf(tenant: string, account: string): { known: boolean; planId: string | null } {
    const row = this.stmt.balanceOf.get(tenant, account) as BalanceRow | undefined;
    return { known: !!row, planId: row?.plan ?? null };
  }

  usageByFeatureAndDay(tenant: string, from: string, to: string) {
    const rows = this.db
      .prepare('SELECT day, feature, SUM(uses) AS uses, SUM(credits) AS credits FROM usage_daily WHERE tenant = ? AND day >= ? AND day <= ? GROUP BY day, feature ORDER BY day, feature')
      .all(tenant, from, to) as { day: string; feature: string; uses: bigint; credits: bigint }[];
    return rows.map((r) => ({ day: r.day, feature: r.feature, uses: Number(r.uses), credits: formatCredits(r.credits as Credits) }));
  }

  flows(tenant: string, from: string, to: string) {
    const rows = this.db
      .prepare('SELECT day, SUM(granted) g, SUM(consumed) c, SUM(expired) e, SUM(refunded) r FROM flows_daily WHERE tenant = ? AND day >= ? AND day <= ? GROUP BY day ORDER BY day')
      .all(tenant, from, to) as { day: string; g: bigint; c: bigint; e: bigint; r: bigint }[];
    return rows.map((x) => ({ day: x.day, granted: formatCredits(x.g as Credits), consumed: formatCredits(x.c as Credits), expired: formatCredits(x.e as Credits), refunded: formatCredits(x.r as Credits) }));
  }

  refunds(tenant: string) {
    const rows = this.db.prepare('SELECT * FROM refunds WHERE tenant = ? ORDER BY at').all(tenant) as { id: string; account: string; usage_id: string; kind: string; amount: bigint; reason: string; at: string }[];
    return rows.map((r) => ({ id: r.id, accountId: r.account, usageId: r.usage_id, kind: r.kind, credits: formatCredits(r.amount as Credits), reason: r.reason, at: r.at }));
  }

  balances(tenant: string, below?: Credits) {
    const rows = (
      below === undefined
        ? this.db.prepare('SELECT * FROM balances WHERE tenant = ? ORDER BY account').all(tenant)
        : this.db.prepare('SELECT * FROM balances WHERE tenant = ? AND available < ? ORDER BY available, account').all(tenant, below)
    ) as BalanceRow[];
    return rows.map(balanceView);
  }

  /** One account's projected balance (what the balance snapshots publish). */
  balance(tenant: string, account: string) {
    const row = this.stmt.balanceOf.get(tenant, account) as BalanceRow | undefined;
    return row ? balanceView(row) : undefined;
  }

  /** Per tenant: the credits held by open holds and the accounts holding any (for the held-credits gauges of /metrics). */
  heldByTenant(): { tenant: string; held: Credits; accounts: number }[] {
    const rows = this.db.prepare('SELECT tenant, SUM(held) AS held, COUNT(*) AS accounts FROM balances WHERE held > 0 GROUP BY tenant ORDER BY tenant').all() as { tenant: string; held: bigint; accounts: bigint }[];
    return rows.map((r) => ({ tenant: r.tenant, held: r.held as Credits, accounts: Number(r.accounts) }));
  }

  /** Every table's rows, for comparing a rebuild with the live projection. */
  dump(): Record<string, unknown[]> {
    const out: Record<string, unknown[]> = {};
    for (const t of ['usage_info', 'usage_daily', 'flows_daily', 'refunds', 'balances']) {
      out[t] = (this.db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).all() as Record<string, unknown>[]).map((row) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v])),
      );
    }
    return out;
  }

  close(): void {
    this.db.close();
  }
}

interface BalanceRow {
  account: string;
  kind: string;
  available: bigint;
  held: bigint;
  by_type: string;
  revision: bigint;
  updated_at: string;
  plan: string | null;
}

function balanceView(r: BalanceRow) {
  return {
    accountId: r.account, type: r.kind, available: formatCredits(r.available as Credits), held: formatCredits(r.held as Credits),
    byType: Object.fromEntries(Object.entries(JSON.parse(r.by_type) as Record<string, string>).map(([k, v]) => [k, formatCredits(BigInt(v) as Credits)])),
    revision: r.revision.toString(), updatedAt: r.updated_at,
  };
}

/**
 * Files written before usage kept resolution and quality apart (issue 13) filed a usage's resolution as
 * its model where it named no model. Their tables gain the columns (usage_daily is copied into the new
 * key); the old rows keep what they had: `npm run projections:rebuild -- --replace` refiles them.
 */
function migrateUsageColumns(db: Database.Database): void {
  const columns = (table: string) => new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
  const info = columns('usage_info');
  if (info.size && !info.has('resolution')) {
    db.exec(`ALTER TABLE usage_info ADD COLUMN resolution TEXT NOT NULL DEFAULT ''; ALTER TABLE usage_info ADD COLUMN quality TEXT NOT NULL DEFAULT '';`);
  }
  const daily = columns('usage_daily');
  if (daily.size && !daily.has('resolution')) {
    db.transaction(() => {
      db.exec(`ALTER TABLE usage_daily RENAME TO usage_daily_before_issue_13;
        CREATE TABLE usage_daily (tenant TEXT, day TEXT, feature TEXT, model TEXT, user TEXT, account TEXT, uses INTEGER, credits INTEGER,
          resolution TEXT NOT NULL DEFAULT '', quality TEXT NOT NULL DEFAULT '', PRIMARY KEY (tenant, day, feature, model, user, account, resolution, quality));
        INSERT INTO usage_daily (tenant, day, feature, model, user, account, uses, credits)
          SELECT tenant, day, feature, model, user, account, uses, credits FROM usage_daily_before_issue_13;
        DROP TABLE usage_daily_before_issue_13;`);
    })();
  }
}

function day(iso: string): string {
  return iso.slice(0, 10);
}


// Read models for the ops surface, built from the wallet's stored events: balances per account, usage
// by feature/model/member/day, credit flows per day (granted, consumed, expired = breakage,
// refunded), refunds with their reasons, how usages ended (completed, failed by reason, denied, timed
// out), and money from the lots' cost basis (revenue by package and plan, refunds, breakage). One
// SQLite file; each batch and the position it reached are written in one transaction, so a
// redelivered batch is skipped and a crash loses nothing.
import type Database from 'better-sqlite3';
import { openSqlite } from '@creditflow/event-store';
import type { RecordedEvent } from '@creditflow/event-store';
import { Credits, formatCredits } from '@creditflow/kernel';
import { CostBasis, LotShare, WalletEvent, WalletState, balanceOf, evolve, initialState } from '@creditflow/wallet-domain';
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
  CREATE TABLE IF NOT EXISTS usage_outcomes (tenant TEXT, day TEXT, feature TEXT, outcome TEXT, reason TEXT NOT NULL DEFAULT '', uses INTEGER, credits INTEGER,
    PRIMARY KEY (tenant, day, feature, outcome, reason));
  CREATE TABLE IF NOT EXISTS revenue (tenant TEXT, day TEXT, currency TEXT, lot_credits INTEGER, list_minor INTEGER, plan TEXT, purchases INTEGER,
    paid_minor INTEGER, list_total_minor INTEGER, PRIMARY KEY (tenant, day, currency, lot_credits, list_minor, plan));
  CREATE TABLE IF NOT EXISTS plan_grants (tenant TEXT, day TEXT, plan TEXT, lot_type TEXT, grants INTEGER, credits INTEGER, PRIMARY KEY (tenant, day, plan, lot_type));
  CREATE TABLE IF NOT EXISTS money_refunds (tenant TEXT, id TEXT, day TEXT, account TEXT, lot_id TEXT, credits INTEGER, lot_credits INTEGER, paid_minor INTEGER,
    currency TEXT, PRIMARY KEY (tenant, id));
  CREATE TABLE IF NOT EXISTS breakage_priced (tenant TEXT, day TEXT, currency TEXT, lot_credits INTEGER, paid_minor INTEGER, credits INTEGER,
    PRIMARY KEY (tenant, day, currency, lot_credits, paid_minor));
  CREATE TABLE IF NOT EXISTS tenant_activity (tenant TEXT PRIMARY KEY, position INTEGER, recorded_at TEXT, events INTEGER);
`;

/**
 * The file's layout version (PRAGMA user_version). A file written by an older version whose position
 * is past the start holds no rows for the read models added since: it is emptied and rebuilt from
 * the start of the store (the projector resumes from position 0), instead of answering with partial figures.
 */
export const OPS_PROJECTIONS_VERSION = 2;

/** The read models' tables (the position is not one). */
const TABLES = ['usage_info', 'usage_daily', 'flows_daily', 'refunds', 'balances', 'usage_outcomes', 'revenue', 'plan_grants', 'money_refunds', 'breakage_priced', 'tenant_activity'];

/** How a usage ended, as `usage_outcomes.outcome` (with its reason, where one). */
export const USAGE_OUTCOMES = ['authorized', 'completed', 'accepted', 'rejected', 'failed', 'failed-after-completion', 'denied'] as const;

type Flow = 'granted' | 'consumed' | 'expired' | 'refunded';

export interface ProjectedBatch {
  /** Accounts whose balance row changed, for publishing snapshots. */
  touched: { tenantId: string; accountId: string }[];
  applied: number;
}

/** A usage as its HoldPlaced named it: what the events that end it are filed under. */
interface UsageInfo {
  account: string;
  user: string;
  feature: string;
  model: string;
  resolution: string;
  quality: string;
}

/** Usages whose facts stay in memory: a usage usually ends within seconds of its hold, so its ending finds them here. */
const USAGE_INFO_KEPT = 20_000;

export class OpsProjections {
  private readonly db: Database.Database;
  private readonly states = new Map<string, WalletState>();
  /** usage_info rows as stored (first write wins), newest last; dropped whole when a batch fails. */
  private readonly usageInfos = new Map<string, UsageInfo>();
  private readonly stmt: Record<string, Database.Statement>;
  /** Whether opening the file emptied it (an older layout): the figures come back as the projector catches up from the start. */
  rebuiltFromStart = false;

  constructor(readonly path: string, private readonly loadState: (tenantId: string, accountId: string, upTo: bigint) => Promise<WalletState>) {
    this.db = openSqlite(path);
    this.resetIfOlder();
    migrateUsageColumns(this.db);
    this.db.exec(SCHEMA);
    this.db.pragma(`user_version = ${OPS_PROJECTIONS_VERSION}`);
    this.db.defaultSafeIntegers(true);
    this.stmt = {
      position: this.db.prepare('SELECT value FROM position WHERE id = 1'),
      setPosition: this.db.prepare('INSERT INTO position (id, value) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET value = excluded.value'),
      usageInfo: this.db.prepare(
        'INSERT OR IGNORE INTO usage_info (tenant, usage_id, account, user, feature, model, resolution, quality) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      usageOf: this.db.prepare('SELECT * FROM usage_info WHERE tenant = ? AND usage_id = ?'),
      usage: this.db.prepare(`INSERT INTO usage_daily (tenant, day, feature, model, user, account, resolution, quality, uses, credits)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, day, feature, model, user, account, resolution, quality)
        DO UPDATE SET uses = uses + excluded.uses, credits = credits + excluded.credits`),
      flow: this.db.prepare(`INSERT INTO flows_daily (tenant, day, lot_type, granted, consumed, expired, refunded) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (tenant, day, lot_type) DO UPDATE SET granted = granted + excluded.granted, consumed = consumed + excluded.consumed,
        expired = expired + excluded.expired, refunded = refunded + excluded.refunded`),
      refund: this.db.prepare('INSERT OR IGNORE INTO refunds VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      balanceOf: this.db.prepare('SELECT * FROM balances WHERE tenant = ? AND account = ?'),
      balance: this.db.prepare(`INSERT INTO balances VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, account) DO UPDATE SET
        plan = excluded.plan, kind = excluded.kind, available = excluded.available, held = excluded.held, by_type = excluded.by_type, revision = excluded.revision, updated_at = excluded.updated_at`),
      outcome: this.db.prepare(`INSERT INTO usage_outcomes (tenant, day, feature, outcome, reason, uses, credits) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (tenant, day, feature, outcome, reason) DO UPDATE SET uses = uses + excluded.uses, credits = credits + excluded.credits`),
      revenue: this.db.prepare(`INSERT INTO revenue VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (tenant, day, currency, lot_credits, list_minor, plan) DO UPDATE SET purchases = purchases + excluded.purchases,
        paid_minor = paid_minor + excluded.paid_minor, list_total_minor = list_total_minor + excluded.list_total_minor`),
      planGrant: this.db.prepare(`INSERT INTO plan_grants VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (tenant, day, plan, lot_type) DO UPDATE SET grants = grants + excluded.grants, credits = credits + excluded.credits`),
      moneyRefund: this.db.prepare('INSERT OR IGNORE INTO money_refunds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      breakage: this.db.prepare(`INSERT INTO breakage_priced VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (tenant, day, currency, lot_credits, paid_minor) DO UPDATE SET credits = credits + excluded.credits`),
      activity: this.db.prepare(`INSERT INTO tenant_activity VALUES (?, ?, ?, ?)
        ON CONFLICT (tenant) DO UPDATE SET position = excluded.position, recorded_at = excluded.recorded_at, events = events + excluded.events`),
    };
  }

  /** The additive daily rows of the batch being applied, written once per key when it commits. */
  private readonly sums = {
    usage: new BatchSums(() => this.stmt.usage),
    flow: new BatchSums(() => this.stmt.flow),
    outcome: new BatchSums(() => this.stmt.outcome),
    revenue: new BatchSums(() => this.stmt.revenue),
    planGrant: new BatchSums(() => this.stmt.planGrant),
    breakage: new BatchSums(() => this.stmt.breakage),
  };

  /** Empties a file of an older layout that has applied events (see OPS_PROJECTIONS_VERSION). */
  private resetIfOlder(): void {
    const version = Number(this.db.pragma('user_version', { simple: true }));
    if (version >= OPS_PROJECTIONS_VERSION) return;
    const hasPosition = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'position'").get();
    const applied = hasPosition ? ((this.db.prepare('SELECT value FROM position WHERE id = 1').get() as { value: number } | undefined)?.value ?? 0) : 0;
    if (!applied) return;
    const tables = (this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((t) => t.name);
    this.db.transaction(() => {
      for (const table of tables) this.db.exec(`DROP TABLE "${table}"`);
    })();
    this.rebuiltFromStart = true;
  }

  position(): bigint {
    return (this.stmt.position.get() as { value: bigint } | undefined)?.value ?? 0n;
  }

  /** Applies stored wallet events in position order; events at or before the stored position are skipped. */
  async apply(recorded: RecordedEvent[]): Promise<ProjectedBatch> {
    const from = this.position();
    // Each event's account, named once: its key in `states`, and the accounts the batch touched.
    const accounts = new Map<string, { tenantId: string; accountId: string }>();
    const keys = recorded.map((r) => {
      const { tenantId, accountId } = r.metadata as unknown as WalletEventMetadata;
      const key = `${tenantId}:${accountId}`;
      if (!accounts.has(key)) accounts.set(key, { tenantId, accountId });
      return key;
    });
    const start = recorded.findIndex((r) => r.position > from);
    if (start < 0) return { touched: [...accounts.values()], applied: 0 };
    // States are loaded before the transaction (loading is async); the transaction itself is synchronous.
    // An account whose first event here opens its stream starts from the initial state: nothing to read
    // (a rebuild or a first start reads no stream at all, instead of every stream once in full).
    for (let i = start; i < recorded.length; i++) {
      if (this.states.has(keys[i])) continue;
      const { tenantId, accountId } = accounts.get(keys[i])!;
      this.states.set(keys[i], recorded[i].revision === 0n ? initialState : await this.loadState(tenantId, accountId, from));
    }
    const write = this.db.transaction(() => {
      for (const sums of Object.values(this.sums)) sums.clear(); // what a batch that failed half-way had added
      // An account's balance row and a tenant's activity row are written once per batch, as of the
      // last event of each in the batch (they were written per event, the same rows over and over).
      const balances = new Map<string, { state: WalletState; last: RecordedEvent }>();
      const activity = new Map<string, { last: RecordedEvent; events: number }>();
      for (let i = start; i < recorded.length; i++) {
        const r = recorded[i];
        const { tenantId, accountId } = accounts.get(keys[i])!;
        const before = this.states.get(keys[i])!;
        const event = fromRecorded(r);
        const after = evolve(before, event);
        this.project(tenantId, accountId, event, before, after);
        activity.set(tenantId, { last: r, events: (activity.get(tenantId)?.events ?? 0) + 1 });
        this.states.set(keys[i], after);
        balances.set(keys[i], { state: after, last: r });
      }
      for (const sums of Object.values(this.sums)) sums.write();
      for (const [tenantId, { last, events }] of activity) this.stmt.activity.run(tenantId, last.position, last.recordedAt.toISOString(), events);
      for (const [key, { state, last }] of balances) {
        const { tenantId, accountId } = accounts.get(key)!;
        const balance = balanceOf(state);
        this.stmt.balance.run(tenantId, accountId, state.kind, balance.available, balance.held, JSON.stringify(Object.fromEntries(Object.entries(balance.byType).map(([k, v]) => [k, v.toString()]))), last.revision, last.recordedAt.toISOString(), state.plan?.planId ?? null);
      }
      this.stmt.setPosition.run(recorded[recorded.length - 1].position);
    });
    try {
      write();
    } catch (error) {
      // Both may hold what the rolled-back batch applied: its usages, and states already past its events
      // (a retry would apply them twice); states are read from the store again on demand.
      this.usageInfos.clear();
      this.states.clear();
      throw error;
    }
    while (this.usageInfos.size > USAGE_INFO_KEPT) this.usageInfos.delete(this.usageInfos.keys().next().value as string);
    if (this.states.size > 50_000) this.states.clear(); // reloaded from the store on demand
    return { touched: [...accounts.values()], applied: recorded.length - start };
  }

  private project(tenant: string, account: string, event: WalletEvent, before: WalletState, after: WalletState): void {
    const flow = (day: string, shares: LotShare[], kind: Flow, state: WalletState) => {
      for (const s of shares) this.flow(tenant, day, state.lots.get(s.lotId)?.type ?? 'unknown', kind, s.amount);
    };
    // Credits that expire from a lot bought for money: breakage in that money, at the lot's price per credit.
    const pricedBreakage = (dayKey: string, lotId: string, amount: Credits) => {
      const basis = before.lots.get(lotId)?.costBasis;
      const lotCredits = before.lots.get(lotId)?.amount;
      if (basis && lotCredits && amount > 0n) this.sums.breakage.add([tenant, dayKey, basis.currency, lotCredits, basis.paidMinor], [amount]);
    };
    switch (event.type) {
      case 'CreditsGranted': {
        const d = event.data;
        this.flow(tenant, day(d.grantedAt), d.lotType, 'granted', d.amount);
        if (d.costBasis) this.revenue(tenant, day(d.grantedAt), d.amount, d.costBasis, after.plan?.planId ?? '');
        if (d.source.kind === 'subscription') this.sums.planGrant.add([tenant, day(d.grantedAt), after.plan?.planId ?? '', d.lotType], [1n, d.amount]);
        break;
      }
      case 'HoldPlaced': {
        const option = (name: string) => String(event.data.options[name] ?? '');
        const info: UsageInfo = { account, user: event.data.userId ?? '', feature: event.data.feature, model: option('model'), resolution: option('resolution'), quality: option('quality') };
        const stored = this.stmt.usageInfo.run(tenant, event.data.usageId, info.account, info.user, info.feature, info.model, info.resolution, info.quality).changes === 1;
        if (stored) this.usageInfos.set(usageKey(tenant, event.data.usageId), info);
        this.sums.outcome.add([tenant, day(event.data.placedAt), event.data.feature, 'authorized', ''], [1n, event.data.credits]);
        break;
      }
      case 'HoldCaptured':
        this.usage(tenant, event.data.usageId, day(event.data.capturedAt), 1n, event.data.amount);
        flow(day(event.data.capturedAt), event.data.lots, 'consumed', before);
        this.outcome(tenant, event.data.usageId, day(event.data.capturedAt), 'completed', '', event.data.amount);
        break;
      case 'AcceptCharged':
        this.usage(tenant, event.data.usageId, day(event.data.chargedAt), 0n, event.data.amount);
        flow(day(event.data.chargedAt), event.data.lots, 'consumed', before);
        this.outcome(tenant, event.data.usageId, day(event.data.chargedAt), 'accepted', '', event.data.amount);
        break;
      case 'HoldReleased':
        this.outcome(tenant, event.data.usageId, day(event.data.releasedAt), 'failed', event.data.reason, event.data.amount);
        break;
      case 'UsageFailedAfterCompletion':
        this.outcome(tenant, event.data.usageId, day(event.data.failedAt), 'failed-after-completion', event.data.reason, event.data.charged);
        break;
      case 'UsageRejected':
        this.outcome(tenant, event.data.usageId, day(event.data.rejectedAt), 'rejected', '', 0n as Credits);
        break;
      case 'UsageDenied':
        this.sums.outcome.add([tenant, day(event.data.deniedAt), event.data.feature, 'denied', event.data.phase], [1n, event.data.required]);
        break;
      case 'LotExpired': {
        const lot = before.lots.get(event.data.lotId);
        this.flow(tenant, day(event.data.expiredAt), lot?.type ?? 'unknown', 'expired', event.data.amount);
        pricedBreakage(day(event.data.expiredAt), event.data.lotId, event.data.amount);
        break;
      }
      case 'RolloverExpired':
        flow(day(event.data.expiredAt), event.data.lots, 'expired', before);
        for (const s of event.data.lots) pricedBreakage(day(event.data.expiredAt), s.lotId, s.amount);
        break;
      case 'CreditsRestored':
        flow(day(event.data.restoredAt), event.data.lots, 'refunded', after);
        this.stmt.refund.run(tenant, event.data.restorationId, account, event.data.usageId, 'restoration', event.data.amount, event.data.reason, event.data.restoredAt);
        break;
      case 'CreditsClawedBack': {
        // A money refund: the purchase's unused credits leave the account, at the purchase's price per credit.
        const lot = before.lots.get(event.data.lotId);
        this.flow(tenant, day(event.data.clawedBackAt), lot?.type ?? 'unknown', 'refunded', event.data.amount);
        this.stmt.refund.run(tenant, event.data.refundId, account, null, 'claw-back', event.data.amount, `credits of ${event.data.lotId} refunded`, event.data.clawedBackAt);
        if (lot?.costBasis) {
          this.stmt.moneyRefund.run(tenant, event.data.refundId, day(event.data.clawedBackAt), account, lot.lotId, event.data.amount, lot.amount, lot.costBasis.paidMinor, lot.costBasis.currency);
        }
        break;
      }
      default:
        break;
    }
  }

  private revenue(tenant: string, dayKey: string, lotCredits: Credits, basis: CostBasis, plan: string): void {
    // The lot's credits and list price name its package (resolved against the tenant's catalog when read); -1: no list price recorded.
    this.sums.revenue.add([tenant, dayKey, basis.currency, lotCredits, basis.listPriceMinor ?? -1n, plan], [1n, basis.paidMinor, basis.listPriceMinor ?? basis.paidMinor]);
  }

  private outcome(tenant: string, usageId: string, dayKey: string, outcome: (typeof USAGE_OUTCOMES)[number], reason: string, credits: Credits): void {
    const info = this.usageInfo(tenant, usageId);
    this.sums.outcome.add([tenant, dayKey, info?.feature ?? 'unknown', outcome, reason], [1n, credits]);
  }

  private usage(tenant: string, usageId: string, dayKey: string, uses: bigint, credits: Credits): void {
    const info = this.usageInfo(tenant, usageId);
    this.sums.usage.add(
      [tenant, dayKey, info?.feature ?? 'unknown', info?.model ?? '', info?.user ?? '', info?.account ?? '', info?.resolution ?? '', info?.quality ?? ''], [uses, credits],
    );
  }

  private usageInfo(tenant: string, usageId: string): UsageInfo | undefined {
    return this.usageInfos.get(usageKey(tenant, usageId)) ?? (this.stmt.usageOf.get(tenant, usageId) as UsageInfo | undefined);
  }

  private flow(tenant: string, dayKey: string, lotType: string, kind: Flow, amount: Credits): void {
    const v = (k: Flow) => (k === kind ? amount : 0n);
    this.sums.flow.add([tenant, dayKey, lotType], [v('granted'), v('consumed'), v('expired'), v('refunded')]);
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

  /**
   * How usages ended between two days: totals, failures by reason (before or after completion;
   * timeouts are holds nobody completed in time), denials by feature and phase, one row per day, and
   * the platform-error rate (platform_error failures, before or after completion, per authorized usage).
   */
  usageOutcomes(tenant: string, from: string, to: string) {
    const rows = this.db
      .prepare('SELECT day, feature, outcome, reason, uses, credits FROM usage_outcomes WHERE tenant = ? AND day >= ? AND day <= ? ORDER BY day, feature, outcome, reason')
      .all(tenant, from, to) as { day: string; feature: string; outcome: string; reason: string; uses: bigint; credits: bigint }[];
    const sum = (pick: (r: (typeof rows)[number]) => boolean) => {
      const chosen = rows.filter(pick);
      return { uses: chosen.reduce((n, r) => n + Number(r.uses), 0), credits: formatCredits(chosen.reduce((a, r) => a + r.credits, 0n) as Credits) };
    };
    const failed = (r: { outcome: string }) => r.outcome === 'failed' || r.outcome === 'failed-after-completion';
    const platformError = (r: { outcome: string; reason: string }) => failed(r) && r.reason === 'platform_error';
    const authorized = sum((r) => r.outcome === 'authorized').uses;
    const platformErrors = sum(platformError).uses;
    const groups = <K extends string>(pick: (r: (typeof rows)[number]) => boolean, keyOf: (r: (typeof rows)[number]) => Record<K, string>) => {
      const out = new Map<string, { key: Record<K, string>; uses: number; credits: bigint }>();
      for (const r of rows.filter(pick)) {
        const key = keyOf(r);
        const id = JSON.stringify(key);
        const g = out.get(id) ?? { key, uses: 0, credits: 0n };
        out.set(id, { key, uses: g.uses + Number(r.uses), credits: g.credits + r.credits });
      }
      return [...out.values()].sort((a, b) => b.uses - a.uses || JSON.stringify(a.key).localeCompare(JSON.stringify(b.key))).map((g) => ({ ...g.key, uses: g.uses, credits: formatCredits(g.credits as Credits) }));
    };
    const days = [...new Set(rows.map((r) => r.day))].map((d) => {
      const of = (pick: (r: (typeof rows)[number]) => boolean) => sum((r) => r.day === d && pick(r)).uses;
      return {
        day: d, authorized: of((r) => r.outcome === 'authorized'), completed: of((r) => r.outcome === 'completed'), failed: of(failed),
        platformErrors: of(platformError), timedOut: of((r) => r.outcome === 'failed' && r.reason === 'timeout'), denied: of((r) => r.outcome === 'denied'),
      };
    });
    return {
      totals: {
        authorized, completed: sum((r) => r.outcome === 'completed').uses, failed: sum(failed).uses, platformErrors,
        timedOut: sum((r) => r.outcome === 'failed' && r.reason === 'timeout').uses, denied: sum((r) => r.outcome === 'denied').uses,
        rejected: sum((r) => r.outcome === 'rejected').uses,
      },
      platformErrorRate: { errors: platformErrors, authorized, rate: authorized ? ratio(BigInt(platformErrors), BigInt(authorized), 4) : null },
      failuresByReason: groups(failed, (r) => ({ reason: r.reason, stage: r.outcome === 'failed' ? 'before-completion' : 'after-completion' })),
      failuresByFeature: groups(failed, (r) => ({ feature: r.feature, reason: r.reason })),
      denialsByFeature: groups((r) => r.outcome === 'denied', (r) => ({ feature: r.feature, phase: r.reason })),
      timeoutsByFeature: groups((r) => r.outcome === 'failed' && r.reason === 'timeout', (r) => ({ feature: r.feature })),
      days,
    };
  }

  /** Purchases (lots with a cost basis) between two days, by currency, lot size, list price and the buyer's plan then. */
  revenueRows(tenant: string, from: string, to: string) {
    const rows = this.db
      .prepare(`SELECT day, currency, lot_credits, list_minor, plan, SUM(purchases) purchases, SUM(paid_minor) paid_minor, SUM(list_total_minor) list_total_minor
        FROM revenue WHERE tenant = ? AND day >= ? AND day <= ? GROUP BY day, currency, lot_credits, list_minor, plan ORDER BY day, currency, lot_credits, list_minor, plan`)
      .all(tenant, from, to) as { day: string; currency: string; lot_credits: bigint; list_minor: bigint; plan: string; purchases: bigint; paid_minor: bigint; list_total_minor: bigint }[];
    return rows.map((r) => ({
      day: r.day, currency: r.currency, lotCredits: r.lot_credits as Credits, listPriceMinor: r.list_minor < 0n ? null : r.list_minor, planId: r.plan || null,
      purchases: Number(r.purchases), paidMinor: r.paid_minor, listTotalMinor: r.list_total_minor,
    }));
  }

  /** Subscription grants between two days by plan (the plan the account was on) and lot type. */
  planGrants(tenant: string, from: string, to: string) {
    const rows = this.db
      .prepare('SELECT plan, lot_type, SUM(grants) grants, SUM(credits) credits FROM plan_grants WHERE tenant = ? AND day >= ? AND day <= ? GROUP BY plan, lot_type ORDER BY plan, lot_type')
      .all(tenant, from, to) as { plan: string; lot_type: string; grants: bigint; credits: bigint }[];
    return rows.map((r) => ({ planId: r.plan || null, lotType: r.lot_type, grants: Number(r.grants), credits: formatCredits(r.credits as Credits) }));
  }

  /** Claw-backs of lots bought for money between two days: the credits and the lot's price, for valuing each refund. */
  moneyRefunds(tenant: string, from: string, to: string) {
    const rows = this.db
      .prepare('SELECT * FROM money_refunds WHERE tenant = ? AND day >= ? AND day <= ? ORDER BY day, id')
      .all(tenant, from, to) as { id: string; day: string; account: string; lot_id: string; credits: bigint; lot_credits: bigint; paid_minor: bigint; currency: string }[];
    return rows.map((r) => ({ refundId: r.id, day: r.day, accountId: r.account, lotId: r.lot_id, credits: r.credits as Credits, lotCredits: r.lot_credits as Credits, paidMinor: r.paid_minor, currency: r.currency }));
  }

  /** Credits that expired from lots bought for money, between two days, with the lots' price per credit. */
  pricedBreakage(tenant: string, from: string, to: string) {
    const rows = this.db
      .prepare('SELECT day, currency, lot_credits, paid_minor, credits FROM breakage_priced WHERE tenant = ? AND day >= ? AND day <= ? ORDER BY day, currency, lot_credits, paid_minor')
      .all(tenant, from, to) as { day: string; currency: string; lot_credits: bigint; paid_minor: bigint; credits: bigint }[];
    return rows.map((r) => ({ day: r.day, currency: r.currency, lotCredits: r.lot_credits as Credits, paidMinor: r.paid_minor, credits: r.credits as Credits }));
  }

  /** What this read model has seen of a tenant: its latest projected event (store time and position) and how many. */
  activity(tenant: string): { lastEventAt: string | null; lastPosition: bigint | null; events: number } {
    const row = this.db.prepare('SELECT position, recorded_at, events FROM tenant_activity WHERE tenant = ?').get(tenant) as { position: bigint; recorded_at: string; events: bigint } | undefined;
    return { lastEventAt: row?.recorded_at ?? null, lastPosition: row?.position ?? null, events: Number(row?.events ?? 0n) };
  }

  /** Per tenant: the credits held by open holds and the accounts holding any (for the held-credits gauges of /metrics). */
  heldByTenant(): { tenant: string; held: Credits; accounts: number }[] {
    const rows = this.db.prepare('SELECT tenant, SUM(held) AS held, COUNT(*) AS accounts FROM balances WHERE held > 0 GROUP BY tenant ORDER BY tenant').all() as { tenant: string; held: bigint; accounts: bigint }[];
    return rows.map((r) => ({ tenant: r.tenant, held: r.held as Credits, accounts: Number(r.accounts) }));
  }

  /** Every table's rows (tests read them). */
  dump(): Record<string, unknown[]> {
    const out: Record<string, unknown[]> = {};
    for (const t of TABLES) {
      out[t] = (this.db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).all() as Record<string, unknown>[]).map((row) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v])),
      );
    }
    return out;
  }

  /**
   * The tables whose rows differ from `other`'s (a rebuild beside the live projection), in any order.
   * Compared inside SQLite, the other file attached: every table has a primary key, so its rows are
   * distinct, and two tables hold the same rows when both counts equal that of their UNION (one
   * sort; EXCEPT both ways took twice as long). Reading every row into JavaScript to compare them
   * took a third of a rebuild of 310,000 events.
   */
  differencesFrom(other: OpsProjections): string[] {
    this.db.prepare('ATTACH DATABASE ? AS other').run(other.path);
    try {
      return TABLES.filter((table) => {
        const columns = (this.db.prepare(`PRAGMA main.table_info(${table})`).all() as { name: string }[]).map((c) => `"${c.name}"`).join(', ');
        const count = (sql: string) => this.db.prepare(`SELECT count(*) FROM (${sql})`).pluck().get() as bigint;
        const [mine, theirs] = [`SELECT ${columns} FROM main.${table}`, `SELECT ${columns} FROM other.${table}`];
        const rows = count(mine);
        return rows !== count(theirs) || rows !== count(`${mine} UNION ${theirs}`);
      });
    } finally {
      this.db.prepare('DETACH DATABASE other').run();
    }
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
 * (A file that has applied events is older than OPS_PROJECTIONS_VERSION too, and is emptied before
 * this runs: this keeps only a file of tables without a position.)
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

function usageKey(tenant: string, usageId: string): string {
  return `${tenant.length}:${tenant}${usageId}`;
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

/** n/d as a decimal string with `digits` decimals, rounded half up (n >= 0, d > 0): ratio(2n, 3n, 4) = "0.6667". */
export function ratio(n: bigint, d: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const scaled = (2n * n * scale + d) / (2n * d);
  const s = scaled.toString().padStart(digits + 1, '0');
  return digits ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s;
}

/**
 * Additive rows (a day's counts and credits) of one batch, summed by key in memory and written with
 * one upsert per key: every event ran its own upsert of the same few daily rows. The statement takes
 * the key's values, then the sums.
 */
class BatchSums {
  private readonly pending = new Map<string, { key: (string | bigint)[]; sums: bigint[] }>();

  constructor(private readonly statement: () => Database.Statement) {}

  add(key: (string | bigint)[], sums: bigint[]): void {
    // Each value with its length before it: keys never run together, whatever the values hold (option
    // values are the client's own strings); each position holds one type, so digits meet no string there.
    let id = '';
    for (const part of key) {
      const text = String(part);
      id += `${text.length}:${text}`;
    }
    const row = this.pending.get(id);
    if (!row) this.pending.set(id, { key, sums: [...sums] });
    else for (let i = 0; i < sums.length; i++) row.sums[i] += sums[i];
  }

  write(): void {
    const statement = this.statement();
    for (const { key, sums } of this.pending.values()) statement.run(...key, ...sums);
    this.pending.clear();
  }

  clear(): void {
    this.pending.clear();
  }
}

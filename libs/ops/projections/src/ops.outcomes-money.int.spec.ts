// The read models the on-call dashboard needs, from stored wallet events written by hand: how usages
// ended (failures by reason, timeouts, denials, the platform-error rate), money from the lots' cost
// basis (revenue by lot and plan, claw-backs, priced breakage), each tenant's latest event, and a file
// of an older layout emptied so the projector rebuilds it from the start.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '@creditflow/event-store';
import { openSqlite } from '@creditflow/event-store';
import { Credits, encodeBigInts, parseCredits } from '@creditflow/kernel';
import { fromRecorded, walletStream } from '@creditflow/wallet-application';
import { CostBasis, LotShare, WalletEvent, evolve, initialState } from '@creditflow/wallet-domain';
import { OPS_PROJECTIONS_VERSION, OpsProjections, ratio } from './ops.projections';

const cr = (s: string) => parseCredits(s) as Credits;
const share = (lotId: string, amount: string): LotShare => ({ lotId, amount: cr(amount) });
const T = (day: number, hour = 10) => `2031-05-0${day}T${String(hour).padStart(2, '0')}:00:00.000Z`;

/** Stored events of one tenant's accounts, in order, as the store returns them. */
function walletLog(tenantId: string) {
  let position = 0n;
  const revisions = new Map<string, bigint>();
  return (accountId: string, event: WalletEvent): RecordedEvent => {
    const revision = (revisions.get(accountId) ?? -1n) + 1n;
    revisions.set(accountId, revision);
    position += 1n;
    return {
      streamName: walletStream(tenantId, accountId), id: `e${position}`, type: event.type, data: encodeBigInts(event.data),
      metadata: { tenantId, accountId }, revision, position, recordedAt: new Date(Date.UTC(2031, 4, 9, 0, 0, Number(position))),
    };
  };
}

const opened = (accountId: string, at: string): WalletEvent => ({ type: 'AccountOpened', data: { tenantId: 't', accountId, kind: 'personal', members: [], openedAt: at } });
const grant = (lotId: string, amount: string, at: string, costBasis: CostBasis | null, source: { kind: 'purchase' | 'subscription' | 'grant'; id: string }, expiresAt: string | null = null): WalletEvent => ({
  type: 'CreditsGranted', data: { lotId, lotType: source.kind === 'purchase' ? 'topup' : source.kind === 'subscription' ? 'subscription' : 'reward', amount: cr(amount), grantedAt: at, expiresAt, costBasis, source, fingerprint: lotId },
});
const hold = (usageId: string, feature: string, lotId: string, credits: string, at: string): WalletEvent => ({
  type: 'HoldPlaced', data: { usageId, userId: null, feature, options: {}, credits: cr(credits), phases: null, priceVersion: 'v', lots: [share(lotId, credits)], placedAt: at, expiresAt: at, fingerprint: usageId },
});
const capture = (usageId: string, lotId: string, credits: string, at: string): WalletEvent => ({ type: 'HoldCaptured', data: { usageId, lots: [share(lotId, credits)], amount: cr(credits), capturedAt: at } });
const release = (usageId: string, lotId: string, credits: string, at: string, reason: 'platform_error' | 'cancelled' | 'timeout'): WalletEvent => ({
  type: 'HoldReleased', data: { usageId, lots: [share(lotId, credits)], amount: cr(credits), releasedAt: at, reason },
});
const basis = (paidMinor: bigint, currency = 'CNY', listPriceMinor: bigint | undefined = paidMinor): CostBasis => ({ paidMinor, currency, promotional: false, listPriceMinor });

let dir: string;
let projections: OpsProjections;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ops-outcomes-'));
  projections = new OpsProjections(join(dir, 'ops.sqlite'), async () => initialState);
});
afterEach(() => {
  projections.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('how usages ended', () => {
  it('counts completions, failures by reason and stage, timeouts and denials, per day, with the platform-error rate', async () => {
    const log = walletLog('t');
    await projections.apply([
      log('a', opened('a', T(1))),
      log('a', grant('purchase:p1', '100', T(1), basis(1000n), { kind: 'purchase', id: 'p1' })),
      log('a', hold('u1', 'qwen-image', 'purchase:p1', '2', T(1, 11))),
      log('a', capture('u1', 'purchase:p1', '2', T(1, 11))),
      log('a', hold('u2', 'qwen-image', 'purchase:p1', '2', T(1, 12))),
      log('a', release('u2', 'purchase:p1', '2', T(1, 12), 'platform_error')),
      log('a', hold('u3', 'upscale', 'purchase:p1', '1', T(2))),
      log('a', release('u3', 'purchase:p1', '1', T(2, 11), 'timeout')),
      log('a', hold('u4', 'qwen-image', 'purchase:p1', '3', T(2, 12))),
      log('a', capture('u4', 'purchase:p1', '3', T(2, 12))),
      log('a', { type: 'UsageFailedAfterCompletion', data: { usageId: 'u4', reason: 'platform_error', charged: cr('3'), failedAt: T(2, 13) } }),
      log('a', hold('u5', 'qwen-image', 'purchase:p1', '1', T(2, 14))),
      log('a', release('u5', 'purchase:p1', '1', T(2, 14), 'cancelled')),
      log('a', { type: 'UsageDenied', data: { usageId: 'u6', userId: null, feature: 'upscale', phase: 'generate', required: cr('500'), available: cr('93'), deniedAt: T(2, 15), fingerprint: 'd' } }),
    ]);
    const report = projections.usageOutcomes('t', '0000-01-01', '9999-12-31');
    expect(report.totals).toEqual({ authorized: 5, completed: 2, failed: 4, platformErrors: 2, timedOut: 1, denied: 1, rejected: 0 });
    expect(report.platformErrorRate).toEqual({ errors: 2, authorized: 5, rate: '0.4000' });
    expect(report.failuresByReason).toEqual([
      { reason: 'cancelled', stage: 'before-completion', uses: 1, credits: '1' },
      { reason: 'platform_error', stage: 'after-completion', uses: 1, credits: '3' },
      { reason: 'platform_error', stage: 'before-completion', uses: 1, credits: '2' },
      { reason: 'timeout', stage: 'before-completion', uses: 1, credits: '1' },
    ]);
    expect(report.failuresByFeature).toEqual([
      { feature: 'qwen-image', reason: 'platform_error', uses: 2, credits: '5' },
      { feature: 'qwen-image', reason: 'cancelled', uses: 1, credits: '1' },
      { feature: 'upscale', reason: 'timeout', uses: 1, credits: '1' },
    ]);
    expect(report.denialsByFeature).toEqual([{ feature: 'upscale', phase: 'generate', uses: 1, credits: '500' }]);
    expect(report.timeoutsByFeature).toEqual([{ feature: 'upscale', uses: 1, credits: '1' }]);
    expect(report.days).toEqual([
      { day: '2031-05-01', authorized: 2, completed: 1, failed: 1, platformErrors: 1, timedOut: 0, denied: 0 },
      { day: '2031-05-02', authorized: 3, completed: 1, failed: 3, platformErrors: 1, timedOut: 1, denied: 1 },
    ]);
    expect(projections.usageOutcomes('t', '2031-05-02', '2031-05-02').platformErrorRate.rate).toBe('0.3333');
    expect(projections.usageOutcomes('other', '0000-01-01', '9999-12-31').platformErrorRate).toEqual({ errors: 0, authorized: 0, rate: null });
  });

  it('rounds ratios half up to the digits asked', () => {
    expect([ratio(2n, 3n, 4), ratio(1n, 8n, 2), ratio(1n, 1n, 4), ratio(0n, 7n, 3), ratio(5n, 2n, 0)]).toEqual(['0.6667', '0.13', '1.0000', '0.000', '3']);
  });
});

describe("money from the lots' cost basis", () => {
  it('keeps purchases by lot size, list price and plan; claw-backs with their lot price; breakage of bought lots only', async () => {
    const log = walletLog('t');
    await projections.apply([
      log('a', opened('a', T(1))),
      log('a', { type: 'PlanAssigned', data: { planId: 'pro', subscriptionId: 's1', assignedAt: T(1) } }),
      log('a', grant('monthly-grant:s1:0', '50', T(1), null, { kind: 'subscription', id: 's1' })),
      log('a', grant('purchase:p1', '300', T(1), basis(999n, 'USD'), { kind: 'purchase', id: 'p1' }, T(3))),
      log('a', grant('purchase:p2', '300', T(2), basis(500n, 'USD', 999n), { kind: 'purchase', id: 'p2' })),
      log('b', opened('b', T(2))),
      log('b', grant('purchase:p3', '100', T(2), basis(1000n), { kind: 'purchase', id: 'p3' })),
      log('b', grant('grant:r1', '5', T(2), null, { kind: 'grant', id: 'r1' }, T(3))),
      log('b', { type: 'CreditsClawedBack', data: { refundId: 'r-9', lotId: 'purchase:p3', amount: cr('98.25'), clawedBackAt: T(3) } }),
      log('a', { type: 'LotExpired', data: { lotId: 'purchase:p1', amount: cr('100'), expiredAt: T(3) } }),
      log('b', { type: 'LotExpired', data: { lotId: 'grant:r1', amount: cr('5'), expiredAt: T(3) } }),
    ]);
    const all = ['0000-01-01', '9999-12-31'] as const;
    expect(projections.revenueRows('t', ...all)).toEqual([
      { day: '2031-05-01', currency: 'USD', lotCredits: cr('300'), listPriceMinor: 999n, planId: 'pro', purchases: 1, paidMinor: 999n, listTotalMinor: 999n },
      { day: '2031-05-02', currency: 'CNY', lotCredits: cr('100'), listPriceMinor: 1000n, planId: null, purchases: 1, paidMinor: 1000n, listTotalMinor: 1000n },
      { day: '2031-05-02', currency: 'USD', lotCredits: cr('300'), listPriceMinor: 999n, planId: 'pro', purchases: 1, paidMinor: 500n, listTotalMinor: 999n },
    ]);
    expect(projections.planGrants('t', ...all)).toEqual([{ planId: 'pro', lotType: 'subscription', grants: 1, credits: '50' }]);
    expect(projections.moneyRefunds('t', ...all)).toEqual([
      { refundId: 'r-9', day: '2031-05-03', accountId: 'b', lotId: 'purchase:p3', credits: cr('98.25'), lotCredits: cr('100'), paidMinor: 1000n, currency: 'CNY' },
    ]);
    // The reward that expired cost nothing: only the bought lot's expiry has a price.
    expect(projections.pricedBreakage('t', ...all)).toEqual([{ day: '2031-05-03', currency: 'USD', lotCredits: cr('300'), paidMinor: 999n, credits: cr('100') }]);
    expect(projections.activity('t')).toEqual({ lastEventAt: new Date(Date.UTC(2031, 4, 9, 0, 0, 11)).toISOString(), lastPosition: 11n, events: 11 });
    expect(projections.activity('nobody')).toEqual({ lastEventAt: null, lastPosition: null, events: 0 });
  });
});

describe('a batch that fails half-way', () => {
  it('leaves nothing behind: applied again, each of its events counts once', async () => {
    const log = walletLog('t');
    const stored: RecordedEvent[] = [];
    const recorded = (accountId: string, event: WalletEvent) => {
      const r = log(accountId, event);
      stored.push(r);
      return r;
    };
    // Where a projection resumes an account: its stored events up to the position, folded.
    const loadState = async (_tenant: string, accountId: string, upTo: bigint) =>
      stored.filter((r) => r.streamName === walletStream('t', accountId) && r.position <= upTo).reduce((state, r) => evolve(state, fromRecorded(r)), initialState);
    const path = join(dir, 'failing.sqlite');
    const failing = new OpsProjections(path, loadState);
    try {
      await failing.apply([recorded('a', opened('a', T(1))), recorded('a', grant('g1', '10', T(1), null, { kind: 'grant', id: 'g1' })), recorded('a', hold('u1', 'img', 'g1', '3', T(1, 11)))]);
      const second = [recorded('a', capture('u1', 'g1', '3', T(1, 12))), recorded('a', hold('u2', 'img', 'g1', '2', T(1, 13)))];
      // Another connection drops a table the batch writes last: the batch fails after every event was folded.
      const other = openSqlite(path);
      other.exec('DROP TABLE tenant_activity');
      // Not `rejects.toThrow`: in a Jest worker that loaded better-sqlite3 for an earlier file, its errors
      // may come from that file's realm and not pass for an Error here ("did not throw").
      const failure = await failing.apply(second).then(() => null, (error: { message?: unknown }) => error);
      expect(String(failure?.message)).toMatch(/tenant_activity/);
      other.exec('CREATE TABLE tenant_activity (tenant TEXT PRIMARY KEY, position INTEGER, recorded_at TEXT, events INTEGER)');
      other.close();
      expect(failing.balances('t')).toEqual([expect.objectContaining({ accountId: 'a', available: '7', held: '3' })]);

      expect(await failing.apply(second)).toMatchObject({ applied: 2 });
      expect(failing.balances('t')).toEqual([expect.objectContaining({ accountId: 'a', available: '5', held: '2' })]);
      expect(failing.usageByFeatureAndDay('t', '2031-05-01', '2031-05-01')).toEqual([{ day: '2031-05-01', feature: 'img', uses: 1, credits: '3' }]);
    } finally {
      failing.close();
    }
  });
});

describe('a file of an older layout', () => {
  it('is emptied when it has applied events, so the projector rebuilds every read model from the start', async () => {
    const path = join(dir, 'old.sqlite');
    const old = new OpsProjections(path, async () => initialState);
    const log = walletLog('t');
    await old.apply([log('a', opened('a', T(1))), log('a', grant('purchase:p1', '100', T(1), basis(1000n), { kind: 'purchase', id: 'p1' }))]);
    old.close();
    const db = openSqlite(path);
    db.pragma('user_version = 1');
    db.exec('DROP TABLE revenue');
    db.close();

    const reopened = new OpsProjections(path, async () => initialState);
    try {
      expect(reopened.rebuiltFromStart).toBe(true);
      expect(reopened.position()).toBe(0n);
      expect(reopened.balances('t')).toEqual([]);
      const check = openSqlite(path);
      expect(check.pragma('user_version', { simple: true })).toBe(OPS_PROJECTIONS_VERSION);
      check.close();
    } finally {
      reopened.close();
    }
    // Opened again at the current layout: nothing is emptied.
    const again = new OpsProjections(path, async () => initialState);
    expect(again.rebuiltFromStart).toBe(false);
    again.close();
  });
});

describe('comparing a rebuild with the live projection', () => {
  it('names exactly the tables whose rows differ, whichever side holds the extra or changed row, in any order', async () => {
    const log = walletLog('t');
    const events = [
      log('a', opened('a', T(1))),
      log('a', grant('purchase:p1', '100', T(1), basis(1000n), { kind: 'purchase', id: 'p1' })),
      log('a', hold('u1', 'img', 'purchase:p1', '3', T(1))),
      log('a', capture('u1', 'purchase:p1', '3', T(1))),
      log('b', opened('b', T(2))),
      log('b', grant('purchase:p2', '50', T(2), basis(500n), { kind: 'purchase', id: 'p2' })),
    ];
    const other = new OpsProjections(join(dir, 'other.sqlite'), async () => initialState);
    try {
      await projections.apply(events);
      // The same events one at a time: the same rows, written in another order and other batches.
      for (const event of events) await other.apply([event]);
      expect(projections.differencesFrom(other)).toEqual([]);

      const db = openSqlite(other.path);
      db.prepare("UPDATE balances SET available = available + 1 WHERE account = 'b'").run();
      db.prepare("DELETE FROM usage_info WHERE usage_id = 'u1'").run();
      db.close();
      expect(projections.differencesFrom(other)).toEqual(['usage_info', 'balances']);
      expect(other.differencesFrom(projections)).toEqual(['usage_info', 'balances']);
    } finally {
      other.close();
    }
  });
});

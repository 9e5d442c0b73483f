// The ops read models against the embedded platform: a random workload through HTTP, then the live
// projection must equal the wallet's balances, a rebuild from the store must equal the live
// projection (every table, usage outcomes and money included), the usage outcomes must count what the
// workload did, the money must be what was paid and paid back, and the CSV report must parse back to the JSON one.
import { join } from 'node:path';
import { createEventStore } from '@creditflow/event-store';
import { waitFor } from '@creditflow/kernel/testing';
import { OpsProjections } from '@creditflow/ops-projections';
import { rebuildProjections, stateLoader } from '@creditflow/ops-service';
import { EmbeddedPlatform, apiKey, startEmbeddedPlatform } from './embedded-platform';

/** A small seeded generator (mulberry32): the workload is random but the same every run. */
function random(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function parseCsv(text: string): string[][] {
  return text.trim().split('\r\n').map((line) => line.split(','));
}

describe('ops projections', () => {
  let platform: EmbeddedPlatform;
  const admin = apiKey('apinfer', 'admin');
  const ops = apiKey('apinfer', 'ops');
  const accounts = ['ops-a', 'ops-b', 'ops-c'];
  /** What the workload did, to compare with the usage outcomes. */
  const did = { authorized: 0, denied: 0, completed: 0, cancelled: 0, platformErrors: 0 };

  beforeAll(async () => {
    platform = await startEmbeddedPlatform();
    const next = random(7);
    for (const accountId of accounts) {
      await platform.request('PUT', `/v1/accounts/${accountId}`, { key: admin, body: { type: 'team', members: ['ann', 'bob'] } });
      await platform.request('POST', '/v1/purchases', { key: admin, body: { purchaseId: `p-${accountId}`, accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' } });
    }
    for (let i = 0; i < 60; i++) {
      const accountId = accounts[Math.floor(next() * accounts.length)];
      const usageId = `ops-u${i}`;
      const quality = ['standard', 'high', 'ultra'][Math.floor(next() * 3)];
      const userId = next() < 0.5 ? 'ann' : 'bob';
      const r = await platform.request('POST', '/v1/usage/authorize', { key: admin, body: { usageId, accountId, userId, feature: 'qwen-image', quality } });
      if (r.status !== 200) continue;
      did.authorized++;
      const roll = next();
      if (roll < 0.7) {
        await platform.request('POST', `/v1/usage/${usageId}/complete`, { key: admin });
        did.completed++;
      } else if (roll < 0.85) {
        await platform.request('POST', `/v1/usage/${usageId}/fail`, { key: admin, body: { reason: 'cancelled' } });
        did.cancelled++;
      } else {
        await platform.request('POST', `/v1/usage/${usageId}/complete`, { key: admin });
        await platform.request('POST', `/v1/usage/${usageId}/fail`, { key: admin, body: { reason: 'platform_error' } });
        did.completed++;
        did.platformErrors++;
      }
    }
    // An account that never bought anything: its two usages are denied.
    await platform.request('PUT', '/v1/accounts/ops-empty', { key: admin, body: { type: 'personal' } });
    for (const usageId of ['ops-denied-1', 'ops-denied-2']) {
      const r = await platform.request('POST', '/v1/usage/authorize', { key: admin, body: { usageId, accountId: 'ops-empty', feature: 'qwen-image' } });
      expect(r.status).toBe(402);
      did.denied++;
    }
    // The projection and the refund service work asynchronously: wait until the projection agrees with the wallet.
    let projected: { accountId: string; available: string; held: string }[] = [];
    let live: { accountId: string; available: string; held: string }[] = [];
    await waitFor(() => `the projection to catch up: ${JSON.stringify(projected)} vs ${JSON.stringify(live)}`, async () => {
      projected = (await platform.request('GET', '/v1/projections/balances', { key: ops })).body.balances;
      live = await Promise.all(accounts.map(async (a) => (await platform.request('GET', `/v1/accounts/${a}/balance`, { key: ops })).body));
      const same = live.every((b) => projected.some((p) => p.accountId === b.accountId && p.available === b.available && p.held === b.held));
      return same && projected.length === accounts.length + 1 ? true : undefined;
    }, 20_000);
  }, 60_000);

  afterAll(() => platform?.close());

  it('rebuilds from the store into exactly the live projection', async () => {
    const store = createEventStore({ kind: 'sqlite', path: join(platform.dataDir, 'events.sqlite') });
    const live = new OpsProjections(join(platform.dataDir, 'ops-projections.sqlite'), stateLoader(store));
    const progress: number[] = [];
    try {
      const result = await rebuildProjections(store, join(platform.dataDir, 'rebuilt.sqlite'), live, (n) => progress.push(n));
      expect(result.events).toBeGreaterThan(100);
      expect(progress[progress.length - 1]).toBe(result.events);
      expect(result.differences).toEqual([]);
    } finally {
      live.close();
      await store.close();
    }
  });

  it('counts how every usage ended: completions, failures by reason, denials, and the platform-error rate', async () => {
    const r = await platform.request('GET', '/v1/projections/usage-outcomes', { key: ops });
    expect(r.status).toBe(200);
    expect(r.body.totals).toEqual({
      authorized: did.authorized, completed: did.completed, failed: did.cancelled + did.platformErrors, platformErrors: did.platformErrors,
      timedOut: 0, denied: did.denied, rejected: 0,
    });
    expect(r.body.platformErrorRate).toEqual({
      errors: did.platformErrors, authorized: did.authorized, rate: (Math.round((did.platformErrors / did.authorized) * 10_000) / 10_000).toFixed(4),
    });
    expect(r.body.failuresByReason).toEqual(
      expect.arrayContaining([
        { reason: 'cancelled', stage: 'before-completion', uses: did.cancelled, credits: expect.any(String) },
        { reason: 'platform_error', stage: 'after-completion', uses: did.platformErrors, credits: expect.any(String) },
      ]),
    );
    expect(r.body.denialsByFeature).toEqual([{ feature: 'qwen-image', phase: 'generate', uses: did.denied, credits: expect.any(String) }]);
    expect(r.body.days.reduce((n: number, d: { authorized: number }) => n + d.authorized, 0)).toBe(did.authorized);
    expect((await platform.request('GET', '/v1/projections/usage-outcomes?from=2020-01-01&to=2020-12-31', { key: ops })).body.totals.authorized).toBe(0);
    expect((await platform.request('GET', '/v1/projections/usage-outcomes?to=tomorrow', { key: ops })).status).toBe(400);
  });

  it.each([
    ['a month that does not exist', 'from=2025-13-45', 'from must be a day such as 2026-11-21'],
    ['a day the month does not have', 'to=2025-02-30', 'to must be a day such as 2026-11-21'],
    ['from after to', 'from=2025-03-02&to=2025-03-01', 'from (2025-03-02) is after to (2025-03-01)'],
    ['a repeated parameter', 'from=2025-03-01&from=2025-03-02', 'from must be a day such as 2026-11-21'],
  ])('refuses a report range with %s (used to answer 200 with nothing in it)', async (_what, query, message) => {
    for (const path of ['/v1/projections/usage-outcomes', '/v1/reports/usage', '/v1/projections/money']) {
      const r = await platform.request('GET', `${path}?${query}`, { key: ops });
      expect([path, r.status, r.body]).toEqual([path, 400, expect.objectContaining({ error: 'invalid_request', message })]);
    }
    expect((await platform.request('GET', '/v1/projections/usage-outcomes?from=2024-02-29&to=2024-02-29', { key: ops })).status).toBe(200);
  });

  it('reports revenue by package from the price each purchase paid, and says how current the read models are', async () => {
    const money = (await platform.request('GET', '/v1/projections/money', { key: ops })).body;
    expect(money.currency).toBe('CNY');
    expect(money.revenue.total).toEqual([{ amount: '30.00', currency: 'CNY', purchases: 3, listAmount: '30.00' }]);
    expect(money.revenue.byPackage).toEqual([{ packageId: 'basic', credits: '100', purchases: 3, amount: '30.00', currency: 'CNY', listAmount: '30.00' }]);
    expect(money.revenue.byPlan).toEqual([{ planId: null, purchases: 3, amount: '30.00', currency: 'CNY' }]);
    expect(money.breakage).toEqual({ total: [], unpricedCredits: '0' });

    const status = (await platform.request('GET', '/v1/projections/status', { key: ops })).body;
    expect(status).toMatchObject({ mode: 'embedded', pending: 0, events: expect.any(Number) });
    expect(status.events).toBeGreaterThan(100);
    expect(Date.parse(status.lastEventAt)).toBeLessThanOrEqual(Date.now());
    expect((await platform.request('GET', '/v1/projections/status', { key: apiKey('amisi', 'ops') })).body).toMatchObject({ lastEventAt: null, events: 0, pending: 0 });
  });

  it('reports usage by feature, user and day, and the CSV parses back to the JSON', async () => {
    for (const groupBy of ['feature', 'user', 'day']) {
      const json = await platform.request('GET', `/v1/reports/usage?groupBy=${groupBy}`, { key: ops });
      expect(json.status).toBe(200);
      const csv = await platform.request('GET', `/v1/reports/usage?groupBy=${groupBy}&format=csv`, { key: ops });
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      const [header, ...rows] = parseCsv(csv.body as string);
      expect(header).toEqual([groupBy, 'uses', 'credits']);
      expect(rows).toEqual(json.body.rows.map((r: Record<string, string | number>) => [String(r[groupBy]), String(r.uses), String(r.credits)]));
    }
    const byUser = (await platform.request('GET', '/v1/reports/usage?groupBy=user', { key: ops })).body.rows;
    expect(byUser.map((r: { user: string }) => r.user)).toEqual(['ann', 'bob']);
  });

  it('counts consumed credits in the daily flows and restorations as refunds', async () => {
    const flows = (await platform.request('GET', '/v1/projections/credit-flows', { key: ops })).body.days;
    expect(flows.length).toBeGreaterThan(0);
    const refunds = (await platform.request('GET', '/v1/projections/refunds', { key: ops })).body.refunds;
    expect(refunds.every((r: { kind: string; reason: string }) => r.kind === 'restoration' && r.reason.length > 0)).toBe(true);
  });

  it('refuses a bad groupBy, format or day with 400, and other tenants see nothing', async () => {
    expect((await platform.request('GET', '/v1/reports/usage?groupBy=planet', { key: ops })).status).toBe(400);
    expect((await platform.request('GET', '/v1/reports/usage?format=xml', { key: ops })).status).toBe(400);
    expect((await platform.request('GET', '/v1/reports/usage?from=yesterday', { key: ops })).status).toBe(400);
    expect((await platform.request('GET', '/v1/projections/balances', { key: apiKey('amisi', 'ops') })).body.balances).toEqual([]);
  });

  it('shows a money refund as a claw-back in the refunds and the daily flows', async () => {
    const refund = await platform.request('POST', '/v1/refunds', { key: admin, body: { refundId: 'ops-refund-1', accountId: 'ops-a', purchaseId: 'p-ops-a', reason: 'unused_credits' } });
    expect(refund.body.status).toBe('approved');
    const rows = await waitFor('the refund in the projection', async () => {
      const refunds: { id: string; kind: string; credits: string }[] = (await platform.request('GET', '/v1/projections/refunds', { key: ops })).body.refunds;
      return refunds.some((r) => r.id === 'ops-refund-1') ? refunds : undefined;
    }, 10_000);
    expect(rows.find((r) => r.id === 'ops-refund-1')).toMatchObject({ kind: 'claw-back', credits: refund.body.creditsClawedBack });
    // The money paid back, valued as the refund service valued it.
    const money = (await platform.request('GET', '/v1/projections/money', { key: ops })).body;
    expect(money.refunds).toEqual({ rounding: 'half-even', total: [{ ...refund.body.money, refunds: 1, credits: refund.body.creditsClawedBack }] });

    // And a rebuild from the store still equals the live projection, money and outcomes included.
    const store = createEventStore({ kind: 'sqlite', path: join(platform.dataDir, 'events.sqlite') });
    const live = new OpsProjections(join(platform.dataDir, 'ops-projections.sqlite'), stateLoader(store));
    try {
      const result = await rebuildProjections(store, join(platform.dataDir, 'rebuilt-after-refund.sqlite'), live);
      expect(result.differences).toEqual([]);
    } finally {
      live.close();
      await store.close();
    }
  });
});

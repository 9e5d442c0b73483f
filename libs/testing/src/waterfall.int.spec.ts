// The access waterfall through HTTP (issue 15 item 1): free allowances paid before the lots, every
// answer, transaction and statement line saying where the credits came from, the allowances in the
// balance answer, a rate limit answering 429 with when to retry, and the reconciler agreeing.
// VisualGPT's daily free credits as an allowance (tenant-variants.ts, visualgpt-free).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { OpsIo, runOps } from '@creditflow/ops-tools';
import type { ReconciliationReport } from '@creditflow/reconciler-domain';
import { ApiKeyGrant, EmbeddedPlatform, apiKey, defaultApiKeys, startEmbeddedPlatform } from './embedded-platform';
import { tenantsWithWaterfall } from './tenant-variants';

const TENANT = 'visualgpt-free';
const T0 = '2026-05-01T10:00:00.000Z';
const after = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('the access waterfall over HTTP', () => {
  let platform: EmbeddedPlatform;
  const tenantsDir = tenantsWithWaterfall(TENANT);
  const keys: Record<string, ApiKeyGrant> = defaultApiKeys();
  for (const role of ['admin', 'ops', 'service'] as const) keys[apiKey(TENANT, role)] = { tenant: TENANT, role };
  const [admin, ops, service] = (['admin', 'ops', 'service'] as const).map((r) => apiKey(TENANT, r));
  const setClock = (now: string) => platform.request('POST', '/v1/admin/clock', { key: admin, body: { now } });
  const authorize = (usageId: string, feature: string, extra: Record<string, unknown> = {}) =>
    platform.request('POST', '/v1/usage/authorize', { key: service, body: { usageId, accountId: 'wf-1', feature, ...extra } });
  const step = (usageId: string, action: string, body?: unknown) => platform.request('POST', `/v1/usage/${usageId}/${action}`, { key: service, body });
  const balance = async () => (await platform.request('GET', '/v1/accounts/wf-1/balance', { key: ops })).body;
  const transactions = async () => (await platform.request('GET', '/v1/accounts/wf-1/transactions', { key: ops })).body.transactions;
  const lot = { source: 'lot:purchase:wf-p1' };

  beforeAll(async () => {
    platform = await startEmbeddedPlatform({ clock: 'manual', tenantsDir, keys });
    await setClock(T0);
    await platform.request('PUT', '/v1/accounts/wf-1', { key: admin, body: { type: 'personal' } });
    const bought = await platform.request('POST', '/v1/purchases', { key: admin, body: { purchaseId: 'wf-p1', accountId: 'wf-1', packageId: 'small', amountPaid: '9.99', currency: 'USD' } });
    expect(bought.status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
    rmSync(tenantsDir, { recursive: true, force: true });
  });

  it('pays from the free images first, then the daily free credits, then the lots, and says so', async () => {
    const free = await authorize('wf-1', 'background-remover');
    expect([free.status, free.body]).toEqual([200, { usageId: 'wf-1', status: 'authorized', credits: '1', paidFrom: [{ source: 'allowance:images-hourly', amount: '1' }] }]);
    expect((await authorize('wf-2', 'background-remover')).body.paidFrom).toEqual([{ source: 'allowance:images-hourly', amount: '1' }]);
    // Two free images an hour: the third is paid by the daily free credits.
    expect((await authorize('wf-3', 'background-remover')).body.paidFrom).toEqual([{ source: 'allowance:daily-free', amount: '1' }]);
    expect((await authorize('wf-4', 'image-editor', { model: 'nano-banana' })).body.paidFrom).toEqual([{ source: 'allowance:daily-free', amount: '4' }]);
    expect((await authorize('wf-5', 'image-editor', { model: 'gempix-2' })).body.paidFrom).toEqual([{ source: 'allowance:daily-free', amount: '4' }]);
    // Nothing came from the balance yet.
    expect(await balance()).toMatchObject({ available: '100', held: '0' });
  });

  it('denies the sixth authorization in a minute with 429 rate_limited and when to retry, spending nothing, and answers a repeat the same', async () => {
    const denied = await authorize('wf-6', 'image-editor', { model: 'flux-kontext-pro' });
    const answer = { usageId: 'wf-6', error: 'rate_limited', required: '5', rateLimit: 'burst', limit: 5, per: 'minute', retryAt: after(MINUTE) };
    expect([denied.status, denied.body]).toEqual([429, answer]);
    expect(denied.headers.get('retry-after')).toBe('60');
    expect((await authorize('wf-6', 'image-editor', { model: 'flux-kontext-pro' })).body).toEqual(answer);
    expect((await balance()).allowances.find((a: { allowanceId: string }) => a.allowanceId === 'daily-free')).toMatchObject({ used: '9', left: '1' });
  });

  it('after the minute, splits a usage between what is left of the daily credits and the lot', async () => {
    await setClock(after(MINUTE));
    const split = await authorize('wf-7', 'image-editor', { model: 'flux-kontext-pro' });
    expect(split.body).toEqual({ usageId: 'wf-7', status: 'authorized', credits: '5', paidFrom: [{ source: 'allowance:daily-free', amount: '1' }, { ...lot, amount: '4' }] });
    const completed = await step('wf-7', 'complete');
    expect(completed.body).toEqual({ usageId: 'wf-7', status: 'completed', credits: '5', paidFrom: [{ source: 'allowance:daily-free', amount: '1' }, { ...lot, amount: '4' }] });
    expect(await balance()).toMatchObject({ available: '96', held: '0' });
  });

  it('gives a free use back when its usage fails, and shows every allowance used, left and when it resets', async () => {
    expect((await step('wf-1', 'complete')).body.paidFrom).toEqual([{ source: 'allowance:images-hourly', amount: '1' }]);
    expect((await step('wf-2', 'fail', { reason: 'cancelled' })).status).toBe(200);
    expect((await balance()).allowances).toEqual([
      {
        allowanceId: 'images-hourly', title: 'free images', unit: 'uses', per: 'hour', features: ['background-remover', 'image-upscaler'],
        limit: '2', used: '1', left: '1', resetsAt: after(HOUR), fullAt: after(HOUR),
      },
      {
        allowanceId: 'daily-free', title: 'free daily credits', unit: 'credits', per: 'day', features: null,
        limit: '10', used: '10', left: '0', resetsAt: after(DAY), fullAt: after(MINUTE + DAY),
      },
    ]);
    expect((await authorize('wf-8', 'image-upscaler')).body.paidFrom).toEqual([{ source: 'allowance:images-hourly', amount: '1' }]);
  });

  it('rolls: holds never completed give their credits back, and a use leaves the window a day after it was made', async () => {
    // wf-3, wf-4 and wf-5 were never completed: their holds timed out (15 min) and gave their daily credits back.
    await setClock(after(DAY));
    expect((await balance()).allowances[1]).toMatchObject({ used: '1', left: '9', resetsAt: after(MINUTE + DAY) });
    // wf-7's credit (captured) leaves the window a day after it was used, at T0 + 1 day + 1 minute.
    await setClock(after(MINUTE + DAY));
    expect((await balance()).allowances[1]).toMatchObject({ used: '0', left: '10', resetsAt: null, fullAt: null });
  });

  it('lists where credits came from on every transaction and statement line', async () => {
    const rows = await transactions();
    const placed = rows.find((t: { type: string; usageId?: string }) => t.type === 'HoldPlaced' && t.usageId === 'wf-7');
    expect(placed).toMatchObject({ credits: '5', lots: [{ lotId: 'purchase:wf-p1', amount: '4' }], paidFrom: [{ source: 'allowance:daily-free', amount: '1' }, { ...lot, amount: '4' }] });
    expect(placed.allowances).toEqual([{ allowanceId: 'daily-free', credits: '1', uses: 0, until: after(MINUTE + DAY) }]);
    const released = rows.find((t: { type: string; usageId?: string }) => t.type === 'HoldReleased' && t.usageId === 'wf-2');
    expect(released.paidFrom).toEqual([{ source: 'allowance:images-hourly', amount: '1' }]);
    const statement = (await platform.request('GET', '/v1/accounts/wf-1/statement', { key: ops })).body;
    // A usage the allowances paid alone changes no balance, and has its line all the same.
    expect(statement.lines.find((l: { reference: string; type: string }) => l.reference === 'wf-1' && l.type === 'HoldPlaced'))
      .toMatchObject({ availableChange: '0', heldChange: '0', paidFrom: [{ source: 'allowance:images-hourly', amount: '1' }] });
    expect(statement.lines.find((l: { reference: string; type: string }) => l.reference === 'wf-7' && l.type === 'HoldCaptured'))
      .toMatchObject({ heldChange: '-4', paidFrom: [{ source: 'allowance:daily-free', amount: '1' }, { ...lot, amount: '4' }] });
  });

  it('refuses bad input with a 400 that changes nothing', async () => {
    const before = (await transactions()).length;
    for (const extra of [{ quantity: 0 }, { quantity: 'two' }, { model: 'no-such-model' }]) {
      const r = await authorize('wf-bad', 'image-editor', extra);
      expect([extra, r.status]).toEqual([extra, 400]);
    }
    expect((await transactions()).length).toBe(before);
  });

  it('the independent reconciler finds the allowances, rate limits and decisions consistent', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const env = { CREDITFLOW_DATA_DIR: platform.dataDir, CREDITFLOW_TENANTS_DIR: tenantsDir };
    const io: OpsIo = { out: (t) => out.push(t), err: (t) => err.push(t), isTTY: false, env, now: () => Date.now(), cwd: resolve(__dirname, '../../..') };
    const code = await runOps(['reconcile', '--json', '--tenant', TENANT], io);
    const report = JSON.parse(out.join('')) as ReconciliationReport;
    expect([code, report.discrepancies]).toEqual([0, []]);
    expect(report.balances).toEqual([expect.objectContaining({ account: 'wf-1', available: '96', held: '0' })]);
  });
});

describe('the access waterfall on two replicas sharing one store', () => {
  let first: EmbeddedPlatform;
  let second: EmbeddedPlatform;
  let dataDir: string;
  const tenantsDir = tenantsWithWaterfall(TENANT);
  const keys: Record<string, ApiKeyGrant> = defaultApiKeys();
  for (const role of ['admin', 'ops', 'service'] as const) keys[apiKey(TENANT, role)] = { tenant: TENANT, role };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'creditflow-waterfall-replicas-'));
    first = await startEmbeddedPlatform({ dataDir, tenantsDir, keys });
    second = await startEmbeddedPlatform({ dataDir, tenantsDir, keys });
  }, 60_000);

  afterAll(async () => {
    await first?.close();
    await second?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(tenantsDir, { recursive: true, force: true });
  });

  it('gives the free uses and the rate limit exactly once, whichever replica decides, when ten authorizations race', async () => {
    const admin = apiKey(TENANT, 'admin');
    expect((await first.request('PUT', '/v1/accounts/wf-race', { key: admin, body: { type: 'personal' } })).status).toBe(200);
    expect((await first.request('POST', '/v1/purchases', { key: admin, body: { purchaseId: 'wf-race-p', accountId: 'wf-race', packageId: 'small', amountPaid: '9.99', currency: 'USD' } })).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) =>
      (i % 2 ? second : first).request('POST', '/v1/usage/authorize', { key: apiKey(TENANT, 'service'), body: { usageId: `race-${i}`, accountId: 'wf-race', feature: 'background-remover' } })));
    // Five a minute: five authorized, five denied rate_limited; of the five, two free images, three paid by the daily credits.
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 429, 429, 429, 429, 429]);
    const sources = answers.filter((a) => a.status === 200).map((a) => a.body.paidFrom.map((p: { source: string; amount: string }) => `${p.source}=${p.amount}`).join(' ')).sort();
    expect(sources).toEqual(['allowance:daily-free=1', 'allowance:daily-free=1', 'allowance:daily-free=1', 'allowance:images-hourly=1', 'allowance:images-hourly=1']);
    const balance = (await second.request('GET', '/v1/accounts/wf-race/balance', { key: apiKey(TENANT, 'ops') })).body;
    expect(balance).toMatchObject({ available: '100', held: '0' });
    expect(balance.allowances.map((a: { used: string; left: string }) => [a.used, a.left])).toEqual([['2', '0'], ['3', '7']]);
  });
});

// Policy simulation through the operator CLI: a recorded month of apinfer usage on the embedded
// platform, replayed under a candidate tenant file with a dearer qwen-image; every figure worked out by hand.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EmbeddedPlatform, apiKey, startEmbeddedPlatform } from './embedded-platform';
import { REPOSITORY_ROOT as ROOT, ops } from './ops-command';

const DAY_MS = 86_400_000;
const NOV = Date.parse('2026-11-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('npm run ops -- simulate', () => {
  let platform: EmbeddedPlatform;
  let dataDir: string;
  let candidates: string;
  const admin = apiKey('apinfer', 'admin');
  const call = (method: string, path: string, body?: unknown) => platform.request(method, path, { key: admin, body });
  const setClock = (ms: number) => call('POST', '/v1/admin/clock', { now: iso(ms) });
  const simulate = (...extra: string[]) =>
    ops({ CREDITFLOW_DATA_DIR: dataDir }, 'simulate', 'apinfer', '--candidate', join(candidates, 'apinfer.yaml'), '--from', '2026-11-01', '--to', '2026-12-01', ...extra);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'creditflow-simulate-'));
    candidates = join(dataDir, 'candidates');
    mkdirSync(candidates);
    // The candidate: qwen-image at 2.5 credits instead of 1.75 (quality multipliers unchanged).
    const current = readFileSync(join(ROOT, 'config/tenants/apinfer.yaml'), 'utf8');
    expect(current).toContain('price: "1.75"');
    writeFileSync(join(candidates, 'apinfer.yaml'), current.replace('price: "1.75"', 'price: "2.5"'));
    mkdirSync(join(dataDir, 'visualgpt'));
    writeFileSync(join(dataDir, 'visualgpt', 'visualgpt.yaml'), readFileSync(join(ROOT, 'config/tenants/visualgpt.yaml'), 'utf8'));

    platform = await startEmbeddedPlatform({ dataDir, clock: 'manual' });
    // Opened and funded the day before the month: the period starts from the recorded state.
    await setClock(NOV - 12 * 3_600_000);
    await call('PUT', '/v1/accounts/sim-a', { type: 'personal' });
    await call('PUT', '/v1/accounts/sim-b', { type: 'personal' });
    await call('POST', '/v1/purchases', { purchaseId: 'sim-pa', accountId: 'sim-a', packageId: 'basic', amountPaid: '10', currency: 'CNY' });
    await call('POST', '/v1/purchases', { purchaseId: 'sim-pb', accountId: 'sim-b', packageId: 'standard', amountPaid: '50', currency: 'CNY' });
    // November: sim-a makes two standard images (1.75 each) at 10:00 every day, sim-b one high (2.625) at 12:00.
    for (let day = 0; day < 30; day++) {
      await setClock(NOV + day * DAY_MS + 10 * 3_600_000);
      for (let i = 0; i < 2; i++) {
        const usageId = `sim-a-${day}-${i}`;
        if ((await call('POST', '/v1/usage/authorize', { usageId, accountId: 'sim-a', feature: 'qwen-image' })).status === 200) await call('POST', `/v1/usage/${usageId}/complete`);
      }
      await setClock(NOV + day * DAY_MS + 12 * 3_600_000);
      await call('POST', '/v1/usage/authorize', { usageId: `sim-b-${day}`, accountId: 'sim-b', feature: 'qwen-image', quality: 'high' });
      await call('POST', `/v1/usage/sim-b-${day}/complete`);
    }
    // After the period: not counted.
    await setClock(NOV + 30 * DAY_MS + 3_600_000);
    await call('POST', '/v1/usage/authorize', { usageId: 'sim-b-dec', accountId: 'sim-b', feature: 'qwen-image' });
  }, 120_000);

  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reports what the candidate would have charged and denied beside what was recorded', async () => {
    const balances = await Promise.all(['sim-a', 'sim-b'].map(async (a) => (await call('GET', `/v1/accounts/${a}/balance`)).body.available));
    const { code, stdout, stderr } = await simulate();
    expect([code, stderr]).toEqual([0, expect.stringContaining('simulated 2 accounts of apinfer')]);
    const report = JSON.parse(stdout);
    // Recorded: sim-a spent 3.5 a day for 28 days (98), one more image on day 28 (99.75, 0.25 left), then
    // three denials; sim-b 30 x 2.625 = 78.75. Candidate: sim-a 5 a day, the 100 credits gone after
    // day 19, two denials a day for days 20-29; sim-b 30 x 3.75 = 112.5.
    expect(report).toMatchObject({
      tenantId: 'apinfer', from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', accounts: 2,
      rows: [{ feature: 'qwen-image', plan: '(none)', usages: 87, recordedCredits: '178.5', candidateCredits: '212.5', change: '34' }],
      totals: { recordedCredits: '178.5', candidateCredits: '212.5', change: '34' },
      denials: { recorded: 3, candidate: 20 },
      accountsRanOut: {
        recorded: 1, candidate: 1,
        candidateEarlier: [{ accountId: 'sim-a', recorded: iso(NOV + 28 * DAY_MS + 10 * 3_600_000), candidate: iso(NOV + 20 * DAY_MS + 10 * 3_600_000) }],
      },
      breakage: { recordedCredits: '0', candidateCredits: '0' },
      // Both purchases were made the day before the period; no refund in it.
      revenue: { recordedMoney: {}, candidateMoney: {} },
      clawedBack: { recordedCredits: '0', candidateCredits: '0', recordedMoney: {}, candidateMoney: {} },
      notReplayed: {},
    });
    // Nothing changed: the live balances are as they were.
    expect(await Promise.all(['sim-a', 'sim-b'].map(async (a) => (await call('GET', `/v1/accounts/${a}/balance`)).body.available))).toEqual(balances);
    expect(balances).toEqual(['0.25', '4919.5']);
  });

  it('replays a candidate with a free allowance through the same waterfall: 3.5 free credits a day would have paid every image', async () => {
    const dir = join(dataDir, 'allowance');
    mkdirSync(dir, { recursive: true });
    const current = readFileSync(join(ROOT, 'config/tenants/apinfer.yaml'), 'utf8');
    const candidate = current.replace(/^(\s+)lowBalanceThreshold: (.*)$/m, '$1lowBalanceThreshold: $2\n$1allowances:\n$1  - { id: daily-free, credits: "3.5", per: day }');
    expect(candidate).toContain('daily-free');
    writeFileSync(join(dir, 'apinfer.yaml'), candidate);
    const { code, stdout } = await ops({ CREDITFLOW_DATA_DIR: dataDir }, 'simulate', 'apinfer', '--candidate', join(dir, 'apinfer.yaml'), '--from', '2026-11-01', '--to', '2026-12-01');
    expect(code).toBe(0);
    // Each account's allowance is its own, rolling: sim-a's two 1.75 images at 10:00 use the day's 3.5,
    // which come back at 10:00 the next day; sim-b's 2.625 at 12:00 fits in its own. Nothing is charged
    // to the lots, nobody runs out, and sim-a's three recorded denials are served (free) and completed.
    expect(JSON.parse(stdout)).toMatchObject({
      totals: { recordedCredits: '178.5', candidateCredits: '0', change: '-178.5' },
      denials: { recorded: 3, candidate: 0 },
      accountsRanOut: { recorded: 1, candidate: 0 },
    });
  });

  it('gives the per-feature rows as CSV', async () => {
    const { code, stdout } = await simulate('--format', 'csv');
    expect(code).toBe(0);
    expect(stdout).toBe('feature,plan,usages,recordedCredits,candidateCredits,change\r\nqwen-image,(none),87,178.5,212.5,34\r\n');
  });

  it('refuses a candidate for another tenant, a bad period and missing options', async () => {
    const other = await ops({ CREDITFLOW_DATA_DIR: dataDir }, 'simulate', 'apinfer', '--candidate', join(dataDir, 'visualgpt', 'visualgpt.yaml'), '--from', '2026-11-01', '--to', '2026-12-01');
    expect([other.code, other.stderr]).toEqual([1, expect.stringContaining('the candidate file is for tenant "visualgpt", not "apinfer"')]);
    expect((await simulate('--from', '2026-12-02')).code).toBe(2);
    expect((await ops({ CREDITFLOW_DATA_DIR: dataDir }, 'simulate', 'apinfer', '--from', '2026-11-01', '--to', '2026-12-01')).code).toBe(2);
    expect((await ops({ CREDITFLOW_DATA_DIR: dataDir }, 'simulate', 'apinfer', '--candidate', 'x.yaml', '--from', 'yesterday', '--to', '2026-12-01')).code).toBe(2);
  });

  it('answers the same report on POST /v1/admin/simulations, with the candidate as JSON, and refuses a bad candidate', async () => {
    const cli = JSON.parse((await simulate()).stdout);
    const candidate = parse(readFileSync(join(candidates, 'apinfer.yaml'), 'utf8'));
    const body = { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z', candidate };
    const r = await call('POST', '/v1/admin/simulations', body);
    expect([r.status, r.body]).toEqual([200, cli]);
    const csv = await call('POST', '/v1/admin/simulations?format=csv', body);
    expect(csv.body).toBe('feature,plan,usages,recordedCredits,candidateCredits,change\r\nqwen-image,(none),87,178.5,212.5,34\r\n');

    const broken = await call('POST', '/v1/admin/simulations', { ...body, candidate: { ...candidate, currency: 42 } });
    expect([broken.status, broken.body.error]).toEqual([422, 'invalid_candidate']);
    expect((await call('POST', '/v1/admin/simulations', { ...body, from: '2026-12-02T00:00:00Z' })).status).toBe(400);
    expect((await call('POST', '/v1/admin/simulations', { ...body, candidate: 'x' })).status).toBe(400);
    expect((await platform.request('POST', '/v1/admin/simulations', { key: apiKey('apinfer', 'ops'), body })).status).toBe(403);
  });
});

// The account statement through HTTP: every change with its running balance, checked line by line
// against the balance answer and the history, the CSV equal to the JSON, and a burn rate worked out by hand.
import { rmSync } from 'node:fs';
import { EmbeddedPlatform, apiKey, startEmbeddedPlatform } from './embedded-platform';
import { ops } from './ops-command';
import { tenantsWithRunOutAlert } from './tenant-variants';

const DAY_MS = 86_400_000;
const T0 = Date.parse('2026-11-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('the account statement', () => {
  let platform: EmbeddedPlatform;
  const admin = apiKey('apinfer', 'admin');
  const ops = apiKey('apinfer', 'ops');
  const setClock = (ms: number) => platform.request('POST', '/v1/admin/clock', { key: admin, body: { now: iso(ms) } });
  const statement = (query = '') => platform.request('GET', `/v1/accounts/st-1/statement${query}`, { key: ops });

  beforeAll(async () => {
    platform = await startEmbeddedPlatform({ clock: 'manual' });
    await setClock(T0);
    await platform.request('PUT', '/v1/accounts/st-1', { key: admin, body: { type: 'personal' } });
    const bought = await platform.request('POST', '/v1/purchases', { key: admin, body: { purchaseId: 'st-p1', accountId: 'st-1', packageId: 'standard', amountPaid: '50', currency: 'CNY' } });
    expect(bought.status).toBe(200);
    // Ten days, four images a day at 1.75: 7 credits a day, each charged an hour into its day.
    for (let day = 0; day < 10; day++) {
      await setClock(T0 + day * DAY_MS + 3_600_000);
      for (let i = 0; i < 4; i++) {
        const usageId = `st-u${day}-${i}`;
        expect((await platform.request('POST', '/v1/usage/authorize', { key: admin, body: { usageId, accountId: 'st-1', feature: 'qwen-image' } })).status).toBe(200);
        expect((await platform.request('POST', `/v1/usage/${usageId}/complete`, { key: admin })).status).toBe(200);
      }
    }
    // One more authorize left open (apinfer holds last 10 minutes).
    await setClock(T0 + 10 * DAY_MS + 3_600_000);
    await platform.request('POST', '/v1/usage/authorize', { key: admin, body: { usageId: 'st-open', accountId: 'st-1', feature: 'qwen-image' } });
  }, 60_000);

  afterAll(() => platform?.close());

  it('lists every change with the balance after it, ending at the balance answer', async () => {
    await setClock(T0 + 10 * DAY_MS + 3_600_000 + 5 * 60_000);
    const { status, body } = await statement();
    expect(status).toBe(200);
    expect(body).toMatchObject({ accountId: 'st-1', available: '4928.25', held: '1.75' });
    const balance = (await platform.request('GET', '/v1/accounts/st-1/balance', { key: ops })).body;
    expect([body.available, body.held]).toEqual([balance.available, balance.held]);

    // Line by line: each balance is the one before plus the change (in thousandths: apinfer's precision).
    let available = 0;
    let held = 0;
    const thousandths = (s: string) => Math.round(Number(s) * 1000);
    for (const line of body.lines) {
      available += thousandths(line.availableChange);
      held += thousandths(line.heldChange);
      expect([thousandths(line.available), thousandths(line.held)]).toEqual([available, held]);
    }
    // The purchase, 40 holds placed and captured, the open one: 82 lines, each at a revision of the history.
    expect(body.lines).toHaveLength(82);
    expect(body.lines[0]).toMatchObject({ type: 'CreditsGranted', reference: 'purchase:st-p1', availableChange: '5000', available: '5000', at: iso(T0) });
    expect(body.lines.at(-1)).toMatchObject({ type: 'HoldPlaced', reference: 'st-open', availableChange: '-1.75', heldChange: '1.75', held: '1.75' });
    const history = (await platform.request('GET', '/v1/accounts/st-1/transactions', { key: ops })).body.transactions;
    const types = new Map(history.map((t: { revision: string; type: string }) => [t.revision, t.type]));
    for (const line of body.lines) expect(types.get(line.revision)).toBe(line.type);
    expect(body.revision).toBe(history.at(-1).revision);
  });

  it('measures the burn rate over the window and says when the credits run out', async () => {
    const now = T0 + 10 * DAY_MS + 3_600_000 + 5 * 60_000;
    await setClock(now);
    // The window is the last 7 UTC days, today (November 11) included: the charges of November 5-10,
    // 6 x 7 = 42 credits over 6 days and 65 minutes (522,300,000 ms): 6.947731 a day (rounded down);
    // 4928.25 left: 4928.25 x 522,300,000 / 42 ms = 709.33 days, 61,286,308,928 ms.
    expect((await statement()).body.forecast).toEqual({
      since: '2026-11-05', spent: '42', perDay: '6.947731', runsOutInDays: 709.3, runsOutAt: iso(now + 61_286_308_928),
    });
    // The balance answer gives the same forecast (over 7 days).
    expect((await platform.request('GET', '/v1/accounts/st-1/balance', { key: ops })).body.forecast).toEqual((await statement()).body.forecast);
    // Over 30 days: the account's whole life (since November 1: 10 days and 65 minutes), 70 credits.
    const life = (await statement('?forecastDays=30')).body.forecast;
    // 70 / 10.045138... days = 6.9685447..., rounded down to the credit unit (6 places).
    expect(life).toMatchObject({ since: '2026-11-01', spent: '70', perDay: '6.968544' });
  });

  it('shows a hold that timed out and is not stored yet as a line without a revision', async () => {
    await setClock(T0 + 10 * DAY_MS + 3_600_000 + 20 * 60_000);
    const { body } = await statement();
    expect(body.lines.at(-1)).toMatchObject({ revision: null, type: 'HoldReleased', reference: 'st-open', availableChange: '1.75', heldChange: '-1.75', available: '4930', held: '0' });
    expect(body).toMatchObject({ available: '4930', held: '0' });
  });

  it('downloads the same lines as CSV', async () => {
    const json = (await statement()).body;
    const csv = await statement('?format=csv');
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="st-1-statement.csv"');
    const [header, ...rows] = (csv.body as string).trim().split('\r\n').map((l) => l.split(','));
    expect(header).toEqual(['revision', 'at', 'type', 'reference', 'availableChange', 'heldChange', 'available', 'held', 'paidFrom']);
    const cell = (l: Record<string, unknown>, c: string) =>
      c === 'paidFrom' ? ((l.paidFrom as { source: string; amount: string }[] | undefined) ?? []).map((p) => `${p.source}=${p.amount}`).join(' ') : (l[c] ?? '');
    expect(rows).toEqual(json.lines.map((l: Record<string, unknown>) => header.map((c) => cell(l, c))));
    expect(rows.some((r) => r[8].startsWith('lot:'))).toBe(true);
  });

  it('refuses a bad format or window, and an unknown account', async () => {
    for (const query of ['?format=xml', '?forecastDays=0', '?forecastDays=32', '?forecastDays=7.5', '?forecastDays=abc']) {
      const r = await statement(query);
      expect([query, r.status, r.body.error]).toEqual([query, 400, 'invalid_request']);
    }
    expect((await platform.request('GET', '/v1/accounts/nobody/statement', { key: ops })).status).toBe(404);
    expect((await platform.request('GET', '/v1/accounts/st-1/statement', { key: apiKey('apinfer', 'service') })).status).toBe(403);
  });
});

describe('the run-out alert', () => {
  let platform: EmbeddedPlatform;
  const tenantsDir = tenantsWithRunOutAlert(3);
  const admin = apiKey('apinfer', 'admin');

  beforeAll(async () => {
    platform = await startEmbeddedPlatform({ clock: 'manual', tenantsDir });
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
    rmSync(tenantsDir, { recursive: true, force: true });
  });

  it('is raised once, by the charge that brings the 7-day forecast under 3 days', async () => {
    await platform.request('POST', '/v1/admin/clock', { key: admin, body: { now: '2026-11-01T12:00:00.000Z' } });
    await platform.request('PUT', '/v1/accounts/ro-1', { key: admin, body: { type: 'personal' } });
    await platform.request('POST', '/v1/purchases', { key: admin, body: { purchaseId: 'ro-p1', accountId: 'ro-1', packageId: 'basic', amountPaid: '10', currency: 'CNY' } });
    // 12 ultra images (3.5 each) on the first afternoon; half a day counts as a whole one, so the rate is
    // what was charged. The 8th authorize holds 3.5 more: 72 available at 24.5 a day is 2.94 days, under 3.
    const runsOut: (number | null)[] = [];
    for (let i = 0; i < 12; i++) {
      await platform.request('POST', '/v1/usage/authorize', { key: admin, body: { usageId: `ro-u${i}`, accountId: 'ro-1', feature: 'qwen-image', quality: 'ultra' } });
      await platform.request('POST', `/v1/usage/ro-u${i}/complete`, { key: admin });
      runsOut.push((await platform.request('GET', '/v1/accounts/ro-1/balance', { key: admin })).body.forecast.runsOutInDays);
    }
    const history = (await platform.request('GET', '/v1/accounts/ro-1/transactions', { key: admin })).body.transactions;
    const alerts = history.filter((t: { type: string }) => t.type === 'RunningOutAlertRaised');
    const crossing = runsOut.findIndex((d) => d !== null && d < 3);
    expect(alerts).toHaveLength(1);
    expect(crossing).toBe(7);
    expect(alerts[0]).toMatchObject({ withinDays: 3, available: '72', perDay: '24.5' });
    // Raised by the authorize that crossed, right after its hold in the stream.
    const placed = history.findIndex((t: { type: string; usageId?: string }) => t.type === 'HoldPlaced' && t.usageId === 'ro-u7');
    expect(history[placed + 1].type).toBe('RunningOutAlertRaised');
  });

  it("leaves records the independent reconciler finds consistent, the alert's stated balance included", async () => {
    const { code, stdout } = await ops({ CREDITFLOW_DATA_DIR: platform.dataDir, CREDITFLOW_TENANTS_DIR: tenantsDir }, 'reconcile', '--json', '--tenant', 'apinfer');
    expect([code, JSON.parse(stdout).discrepancies]).toEqual([0, []]);
  });
});


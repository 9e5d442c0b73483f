// The ops dashboard in a real browser: Debian's chromium driven by playwright-core, against the
// embedded platform with a week of data. The figures the page shows must be the API's figures (and,
// for failures, denials and money, the week's known ones); it must download the CSV reports, show the
// reconciler's last run (and a corrupted event it finds), an account's forecast, statement and members,
// run a policy simulation (figures checked by hand, chart, CSV), fit a 420 px screen, and say so when
// the platform stops answering. Screenshots go to tmp/ (git-ignored).
// scripts/test.sh installs chromium when /usr/bin/chromium is missing; this test never skips.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BrowserContext, Page, chromium } from 'playwright-core';
import { parse } from 'yaml';
import { createEventStore } from '@creditflow/event-store';
import { Credits, encodeBigInts, formatCredits, parseCredits } from '@creditflow/kernel';
import { waitFor } from '@creditflow/kernel/testing';
import { walletStream } from '@creditflow/wallet-application';
import { EXPECTED, FIRST_DAY, TENANT, seedDashboardData } from './dashboard.fixture';
import { EmbeddedPlatform, apiKey, startEmbeddedPlatform } from './embedded-platform';

const CHROMIUM = '/usr/bin/chromium';
/** The machine's flags: no sandbox as root, and no background traffic on a closed network. */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Git-ignored (tmp/ in .gitignore), at the repository root. */
const TMP = resolve(__dirname, '../../../tmp');
const SCREENSHOT = resolve(TMP, 'dashboard.png');
const SCREENSHOT_NARROW = resolve(TMP, 'dashboard-420.png');
const SCREENSHOT_OFFLINE = resolve(TMP, 'dashboard-offline.png');
const SCREENSHOT_SIMULATION = resolve(TMP, 'dashboard-simulation.png');
const SCREENSHOT_RECONCILIATION = resolve(TMP, 'dashboard-reconciliation.png');

/** A PNG file's width and height (from its IHDR chunk); throws unless it is a PNG. */
function pngSize(path: string): { width: number; height: number; bytes: number } {
  const png = readFileSync(path);
  if (png.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a' || png.subarray(12, 16).toString() !== 'IHDR') throw new Error(`${path} is not a PNG`);
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), bytes: png.length };
}

/** A screenshot freshly written by this run: removed first, so an old file cannot pass. */
async function screenshot(take: (path: string) => Promise<unknown>, path: string) {
  mkdirSync(TMP, { recursive: true });
  rmSync(path, { force: true });
  await take(path);
  return pngSize(path);
}

/** The page's rate format: "0.0333" -> "3.33%". */
const percentOf = (rate: string) => {
  const bp = Math.round(Number(rate) * 10_000);
  return `${Math.floor(bp / 100)}.${String(bp % 100).padStart(2, '0')}%`;
};

const ops = apiKey(TENANT, 'ops');
/** The page's number format: thousands separators, the decimal part as the API wrote it. */
const shown = (decimal: string) => {
  const [whole, fraction] = decimal.split('.');
  return `${BigInt(whole).toLocaleString('en-US')}${fraction ? `.${fraction}` : ''}`;
};
/** Sums decimal strings exactly (VisualGPT's precision is whole credits, but do not rely on it). */
const sum = (decimals: string[]) => {
  const scale = 6;
  const units = decimals.reduce((a, d) => {
    const [w, f = ''] = d.split('.');
    return a + BigInt(w) * 10n ** BigInt(scale) + BigInt((f + '000000').slice(0, scale));
  }, 0n);
  const fraction = (units % 10n ** BigInt(scale)).toString().padStart(scale, '0').replace(/0+$/, '');
  return `${units / 10n ** BigInt(scale)}${fraction ? `.${fraction}` : ''}`;
};

const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

describe('the ops dashboard in chromium', () => {
  let platform: EmbeddedPlatform;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let lastDay: string;
  const problems: string[] = [];
  const get = async (path: string) => {
    const r = await platform.request('GET', path, { key: ops });
    expect(r.status).toBe(200);
    return r.body;
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: run scripts/test.sh (it installs Debian's chromium) or apt-get install -y chromium`);
    }
    // The reconciler runs every second, so its card has a run to show.
    platform = await startEmbeddedPlatform({ clock: 'manual', env: { CREDITFLOW_RECONCILE_INTERVAL_MS: '1000' } });
    const seeded = await seedDashboardData(platform);
    // The projections follow the store asynchronously: wait until they have seen the last event.
    await waitFor('the ops projections to catch up with the seeded data', async () => {
      const low = (await platform.request('GET', '/v1/projections/low-balance', { key: ops })).body;
      const refunds = (await platform.request('GET', '/v1/projections/refunds', { key: ops })).body.refunds as { id: string; usageId: string }[];
      const status = (await platform.request('GET', '/v1/projections/status', { key: ops })).body;
      const caughtUp = status.pending === 0 && refunds.some((r) => r.usageId === seeded.restoredUsage) && refunds.some((r) => r.id === seeded.moneyRefund);
      return caughtUp && low.accounts.some((a: { accountId: string }) => a.accountId === 'lee') ? true : undefined;
    }, 20_000);
    lastDay = seeded.lastDay;
    profile = mkdtempSync(join(tmpdir(), 'creditflow-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1440, height: 900 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await platform?.close();
  });

  it('asks for a key and refuses one without the ops role', async () => {
    await page.goto(`${platform.url}/dashboard`);
    await page.waitForSelector('body[data-state="signed-out"]');
    expect(await page.isVisible('#signin')).toBe(true);
    expect(await page.isVisible('#dashboard')).toBe(false);

    await page.fill('#key', apiKey(TENANT, 'service'));
    await page.click('#signin-form button[type="submit"]');
    // A locator, not waitForFunction: polling a string predicate inside the page is eval, which the
    // dashboard's CSP (script-src 'self') refuses whenever the answer is not there at the first look.
    await page.locator('#signin-error', { hasText: /ops/ }).waitFor();
    expect(await page.evaluate("sessionStorage.getItem('creditflow.opsKey')")).toBeNull();
    // Chromium logs every refused request (403) as a console error: expected here. Wait until all of
    // them have come back before forgetting them, or a slow one leaks into the next test.
    await page.waitForLoadState('networkidle');
    problems.length = 0;
  });

  it('shows the balances, usage, breakage, refunds and low-balance accounts the API reports', async () => {
    await page.fill('#key', ops);
    await page.click('#signin-form button[type="submit"]');
    await page.waitForSelector('body[data-state="ready"]');
    expect(await page.evaluate("sessionStorage.getItem('creditflow.opsKey')")).toBe(ops);
    const text = (selector: string) => page.textContent(selector).then((t) => t?.trim());

    const { balances } = await get('/v1/projections/balances');
    expect(balances).toHaveLength(4);
    expect(await text('[data-kpi="accounts"]')).toBe('4');
    expect(await text('[data-kpi="available"]')).toBe(shown(sum(balances.map((b: { available: string }) => b.available))));
    for (const b of balances) {
      expect(await text(`#balances-table tr[data-account="${b.accountId}"] td[data-col="available"]`)).toBe(shown(b.available));
      expect(await text(`#balances-table tr[data-account="${b.accountId}"] td[data-col="topup"]`)).toBe(shown(b.byType.topup));
    }
    // The projection's balance is the wallet's balance.
    const studio = (await get('/v1/accounts/studio-north/balance')).available;
    expect(await text('#balances-table tr[data-account="studio-north"] td[data-col="available"]')).toBe(shown(studio));

    const usage = (await get('/v1/projections/usage-by-day')).rows;
    expect(await text('[data-total="usage"]')).toBe(shown(sum(usage.map((r: { credits: string }) => r.credits))));
    const members = (await get('/v1/reports/usage?groupBy=user')).rows as { user: string; credits: string }[];
    expect(members.map((m) => m.user)).toEqual(expect.arrayContaining(['ann', 'bob', 'kim', 'joe']));
    for (const m of members) expect(await page.getAttribute(`#chart-members [data-member="${m.user}"]`, 'data-credits')).toBe(shown(m.credits));

    const flows = (await get('/v1/projections/credit-flows')).days as Record<string, string>[];
    const expired = sum(flows.map((d) => d.expired));
    expect(expired).not.toBe('0');
    expect(await text('[data-total="expired"]')).toBe(shown(expired));
    expect(await text('[data-kpi="consumed"]')).toBe(shown(sum(flows.map((d) => d.consumed))));
    expect(await page.locator('#chart-usage rect.bar').count()).toBeGreaterThan(10);

    const refunds = (await get('/v1/projections/refunds')).refunds as { id: string; kind: string; reason: string; credits: string }[];
    expect(refunds.map((r) => r.kind).sort()).toEqual(['claw-back', 'restoration']);
    for (const r of refunds) expect(await text(`#refunds-table tr[data-refund="${r.id}"]`)).toContain(r.reason);
    expect(await text('[data-total="refunds"]')).toBe(shown(sum(refunds.map((r) => r.credits))));

    const low = await get('/v1/projections/low-balance');
    expect(await page.locator('#low-list li[data-account]').count()).toBe(low.accounts.length);
    expect(await text('#low-list li[data-account="lee"]')).toContain(shown(low.accounts[0].available));
    expect(problems).toEqual([]);
  });

  it('shows failures by reason, the platform-error rate, denials, timeouts and the money, and when the data was read', async () => {
    const text = (selector: string) => page.textContent(selector).then((t) => t?.trim());
    const outcomes = await get('/v1/projections/usage-outcomes');
    expect(outcomes.totals).toMatchObject({ failed: EXPECTED.failed, platformErrors: EXPECTED.platformErrors, timedOut: EXPECTED.timedOut, denied: EXPECTED.denied });
    expect(await text('[data-kpi="failed"]')).toBe(String(EXPECTED.failed));
    expect(await text('[data-kpi="error-rate"]')).toBe(percentOf(outcomes.platformErrorRate.rate));
    expect(await text('[data-kpi-hint="error-rate"]')).toBe(`${EXPECTED.platformErrors} of ${outcomes.totals.authorized} authorized usages`);
    expect(await text('[data-kpi="denied"]')).toBe(String(EXPECTED.denied));
    expect(await text('[data-kpi="timed-out"]')).toBe(String(EXPECTED.timedOut));
    expect(await text('[data-total="authorized"]')).toBe(String(outcomes.totals.authorized));
    for (const f of outcomes.failuresByReason as { reason: string; stage: string; uses: number; credits: string }[]) {
      const row = `#failures-table tr[data-reason="${f.reason}"][data-stage="${f.stage}"]`;
      expect(await text(`${row} td[data-col="uses"]`)).toBe(String(f.uses));
      expect(await text(`${row} td[data-col="credits"]`)).toBe(shown(f.credits));
    }
    expect(await page.locator('#failures-table tbody tr').count()).toBe(outcomes.failuresByReason.length);
    expect(await text('#denials-table tr[data-feature="photo-to-sketch"][data-phase="generate"] td[data-col="uses"]')).toBe('1');
    expect(await page.locator('#chart-failures rect.bar').count()).toBeGreaterThanOrEqual(4);

    const money = await get('/v1/projections/money');
    expect(await text('[data-kpi="revenue"]')).toBe(EXPECTED.revenue);
    expect(money.revenue.total).toEqual([{ amount: EXPECTED.revenue.split(' ')[1], currency: 'USD', purchases: 3, listAmount: EXPECTED.revenue.split(' ')[1] }]);
    expect(await text('[data-money="revenue"]')).toBe(EXPECTED.revenue);
    for (const [packageId, amount] of Object.entries(EXPECTED.revenueByPackage)) {
      expect(await text(`#revenue-package-table tr[data-package="${packageId}"] td[data-col="amount"]`)).toBe(`USD ${amount}`);
    }
    expect(await text('#revenue-plan-table tr[data-plan=""] td[data-col="amount"]')).toBe(EXPECTED.revenue);
    expect(await text('[data-kpi="refunds-money"]')).toBe(EXPECTED.refunds);
    expect(await text('[data-money="refunds"]')).toBe(EXPECTED.refunds);
    expect(money.refunds.total).toEqual([{ amount: '9.99', currency: 'USD', refunds: 1, credits: '100' }]);
    expect(await text('[data-money="breakage"]')).toBe(EXPECTED.breakage);
    const expired = sum(((await get('/v1/projections/credit-flows')).days as { expired: string }[]).map((d) => d.expired));
    expect(await text('[data-money="breakage-free"]')).toBe(shown(expired));

    // When the figures were read, and nothing to warn about.
    expect(await text('#as-of')).toMatch(/^Data as of \d{2}:\d{2}:\d{2} UTC$/);
    const readAt = Date.parse((await page.getAttribute('#as-of', 'datetime')) ?? '');
    expect(Date.now() - readAt).toBeLessThan(60_000);
    expect(await page.getAttribute('body', 'data-freshness')).toBe('live');
    expect(await page.isVisible('#banner')).toBe(false);
    expect(problems).toEqual([]);
  });

  it('downloads each usage report as the CSV the reports API exports', async () => {
    for (const groupBy of ['feature', 'user', 'model']) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#downloads [data-csv="${groupBy}"]`)]);
      expect(download.suggestedFilename()).toBe(`usage-by-${groupBy}.csv`);
      const file = await download.path();
      const api = await platform.request('GET', `/v1/reports/usage?groupBy=${groupBy}&format=csv`, { key: ops });
      expect(readFileSync(file, 'utf8')).toBe(api.body);
      expect(api.body).toMatch(new RegExp(`^${groupBy},uses,credits\r\n`));
    }
    expect(problems).toEqual([]);
  });

  it("shows the reconciler's last run: the tenant's accounts and events, and that the records agree", async () => {
    const last = await waitFor('a reconciler run', async () => {
      const r = await platform.request('GET', '/v1/reconciliation', { key: ops });
      return r.status === 200 && r.body.accounts === 4 ? r.body : undefined;
    });
    await page.click('#refresh');
    await page.locator('#reconciliation-status', { hasText: 'Records agree' }).waitFor();
    expect(await page.getAttribute('#reconciliation-status', 'class')).toBe('badge good');
    expect(last.discrepancies).toEqual([]);
    expect(await page.textContent('[data-reconciliation="accounts"]')).toBe('4');
    const shownEvents = Number((await page.textContent('[data-reconciliation="wallet-events"]'))?.replace(/,/g, ''));
    // The page read a run at least as recent as the one the test read.
    expect(shownEvents).toBeGreaterThanOrEqual(last.events.wallet);
    expect(await page.textContent('[data-reconciliation="refund-events"]')).toBe(String(last.events.refund));
    expect(await page.textContent('[data-reconciliation="discrepancies"]')).toBe('0');
    expect(await page.textContent('#reconciliation-sub')).toMatch(/^Last run \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC \(wall clock\), every 1 s$/);
    expect(await page.textContent('#discrepancies-table tbody')).toContain('No discrepancy');
    expect(problems).toEqual([]);
  });

  it('says when the reconciler has not run, and why (another platform, with the periodic run off)', async () => {
    const idle = await startEmbeddedPlatform({ env: { CREDITFLOW_RECONCILE_INTERVAL_MS: '0' } });
    const other = await context.newPage();
    other.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    try {
      await other.goto(`${idle.url}/dashboard`);
      await other.fill('#key', ops);
      await other.click('#signin-form button[type="submit"]');
      await other.waitForSelector('body[data-state="ready"]');
      expect(await other.textContent('#reconciliation-status')).toBe('Not run yet');
      expect(await other.getAttribute('#reconciliation-status', 'class')).toBe('badge warn');
      expect(await other.textContent('[data-reconciliation="not-run"]')).toBe(
        'The periodic reconciler is off (CREDITFLOW_RECONCILE_INTERVAL_MS=0); npm run ops -- reconcile runs it on demand.',
      );
    } finally {
      await other.close();
      await idle.close();
    }
    expect(problems).toEqual([]);
  });

  it("opens one account's credit history with its balance, and saves a screenshot", async () => {
    await page.click('#balances-table tr[data-account="studio-north"]');
    await page.waitForSelector('#transactions-table');
    const balance = await get('/v1/accounts/studio-north/balance');
    const history = (await get('/v1/accounts/studio-north/transactions')).transactions as { type: string; revision: string }[];
    expect(await page.textContent('[data-history="available"]')).toBe(shown(balance.available));
    expect(await page.textContent('[data-history="topup"]')).toBe(shown(balance.byType.topup));
    expect(await page.locator('#transactions-table tbody tr').count()).toBe(history.length);
    expect(await page.getAttribute('#transactions-table tbody tr:first-child', 'data-type')).toBe(history[history.length - 1].type);
    // Each event says who caused it (its principal) when hovered.
    expect(await page.getAttribute('#transactions-table tbody tr:last-child td:first-child', 'title')).toMatch(/ · by key [0-9a-f]{12} \((admin|service|ops)\)$/);
    expect(await page.locator('#lots-table tbody tr').count()).toBe(balance.lots.length);

    await page.evaluate('window.scrollTo(0, 0)');
    const shot = await screenshot((path) => page.screenshot({ path, fullPage: true }), SCREENSHOT);
    expect(shot.width).toBe(1440);
    expect(shot.height).toBeGreaterThan(900); // the whole page, below the fold too
    expect(problems).toEqual([]);
  });

  it("shows the account's forecast and its members' spending limits, and downloads its statement as the API exports it", async () => {
    const { forecast } = await get('/v1/accounts/studio-north/balance');
    expect(forecast.runsOutInDays).toBeGreaterThan(0);
    expect(await page.textContent('[data-history="burn-rate"]')).toBe(`${shown(forecast.perDay)} / day`);
    expect(await page.textContent('[data-history-hint="burn-rate"]')).toBe(`${shown(forecast.spent)} spent since ${forecast.since}`);
    expect(await page.textContent('[data-history="runs-out"]')).toBe(`in about ${forecast.runsOutInDays} days`);
    expect(await page.textContent('[data-history-hint="runs-out"]')).toBe(`around ${forecast.runsOutAt.slice(0, 10)} ${forecast.runsOutAt.slice(11, 16)} UTC`);

    const { members } = await get('/v1/accounts/studio-north/members');
    expect(members.map((m: { userId: string }) => m.userId)).toEqual(['ann', 'bob']);
    expect(await page.locator('#members-table tbody tr').count()).toBe(2);
    for (const m of members as { userId: string; monthlyLimit: string | null; spent: string; remaining: string | null }[]) {
      const row = `#members-table tr[data-member="${m.userId}"]`;
      expect(await page.textContent(`${row} td[data-col="limit"]`)).toBe(m.monthlyLimit === null ? 'none' : shown(m.monthlyLimit));
      expect(await page.textContent(`${row} td[data-col="spent"]`)).toBe(shown(m.spent));
      expect(await page.textContent(`${row} td[data-col="remaining"]`)).toBe(m.remaining === null ? '–' : shown(m.remaining));
    }
    // ann's limit from the fixture, and what she spent of it.
    expect(members[0]).toMatchObject({ monthlyLimit: '200', remaining: formatCredits((parseCredits('200') - parseCredits(members[0].spent)) as Credits) });
    expect(members[0].spent).not.toBe('0');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#statement-csv')]);
    expect(download.suggestedFilename()).toBe('studio-north-statement.csv');
    const api = await platform.request('GET', '/v1/accounts/studio-north/statement?format=csv', { key: ops });
    expect(readFileSync(await download.path(), 'utf8')).toBe(api.body);
    expect(api.body.split('\r\n').length).toBeGreaterThan(10);
    // A personal account has no members table.
    await page.click('#balances-table tr[data-account="maria"]');
    await page.locator('#history-sub', { hasText: /^maria/ }).waitFor();
    expect(await page.locator('#members-table').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('runs a policy simulation of a dearer feature: figures checked by hand, a chart of recorded against candidate, the CSV the API exports', async () => {
    // The candidate: visualgpt's own file with room-designer at 6 credits instead of 4.
    const candidate = parse(readFileSync(resolve(__dirname, '../../../config/tenants/visualgpt.yaml'), 'utf8'));
    for (const version of candidate.catalogVersions) if (version.features['room-designer']) version.features['room-designer'].price = 6;
    const form = { from: `${FIRST_DAY}T00:00:00.000Z`, to: `${dayAfter(lastDay)}T00:00:00.000Z`, candidate };

    // Mistakes first: not JSON, and a key that may not simulate; each says what to do, nothing is shown.
    await page.fill('#simulation-candidate', '{"tenantId": ');
    await page.click('#simulation-run');
    expect(await page.textContent('#simulation-error')).toMatch(/^The candidate is not JSON: /);
    await page.fill('#simulation-candidate', JSON.stringify(candidate, null, 2));
    await page.fill('#simulation-from', FIRST_DAY);
    await page.fill('#simulation-to', lastDay);
    await page.click('#simulation-run');
    await page.locator('#simulation-error', { hasText: 'Simulations need a key with the admin role' }).waitFor();
    await page.fill('#simulation-candidate', JSON.stringify({ tenantId: TENANT }));
    await page.fill('#simulation-key', apiKey(TENANT, 'admin'));
    await page.click('#simulation-run');
    await page.locator('#simulation-error', { hasText: 'the candidate is not a valid tenant file for visualgpt' }).waitFor();
    expect(await page.locator('#simulation-error li').count()).toBeGreaterThan(0);
    expect(await page.locator('#simulation-table').count()).toBe(0);
    // Chromium logs the refused requests (403, 422) as console errors: expected here.
    await page.waitForLoadState('networkidle');
    problems.length = 0;

    await page.fill('#simulation-candidate', JSON.stringify(candidate, null, 2));
    await page.click('#simulation-run');
    await page.waitForSelector('#simulation-table');
    const report = (await platform.request('POST', '/v1/admin/simulations', { key: apiKey(TENANT, 'admin'), body: form })).body;
    // By hand: kim's four room designs at 4 credits were charged 16; at 6 they cost 24. Nothing else changes.
    const room = report.rows.find((r: { feature: string }) => r.feature === 'room-designer');
    expect(room).toEqual({ feature: 'room-designer', plan: '(none)', usages: EXPECTED.roomDesigner.usages, recordedCredits: EXPECTED.roomDesigner.credits, candidateCredits: '24', change: '8' });
    expect(report.totals.change).toBe('8');
    expect(report.denials).toEqual({ recorded: 1, candidate: 1 });
    const row = '#simulation-table tr[data-feature="room-designer"][data-plan="(none)"]';
    expect(await page.textContent(`${row} td[data-col="usages"]`)).toBe('6');
    expect(await page.textContent(`${row} td[data-col="recorded"]`)).toBe('16');
    expect(await page.textContent(`${row} td[data-col="candidate"]`)).toBe('24');
    expect(await page.textContent(`${row} td[data-col="change"]`)).toBe('+8');
    expect(await page.locator('#simulation-table tbody tr').count()).toBe(report.rows.length);
    expect(await page.textContent('#simulation-body')).not.toMatch(/null|undefined|NaN/);
    expect(await page.textContent('[data-simulation="credits"]')).toBe(`${shown(report.totals.recordedCredits)} → ${shown(report.totals.candidateCredits)}`);
    expect(await page.textContent('[data-simulation="denials"]')).toBe('1 → 1');
    expect(await page.textContent('[data-simulation="ran-out"]')).toBe(`${report.accountsRanOut.recorded} → ${report.accountsRanOut.candidate}`);
    expect(await page.textContent('[data-simulation="breakage"]')).toBe(`${shown(report.breakage.recordedCredits)} → ${shown(report.breakage.candidateCredits)}`);
    // By hand: the week's three purchases, and maria's small pack refunded whole (the fixture's EXPECTED money).
    expect(report.revenue).toEqual({ recordedMoney: { USD: '129.97' }, candidateMoney: { USD: '129.97' } });
    expect(report.clawedBack).toEqual({ recordedCredits: '100', candidateCredits: '100', recordedMoney: { USD: '9.99' }, candidateMoney: { USD: '9.99' } });
    expect(await page.textContent('[data-simulation="revenue"]')).toBe(`${EXPECTED.revenue} → ${EXPECTED.revenue}`);
    expect(await page.textContent('[data-simulation="refunds"]')).toBe(`${EXPECTED.refunds} → ${EXPECTED.refunds}`);
    // The chart: a recorded and a candidate bar per feature, the candidate's longer where it charges more.
    const bars = page.locator('#chart-simulation g[data-feature="room-designer"]');
    expect({ recorded: await bars.getAttribute('data-recorded'), candidate: await bars.getAttribute('data-candidate') }).toEqual({ recorded: '16', candidate: '24' });
    const width = async (side: string) => Number(await bars.locator(`rect.${side}`).getAttribute('width'));
    expect(await width('candidate')).toBeCloseTo((await width('recorded')) * 1.5, 5);
    const features = new Set(report.rows.map((r: { feature: string }) => r.feature));
    expect(await page.locator('#chart-simulation g[data-feature]').count()).toBe(features.size);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#simulation-csv')]);
    expect(download.suggestedFilename()).toBe(`simulation-visualgpt-${FIRST_DAY}-to-${lastDay}.csv`);
    const csv = await platform.request('POST', '/v1/admin/simulations?format=csv', { key: apiKey(TENANT, 'admin'), body: form });
    expect(readFileSync(await download.path(), 'utf8')).toBe(csv.body);
    expect(csv.body).toContain('room-designer,(none),6,16,24,8');
    const shot = await screenshot((path) => page.locator('#simulation').screenshot({ path }), SCREENSHOT_SIMULATION);
    expect(shot.width).toBeGreaterThan(1000);
    expect(problems).toEqual([]);
  });

  it('fits a 420 px screen: no sideways scrolling, every section there', async () => {
    await page.setViewportSize({ width: 420, height: 900 });
    try {
      await page.reload();
      await page.waitForSelector('body[data-state="ready"]');
      const widths = JSON.parse(
        (await page.evaluate('JSON.stringify({ doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, view: window.innerWidth })')) as string,
      ) as { doc: number; body: number; view: number };
      expect(widths.view).toBe(420);
      expect(widths.doc).toBeLessThanOrEqual(420);
      expect(widths.body).toBeLessThanOrEqual(420);
      // Nothing is wider than the screen, not even inside a card (tables scroll within their own box).
      const overflowing = JSON.parse(
        (await page.evaluate(
          "JSON.stringify([...document.querySelectorAll('#dashboard section, .kpi, .topbar, .banner')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5 || e.getBoundingClientRect().left < -0.5).map((e) => e.id || e.className))",
        )) as string,
      );
      expect(overflowing).toEqual([]);
      for (const section of ['#kpis', '#oncall', '#failures', '#money', '#reconciliation', '#balances', '#refunds', '#simulation']) expect(await page.isVisible(section)).toBe(true);
      expect(await page.textContent('[data-kpi="revenue"]')).toBe(EXPECTED.revenue);
      // Balances keep what matters on a phone: the account and what it has available, within the screen.
      const available = page.locator('#balances-table tr[data-account="lee"] td[data-col="available"]');
      expect(await available.isVisible()).toBe(true);
      expect(((await available.boundingBox())?.x ?? Infinity) + ((await available.boundingBox())?.width ?? 0)).toBeLessThanOrEqual(420);
      expect(await page.isVisible('#balances-table tr[data-account="lee"] td[data-col="reward"]')).toBe(false);
      const shot = await screenshot((path) => page.screenshot({ path, fullPage: true }), SCREENSHOT_NARROW);
      expect(shot.width).toBe(420);
      expect(shot.height).toBeGreaterThan(2 * 900); // one column: a long page
      expect(problems).toEqual([]);
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });

  it('lists a discrepancy the reconciler finds, with its evidence', async () => {
    // A corrupted history: lee's first completed usage captured a second time, appended beside the platform.
    const store = createEventStore({ kind: 'sqlite', path: join(platform.dataDir, 'events.sqlite') });
    const stream = walletStream(TENANT, 'lee');
    const eventId = randomUUID();
    try {
      const [captured] = (await store.readStream(stream)).filter((e) => e.type === 'HoldCaptured');
      const { usageId, lots } = captured.data as { usageId: string; lots: { lotId: string }[] };
      const data = encodeBigInts({ usageId, lots: [{ lotId: lots[0].lotId, amount: parseCredits('1') }], amount: parseCredits('1'), capturedAt: `${lastDay}T18:00:00.000Z` });
      await store.appendToStream(stream, [{ id: eventId, type: 'HoldCaptured', data, metadata: captured.metadata }], { expectedRevision: 'any' });
    } finally {
      await store.close();
    }
    await waitFor('the reconciler to find it', async () => {
      const r = await platform.request('GET', '/v1/reconciliation', { key: ops });
      return r.status === 200 && r.body.discrepancyCounts.charge === 1 ? true : undefined;
    });
    await page.click('#refresh');
    await page.locator('#reconciliation-status', { hasText: /discrepanc/ }).waitFor();
    const { discrepancies } = await get('/v1/reconciliation');
    expect(await page.textContent('#reconciliation-status')).toBe(`${discrepancies.length} discrepancies`);
    expect(await page.getAttribute('#reconciliation-status', 'class')).toBe('badge bad');
    expect(await page.locator('#discrepancies-table tbody tr').count()).toBe(discrepancies.length);
    const charge = page.locator('#discrepancies-table tr[data-kind="charge"][data-account="lee"]');
    expect(await charge.locator('td[data-col="expected"]').textContent()).toBe('one capture');
    expect(await charge.locator('td[data-col="found"]').textContent()).toBe('another capture of 1');
    // The evidence, the offending event last: its type, stream, revision and id.
    const evidence = await charge.locator('.evidence li').allTextContents();
    expect(evidence.length).toBeGreaterThanOrEqual(2);
    expect(evidence[evidence.length - 1]).toMatch(new RegExp(`^HoldCaptured at ${stream}@\\d+ \\(position \\d+\\) ${eventId}$`));
    expect(await page.locator('#discrepancies-table tr[data-kind="balance"][data-account="lee"]').count()).toBe(1);
    const shot = await screenshot((path) => page.locator('#reconciliation').screenshot({ path }), SCREENSHOT_RECONCILIATION);
    expect(shot.width).toBeGreaterThan(1000);
    // A discrepancy opens its account's history, where the corrupted event is.
    await charge.click();
    await page.locator(`#transactions-table tr[data-revision]`).first().waitFor();
    await page.locator('#history-sub', { hasText: /^lee/ }).waitFor();
    expect(await page.locator('#transactions-table tr[data-type="HoldCaptured"]').count()).toBeGreaterThanOrEqual(2);
    expect(problems).toEqual([]);
  });

  it('says the platform is offline once it stops answering, and keeps the last figures, marked old', async () => {
    await page.goto(`${platform.url}/dashboard?refresh=1`);
    await page.waitForSelector('body[data-state="ready"][data-freshness="live"]');
    expect(await page.textContent('#auto-every')).toBe('1 s');
    const before = await page.textContent('[data-kpi="available"]');
    const readBefore = await page.getAttribute('#as-of', 'datetime');

    await platform.close();
    await page.locator('body[data-freshness="offline"]').waitFor({ timeout: 15_000 });
    expect(await page.isVisible('#banner')).toBe(true);
    expect(await page.getAttribute('#banner', 'class')).toBe('banner offline');
    expect(await page.textContent('#banner-title')).toBe('Offline.');
    const banner = (await page.textContent('#banner-text')) ?? '';
    expect(banner).toMatch(/^The platform has not answered since \d{2}:\d{2}:\d{2} UTC \(the platform cannot be reached, last tried \d{2}:\d{2}:\d{2} UTC\)\. The figures below are from \d{2}:\d{2}:\d{2} UTC and may be out of date\. Retrying every 1 s\.$/);
    // The last figures stay, greyed, with the time they were read.
    expect(await page.textContent('[data-kpi="available"]')).toBe(before);
    expect(await page.getAttribute('#dashboard', 'class')).toContain('stale');
    const readAfter = await page.getAttribute('#as-of', 'datetime');
    expect(Date.parse(readAfter ?? '')).toBeGreaterThanOrEqual(Date.parse(readBefore ?? ''));
    expect(banner).toContain(`since ${(readAfter ?? '').slice(11, 19)} UTC`);

    const shot = await screenshot((path) => page.screenshot({ path }), SCREENSHOT_OFFLINE);
    expect(shot).toMatchObject({ width: 1440, height: 900 });
    const bannerShot = await screenshot((path) => page.locator('#banner').screenshot({ path }), resolve(TMP, 'dashboard-offline-banner.png'));
    expect(bannerShot.width).toBe(1440);
    // Chromium logs each refused request as a console error: expected once the platform is gone.
    expect(problems.filter((p) => !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(p))).toEqual([]);
    problems.length = 0;
  });

  it('forgets the key on sign-out', async () => {
    await page.click('#signout');
    await page.waitForSelector('body[data-state="signed-out"]');
    expect(await page.evaluate("sessionStorage.getItem('creditflow.opsKey')")).toBeNull();
    expect(await page.isVisible('#dashboard')).toBe(false);
  });
});

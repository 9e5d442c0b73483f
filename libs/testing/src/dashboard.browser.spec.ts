// The ops dashboard in a real browser: Debian's chromium driven by playwright-core, against the
// embedded platform with a week of data. The figures the page shows must be the API's figures.
// scripts/test.sh installs chromium when /usr/bin/chromium is missing; this test never skips.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BrowserContext, Page, chromium } from 'playwright-core';
import { waitFor } from '@creditflow/kernel/testing';
import { TENANT, seedDashboardData } from './dashboard.fixture';
import { EmbeddedPlatform, apiKey, startEmbeddedPlatform } from './embedded-platform';

const CHROMIUM = '/usr/bin/chromium';
/** The machine's flags: no sandbox as root, and no background traffic on a closed network. */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Git-ignored (tmp/ in .gitignore), at the repository root. */
const SCREENSHOT = resolve(__dirname, '../../../tmp/dashboard.png');

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

describe('the ops dashboard in chromium', () => {
  let platform: EmbeddedPlatform;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
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
    platform = await startEmbeddedPlatform({ clock: 'manual' });
    const seeded = await seedDashboardData(platform);
    // The projections follow the store asynchronously: wait until they have seen the last event.
    await waitFor('the ops projections to catch up with the seeded data', async () => {
      const low = (await platform.request('GET', '/v1/projections/low-balance', { key: ops })).body;
      const refunds = (await platform.request('GET', '/v1/projections/refunds', { key: ops })).body.refunds;
      return low.accounts.some((a: { accountId: string }) => a.accountId === 'lee') && refunds.some((r: { usageId: string }) => r.usageId === seeded.restoredUsage) ? true : undefined;
    }, 20_000);
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

    const refunds = (await get('/v1/projections/refunds')).refunds as { id: string; reason: string; credits: string }[];
    expect(refunds).toHaveLength(1);
    expect(await text(`#refunds-table tr[data-refund="${refunds[0].id}"]`)).toContain(refunds[0].reason);

    const low = await get('/v1/projections/low-balance');
    expect(await page.locator('#low-list li[data-account]').count()).toBe(low.accounts.length);
    expect(await text('#low-list li[data-account="lee"]')).toContain(shown(low.accounts[0].available));
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
    expect(await page.locator('#lots-table tbody tr').count()).toBe(balance.lots.length);

    await page.evaluate('window.scrollTo(0, 0)');
    mkdirSync(resolve(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(problems).toEqual([]);
  });

  it('forgets the key on sign-out', async () => {
    await page.click('#signout');
    await page.waitForSelector('body[data-state="signed-out"]');
    expect(await page.evaluate("sessionStorage.getItem('creditflow.opsKey')")).toBeNull();
    expect(await page.isVisible('#dashboard')).toBe(false);
  });
});

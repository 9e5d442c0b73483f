// What `npm run ops -- reconcile` (and each run of the continuous reconciler) costs, beside its
// baseline in the same run: reading and decoding the same events (readAll of the wallet and refund
// categories, bigints decoded), which any reader of the store pays. The store is made once per run by
// the wallet's own command handler (in-process, batched): apinfer accounts with a purchased lot, and
// usages of qwen-image (1.75 credits, catalog 2025-01-01) authorized then completed, or failed one in ten.
// Run: npm run bench:reconcile [-- --accounts 1000 --usages 50000 --reps 3 --record]
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStore, createEventStore } from '@creditflow/event-store';
import { decodeBigInts, wholeCredits } from '@creditflow/kernel';
import { readTenantTerms, reconcileStores } from '@creditflow/reconciler-service';
import { findTenantsDir, loadTenants } from '@creditflow/tenancy';
import { WalletAccounts, WalletCommandEnvelope } from '@creditflow/wallet-application';
import { REPS, log, machine, median, numberFlag, progress, range, report, round, run } from './lib/common';

const ACCOUNTS = numberFlag('accounts', 1000);
const USAGES = numberFlag('usages', 50_000);
const BATCH = 500;

const dir = mkdtempSync(join(tmpdir(), 'creditflow-bench-reconcile-'));
const path = join(dir, 'events.sqlite');

async function makeStore(): Promise<void> {
  const store = createEventStore({ kind: 'sqlite', path });
  const tenant = loadTenants(findTenantsDir()).get('apinfer')!;
  const wallet = new WalletAccounts(store, () => tenant.walletPolicy);
  const now = new Date('2026-01-01T00:00:00Z');
  const commands: WalletCommandEnvelope[] = [];
  for (let a = 0; a < ACCOUNTS; a++) {
    const base = { tenantId: 'apinfer', accountId: `acc-${a}` };
    commands.push({ ...base, command: { type: 'OpenAccount', data: { tenantId: 'apinfer', accountId: base.accountId, kind: 'personal', members: [], now } } });
    commands.push({ ...base, command: { type: 'GrantCredits', data: {
      lotId: `purchase:p-${a}`, lotType: 'topup', amount: wholeCredits(50_000), expiresAt: null,
      costBasis: { paidMinor: 50_000n, currency: 'CNY', promotional: false, listPriceMinor: 50_000n }, source: { kind: 'purchase', id: `p-${a}` }, now,
    } } });
  }
  for (let i = 0; i < USAGES; i++) {
    const base = { tenantId: 'apinfer', accountId: `acc-${i % ACCOUNTS}` };
    const usageId = `u-${i}`;
    commands.push({ ...base, command: { type: 'AuthorizeUsage', data: { usageId, userId: null, feature: 'qwen-image', options: {}, credits: (wholeCredits(1) + 750_000n) as never, phases: null, priceVersion: '2025-01-01', now } } });
    commands.push(i % 10 === 9
      ? { ...base, command: { type: 'FailUsage', data: { usageId, reason: 'cancelled', now } } }
      : { ...base, command: { type: 'CompleteUsage', data: { usageId, now } } });
  }
  for (let i = 0; i < commands.length; i += BATCH) {
    for (const o of await wallet.executeBatch(commands.slice(i, i + BATCH))) if (!o.ok) throw o.error;
    progress(`making the store: ${i + BATCH} of ${commands.length} commands`);
  }
  await store.close();
}

/** The baseline: every wallet and refund event read and decoded, nothing else. */
async function readAndDecode(store: EventStore): Promise<number> {
  let events = 0;
  for (const category of ['wallet', 'refund']) {
    for (let from = 0n; ; ) {
      const page = await store.readAll({ category, fromPosition: from, maxCount: 2000 });
      if (!page.length) break;
      from = page[page.length - 1].position;
      for (const e of page) if (decodeBigInts(e.data)) events++;
    }
  }
  return events;
}

async function main(): Promise<void> {
  const started = Date.now();
  await makeStore();
  log(`store made in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const terms = readTenantTerms(findTenantsDir());
  const reconcile: number[] = [];
  const baseline: number[] = [];
  let events = 0;
  let discrepancies = -1;
  for (let rep = 0; rep < REPS; rep++) {
    // The two alternate which goes first, so neither always gets the warmer cache.
    for (const which of rep % 2 ? ['baseline', 'reconcile'] : ['reconcile', 'baseline']) {
      const store = createEventStore({ kind: 'sqlite', path });
      const t = performance.now();
      if (which === 'reconcile') {
        const result = await reconcileStores({ wallet: store, terms });
        reconcile.push((performance.now() - t) / 1000);
        events = result.events.wallet;
        discrepancies = result.discrepancies.length;
      } else {
        await readAndDecode(store);
        baseline.push((performance.now() - t) / 1000);
      }
      await store.close();
      progress(`rep ${rep + 1} of ${REPS}: ${which} done`, true);
    }
  }
  if (discrepancies !== 0) throw new Error(`the reconciler found ${discrepancies} discrepancies in the bench's own store`);
  const perSecond = (seconds: number[]) => Math.round(events / median(seconds));
  report(`reconcile-a${ACCOUNTS}-u${USAGES}`, {
    date: new Date().toISOString(),
    machine: machine(),
    parameters: { accounts: ACCOUNTS, usages: USAGES, reps: REPS },
    events,
    reconcile: { seconds: range(reconcile, 2), medianSeconds: round(median(reconcile), 2), eventsPerSecond: perSecond(reconcile) },
    baselineReadAndDecode: { seconds: range(baseline, 2), medianSeconds: round(median(baseline), 2), eventsPerSecond: perSecond(baseline) },
    reconcileOverBaseline: round(median(reconcile) / median(baseline), 2),
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
  });
}

run(main, () => rmSync(dir, { recursive: true, force: true }));

// Wallet command throughput on the embedded store (SQLite), one process, no HTTP or bus:
//   A. one command per call (execute): what an HTTP request costs the wallet;
//   B. batches of commands (executeBatch, one SQLite transaction per batch): what a consumer does.
// Both in one run, so their ratio is measured on the same machine state.
// Run: npm run bench:wallet [-- --accounts 1000 --usages 20000 --batch 500]
import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createEventStore } from '@creditflow/event-store';
import { wholeCredits } from '@creditflow/kernel';
import { findTenantsDir, loadTenants } from '@creditflow/tenancy';
import { WalletCommandEnvelope, WalletAccounts } from '@creditflow/wallet-application';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ACCOUNTS = arg('accounts', 1000);
const USAGES = arg('usages', 20000);
const BATCH = arg('batch', 500);

const tenant = loadTenants(findTenantsDir()).get('apinfer')!;
const price = { credits: wholeCredits(1) + 750_000n, phases: null, priceVersion: 'bench' } as const;

function commands(prefix: string, n: number, now: Date): WalletCommandEnvelope[] {
  const out: WalletCommandEnvelope[] = [];
  for (let i = 0; i < n; i++) {
    const accountId = `acc-${i % ACCOUNTS}`;
    const usageId = `${prefix}-${i}`;
    const base = { tenantId: 'apinfer', accountId };
    out.push({ ...base, command: { type: 'AuthorizeUsage', data: { usageId, userId: null, feature: 'qwen-image', options: {}, credits: price.credits as never, phases: null, priceVersion: 'bench', now } } });
    out.push({ ...base, command: { type: 'CompleteUsage', data: { usageId, now } } });
  }
  return out;
}

/**
 * An authorize as WalletService sends it after claiming its usage id just now (the claim itself is
 * not run here): the account's state says which usages closed before, so the id needs no recall.
 */
async function claimed(wallet: WalletAccounts, envelope: WalletCommandEnvelope): Promise<WalletCommandEnvelope> {
  if (envelope.command.type !== 'AuthorizeUsage') return envelope;
  return { ...envelope, recall: WalletAccounts.newUsage(envelope.command.data.usageId, await wallet.known(envelope.tenantId, envelope.accountId)) };
}

/**
 * The next turn of the event loop, as a server gets between requests and messages: work the wallet
 * defers to it (encoding snapshots) runs there, as it would in the service, not after the whole run.
 */
const turn = () => new Promise((resolve) => setImmediate(resolve));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'creditflow-bench-'));
  const store = createEventStore({ kind: 'sqlite', path: join(dir, 'events.sqlite') });
  const wallet = new WalletAccounts(store, () => tenant.walletPolicy);
  const now = new Date('2026-01-01T00:00:00Z');

  const setup: WalletCommandEnvelope[] = [];
  for (let a = 0; a < ACCOUNTS; a++) {
    const accountId = `acc-${a}`;
    setup.push({ tenantId: 'apinfer', accountId, command: { type: 'OpenAccount', data: { tenantId: 'apinfer', accountId, kind: 'personal', members: [], now } } });
    setup.push({ tenantId: 'apinfer', accountId, command: { type: 'GrantCredits', data: { lotId: `grant:${a}`, lotType: 'reward', amount: wholeCredits(1_000_000), expiresAt: null, costBasis: null, source: { kind: 'grant', id: `${a}` }, now } } });
  }
  for (let i = 0; i < setup.length; i += BATCH) await wallet.executeBatch(setup.slice(i, i + BATCH));

  // A: one command per call.
  const single = commands('single', USAGES / 4, now);
  const latencies: number[] = [];
  const startA = performance.now();
  for (const c of single) {
    const t = performance.now();
    const [o] = await wallet.executeBatch([await claimed(wallet, c)]);
    if (!o.ok) throw o.error;
    latencies.push(performance.now() - t);
    await turn();
  }
  const secondsA = (performance.now() - startA) / 1000;
  latencies.sort((x, y) => x - y);

  // B: batches.
  const batched = commands('batch', USAGES, now);
  const startB = performance.now();
  for (let i = 0; i < batched.length; i += BATCH) {
    const batch = await Promise.all(batched.slice(i, i + BATCH).map((c) => claimed(wallet, c)));
    for (const o of await wallet.executeBatch(batch)) if (!o.ok) throw o.error;
    await turn();
  }
  const secondsB = (performance.now() - startB) / 1000;

  // C: cold reload: every account rebuilt from its stream (what a restart costs).
  wallet.forget();
  const startC = performance.now();
  for (let a = 0; a < ACCOUNTS; a++) await wallet.state('apinfer', `acc-${a}`);
  const secondsC = (performance.now() - startC) / 1000;

  const rssMiB = process.memoryUsage().rss / 2 ** 20;
  await store.close();
  rmSync(dir, { recursive: true, force: true });

  const a = single.length / secondsA;
  const b = batched.length / secondsB;
  const result = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    parameters: { accounts: ACCOUNTS, usages: USAGES, batch: BATCH },
    singleCommandsPerSecond: Math.round(a),
    singleLatencyMs: { p50: +percentile(latencies, 50).toFixed(3), p99: +percentile(latencies, 99).toFixed(3) },
    batchedCommandsPerSecond: Math.round(b),
    batchedOverSingle: +(b / a).toFixed(1),
    coldReload: { accounts: ACCOUNTS, eventsPerAccount: Math.round((2 + (2 * (USAGES + USAGES / 4)) / ACCOUNTS)), seconds: +secondsC.toFixed(2) },
    rssMiB: Math.round(rssMiB),
  };
  console.log(JSON.stringify(result, null, 2));
  if (process.argv.includes('--record')) {
    const file = join(__dirname, 'results', `${result.date.slice(0, 10)}-wallet-throughput-a${ACCOUNTS}-u${USAGES}.json`);
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    console.log(`recorded in ${file}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

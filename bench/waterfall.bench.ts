// What the access waterfall (free allowances and rate limits, issue 15 item 1) costs per authorize,
// against today's wallet (the same tenant without them), measured in one run, in interleaved
// repetitions (the order alternates from one repetition to the next):
//   1. decide: the wallet decider alone (decide + evolve of AuthorizeUsage, then CompleteUsage), one
//      account, pure CPU. `before`: the wallet domain as it was before the waterfall (the files of
//      libs/wallet/domain/src at `--before <commit>`, default the merge-base with main, extracted with
//      git into tmp/ and loaded beside today's), apinfer's policy; `today`: this code, apinfer's policy
//      as configured (no allowances, no rate limits); `waterfall`: the same plus two
//      allowances that pay part of the usages (20 free images an hour, 10 free credits a day) and a
//      rate limit of 60 a minute that never denies at this pace (one authorize a second); `hot`: the
//      worst case of the rolling windows, a rate limit of 1,000 a minute with an authorize every 60 ms
//      (about 1,000 uses in the window, each one kept in the state and scanned).
//   2. store: the wallet's command handler on the embedded store (SQLite), in-process, one command
//      per call as an HTTP request runs it: authorize+complete pairs per second and authorize p50/p99,
//      `today` beside `waterfall`, on accounts of their own.
// Run: npm run bench:waterfall [-- --authorizes 20000 --pairs 3000 --accounts 100 --reps 3 --record]
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createEventStore } from '@creditflow/event-store';
import { Credits, wholeCredits } from '@creditflow/kernel';
import { findTenantsDir, loadTenants } from '@creditflow/tenancy';
import { WalletAccounts, WalletCommandEnvelope } from '@creditflow/wallet-application';
import { WalletCommand, WalletPolicy, WalletState, decide, fold, initialState } from '@creditflow/wallet-domain';
import { REPO_ROOT, REPS, log, machine, median, numberFlag, percentile, progress, range, report, round, run, stringFlag } from './lib/common';

/** The decider's functions, from this code or from the wallet domain of another commit. */
interface Domain {
  decide: typeof decide;
  fold: typeof fold;
  initialState: WalletState;
}

const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT }).toString();
const BEFORE = git('rev-parse', stringFlag('before', git('merge-base', 'HEAD', 'main').trim())).trim();

/** The wallet domain's source files at `commit` (not its tests), written under tmp/ and loaded. */
function domainAt(commit: string): Domain {
  const dir = join(REPO_ROOT, 'tmp', `bench-before-${commit.slice(0, 12)}`, 'wallet-domain');
  mkdirSync(dir, { recursive: true });
  const files = git('ls-tree', '--name-only', `${commit}:libs/wallet/domain/src/`).split('\n').filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
  for (const f of files) writeFileSync(join(dir, basename(f)), git('show', `${commit}:libs/wallet/domain/src/${f}`));
  return require(join(dir, 'index.ts')) as Domain;
}
const current: Domain = { decide, fold, initialState };

const AUTHORIZES = numberFlag('authorizes', 20_000);
const PAIRS = numberFlag('pairs', 3_000);
const ACCOUNTS = numberFlag('accounts', 100);

const tenant = loadTenants(findTenantsDir()).get('apinfer')!;
const today: WalletPolicy = tenant.walletPolicy;
const waterfall: WalletPolicy = {
  ...today,
  allowances: [
    { id: 'images-hourly', unit: 'uses', amount: 20n, per: 'hour', features: ['qwen-image'], plans: null },
    { id: 'daily-free', unit: 'credits', amount: wholeCredits(10), per: 'day', features: null, plans: null },
  ],
  rateLimits: [{ id: 'burst', uses: 60, per: 'minute', features: null, plans: null }],
};
const hot: WalletPolicy = { ...waterfall, rateLimits: [{ id: 'burst', uses: 1000, per: 'minute', features: null, plans: null }] };
const PRICE = (wholeCredits(1) + 750_000n) as Credits; // qwen-image, 1.75
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** An account opened with 10 million credits. */
function funded(policy: WalletPolicy, now: Date, { decide, fold, initialState }: Domain): WalletState {
  const open: WalletCommand = { type: 'OpenAccount', data: { tenantId: 'apinfer', accountId: 'acc', kind: 'personal', members: [], now } };
  let state = fold(decide(open, initialState, policy), initialState);
  const grant: WalletCommand = {
    type: 'GrantCredits',
    data: { lotId: 'grant:1', lotType: 'reward', amount: wholeCredits(10_000_000), expiresAt: null, costBasis: null, source: { kind: 'grant', id: '1' }, now },
  };
  state = fold(decide(grant, state, policy), state);
  return state;
}

/** `n` authorize+complete pairs on one account, `spacingMs` apart; the time spent deciding and folding authorizes, and what paid them. */
function decideRun(policy: WalletPolicy, n: number, spacingMs: number, domain: Domain = current) {
  const { decide, fold } = domain;
  let state = funded(policy, new Date(T0), domain);
  let authorizeMs = 0;
  let completeMs = 0;
  const paid = { allowanceOnly: 0, split: 0, lotsOnly: 0, denied: 0 };
  for (let i = 0; i < n; i++) {
    const now = new Date(T0 + 1000 + i * spacingMs);
    const usageId = `u-${i}`;
    const authorize: WalletCommand = { type: 'AuthorizeUsage', data: { usageId, userId: null, feature: 'qwen-image', options: {}, credits: PRICE, phases: null, priceVersion: 'bench', now } };
    let t = performance.now();
    const events = decide(authorize, state, policy);
    state = fold(events, state);
    authorizeMs += performance.now() - t;
    const hold = events.find((e) => e.type === 'HoldPlaced');
    if (!hold || hold.type !== 'HoldPlaced') paid.denied++;
    else if (!hold.data.allowances) paid.lotsOnly++;
    else if (hold.data.lots.length) paid.split++;
    else paid.allowanceOnly++;
    t = performance.now();
    state = fold(decide({ type: 'CompleteUsage', data: { usageId, now } }, state, policy), state);
    completeMs += performance.now() - t;
  }
  const live = [...(state.allowanceUses?.values() ?? [])].reduce((sum, l) => sum + l.length, 0) + [...(state.rateLimitUses?.values() ?? [])].reduce((sum, l) => sum + l.length, 0);
  return { authorizeUs: (authorizeMs * 1000) / n, completeUs: (completeMs * 1000) / n, paid, windowEntriesAtEnd: live };
}

/** `PAIRS` authorize+complete pairs through the command handler on SQLite, one command per call, spread over the accounts, a second apart. */
async function storeRun(policy: WalletPolicy, label: string) {
  const dir = mkdtempSync(join(tmpdir(), `creditflow-bench-waterfall-${label}-`));
  const store = createEventStore({ kind: 'sqlite', path: join(dir, 'events.sqlite') });
  try {
    const wallet = new WalletAccounts(store, () => policy);
    const start = new Date(T0);
    const setup: WalletCommandEnvelope[] = [];
    for (let a = 0; a < ACCOUNTS; a++) {
      const accountId = `acc-${a}`;
      setup.push({ tenantId: 'apinfer', accountId, command: { type: 'OpenAccount', data: { tenantId: 'apinfer', accountId, kind: 'personal', members: [], now: start } } });
      setup.push({
        tenantId: 'apinfer', accountId,
        command: { type: 'GrantCredits', data: { lotId: `grant:${a}`, lotType: 'reward', amount: wholeCredits(1_000_000), expiresAt: null, costBasis: null, source: { kind: 'grant', id: `${a}` }, now: start } },
      });
    }
    for (const o of await wallet.executeBatch(setup)) if (!o.ok) throw o.error;
    const latencies: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < PAIRS; i++) {
      const base = { tenantId: 'apinfer', accountId: `acc-${i % ACCOUNTS}` };
      const now = new Date(T0 + 1000 + i * 1000);
      const usageId = `u-${i}`;
      let t = performance.now();
      const [authorized] = await wallet.executeBatch([{ ...base, command: { type: 'AuthorizeUsage', data: { usageId, userId: null, feature: 'qwen-image', options: {}, credits: PRICE, phases: null, priceVersion: 'bench', now } } }]);
      if (!authorized.ok) throw authorized.error;
      if (authorized.state.usages.get(usageId)?.status !== 'authorized') throw new Error(`${label}: ${usageId} was denied`);
      latencies.push(performance.now() - t);
      t = performance.now();
      const [completed] = await wallet.executeBatch([{ ...base, command: { type: 'CompleteUsage', data: { usageId, now } } }]);
      if (!completed.ok) throw completed.error;
    }
    const seconds = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    return { pairsPerSecond: PAIRS / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const before = domainAt(BEFORE);
  const decided: Record<string, ReturnType<typeof decideRun>[]> = { before: [], today: [], waterfall: [], hot: [] };
  const stored: Record<string, Awaited<ReturnType<typeof storeRun>>[]> = { today: [], waterfall: [] };
  const decideOne = (which: 'before' | 'today' | 'waterfall' | 'hot', n = AUTHORIZES) =>
    which === 'before' ? decideRun(today, n, 1000, before) : which === 'hot' ? decideRun(hot, n, 60) : decideRun(which === 'today' ? today : waterfall, n, 1000);
  // A first pass of each, not recorded: the JIT warms on every path alike.
  for (const which of ['before', 'today', 'waterfall', 'hot'] as const) decideOne(which, 2000);
  for (let rep = 0; rep < REPS; rep++) {
    const order = rep % 2 ? (['hot', 'waterfall', 'today', 'before'] as const) : (['before', 'today', 'waterfall', 'hot'] as const);
    for (const which of order) {
      decided[which].push(decideOne(which));
      progress(`rep ${rep + 1} of ${REPS}: decide ${which} done`, true);
    }
    for (const which of rep % 2 ? (['waterfall', 'today'] as const) : (['today', 'waterfall'] as const)) {
      stored[which].push(await storeRun(which === 'today' ? today : waterfall, which));
      progress(`rep ${rep + 1} of ${REPS}: store ${which} done`, true);
    }
  }
  for (const [which, runs] of Object.entries(decided)) if (runs.some((r) => r.paid.denied)) throw new Error(`decide ${which}: authorizations were denied`);
  log('done');
  const us = (runs: ReturnType<typeof decideRun>[], f: 'authorizeUs' | 'completeUs') => round(median(runs.map((r) => r[f])), 2);
  // Each repetition's ratio: the variants of one repetition ran back to back, under the same load.
  const perRep = (a: { authorizeUs: number }[], b: { authorizeUs: number }[]) => a.map((r, i) => round(r.authorizeUs / b[i].authorizeUs, 2));
  const decideFigures = (runs: ReturnType<typeof decideRun>[]) => ({
    authorizeMicroseconds: range(runs.map((r) => r.authorizeUs), 2), medianAuthorizeMicroseconds: us(runs, 'authorizeUs'),
    medianCompleteMicroseconds: us(runs, 'completeUs'), paidFrom: runs[0].paid, windowEntriesAtEnd: runs[0].windowEntriesAtEnd,
  });
  const storeFigures = (runs: Awaited<ReturnType<typeof storeRun>>[]) => ({
    pairsPerSecond: range(runs.map((r) => r.pairsPerSecond)), medianPairsPerSecond: Math.round(median(runs.map((r) => r.pairsPerSecond))),
    medianAuthorizeP50Ms: round(median(runs.map((r) => r.p50)), 3), medianAuthorizeP99Ms: round(median(runs.map((r) => r.p99)), 3),
  });
  report(`waterfall-n${AUTHORIZES}-p${PAIRS}`, {
    date: new Date().toISOString(),
    machine: machine(),
    parameters: { authorizes: AUTHORIZES, pairs: PAIRS, accounts: ACCOUNTS, reps: REPS, before: BEFORE },
    decide: {
      before: decideFigures(decided.before),
      today: decideFigures(decided.today),
      waterfall: decideFigures(decided.waterfall),
      hot: decideFigures(decided.hot),
      todayOverBefore: round(median(decided.today.map((r) => r.authorizeUs)) / median(decided.before.map((r) => r.authorizeUs)), 2),
      waterfallOverToday: round(median(decided.waterfall.map((r) => r.authorizeUs)) / median(decided.today.map((r) => r.authorizeUs)), 2),
      hotOverToday: round(median(decided.hot.map((r) => r.authorizeUs)) / median(decided.today.map((r) => r.authorizeUs)), 2),
      perRep: {
        todayOverBefore: perRep(decided.today, decided.before),
        waterfallOverToday: perRep(decided.waterfall, decided.today),
        hotOverToday: perRep(decided.hot, decided.today),
      },
    },
    store: {
      today: storeFigures(stored.today),
      waterfall: storeFigures(stored.waterfall),
      waterfallOverToday: round(median(stored.waterfall.map((r) => r.pairsPerSecond)) / median(stored.today.map((r) => r.pairsPerSecond)), 2),
      perRepWaterfallOverToday: stored.waterfall.map((r, i) => round(r.pairsPerSecond / stored.today[i].pairsPerSecond, 2)),
    },
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
  });
}

run(main, () => undefined);

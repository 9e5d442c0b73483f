// Embedded HTTP: the platform (`npm start`, its own process) beside its baselines, in one run.
//   1. saturation: authorize+complete pairs on spread accounts over 32 and 64 connections
//      (autocannon, closed loop) vs a raw Node `http` JSON server with the same requests;
//      server CPU per pair from /proc of the server process;
//   2. fixed rates (100/s, 1,000/s requests in total, open loop): authorize p50/p99 vs the raw server;
//   3. charges/s on hot (10) and spread (1,000) accounts vs a PostgreSQL row-lock baseline
//      (UPDATE ... WHERE balance >= cost + ledger INSERT per transaction, 16 clients);
//   4. kill -9 during a 1,000/s authorize run, restart: every answered authorize still in the balance.
// Each repetition runs every measurement and its baseline back to back (order alternating).
// `--compare <dir>`: also the platform of another checkout (say, the commit before a change), on its
// own data, in the same repetitions: saturation, fixed rates and hot accounts, BEFORE beside AFTER.
//
//   npm run bench:http [-- --reps 3 --duration 10 --connections 32,64 --rates 100,1000
//                          --spread 1000 --hot 10 --pg-clients 16 --no-kill-check | --only-kill-check
//                          --compare /path/to/other/checkout --cpu-prof <dir> --node-args "<flags>"
//                          --record --note "..."]
// `--cpu-prof <dir>`: each platform (not the baselines) writes its CPU profile there when it stops.
// `--node-args "<flags>"`: Node flags for this checkout's platform only (not --compare's): with
// `--compare .` the same code with and without them, in the same repetitions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PgBaseline, PgChargeResult, openPgBaseline } from './baselines/pg-rowlock';
import { REPS, boolFlag, listFlag, log, machine, median, numberFlag, progress, range, report, round, run, sleep, stringFlag } from './lib/common';
import { PacedResult, SaturationResult, call, callOk, destroyAgents, openAndFund, paced, pool, saturate } from './lib/http-load';
import { API_KEYS_ENV, KEYS, Proc, caughtUp, freePort, spawnProcess, startPlatform } from './lib/processes';

const DURATION = numberFlag('duration', 10);
const CONNECTIONS = listFlag('connections', [32, 64]);
const RATES = listFlag('rates', [100, 1000]);
const SPREAD = numberFlag('spread', 1000);
const HOT = numberFlag('hot', 10);
const HOT_CONNECTIONS = numberFlag('hot-connections', 32);
const PG_CLIENTS = numberFlag('pg-clients', 16);
const KILL_CHECK = !boolFlag('no-kill-check');
/** Only the accounts and the kill -9 check (no repetitions). */
const ONLY_KILL_CHECK = boolFlag('only-kill-check');
/** Another checkout whose platform is measured beside this one's (BEFORE vs AFTER). */
const COMPARE = stringFlag('compare', '') && resolve(stringFlag('compare', ''));
const CPU_PROFILE_DIR = stringFlag('cpu-prof', '') && resolve(stringFlag('cpu-prof', ''));
const profiled = CPU_PROFILE_DIR ? { cpuProfileDir: CPU_PROFILE_DIR } : {};
const NODE_ARGS = stringFlag('node-args', '').split(' ').filter(Boolean);

let dir = '';
let platform: Proc | null = null;
let before: Proc | null = null;
let raw: Proc | null = null;
let pg: PgBaseline | null = null;

interface Saturation extends SaturationResult {
  /** The server's CPU from the start of the run until it had caught up with it (read models, consumers), per pair. */
  serverCpuMsPerPair: number | null;
  /** Seconds from the end of the run until the server had caught up (the raw server: none). */
  catchUpSeconds: number | null;
}

/** Lets a platform finish the work an earlier phase left (see caughtUp): every phase starts idle. */
async function settle(server: Proc, label: string): Promise<number | null> {
  if (server === raw) return null;
  return caughtUp(server.url, (s) => progress(`${label}: waiting for the platform to catch up (${s.toFixed(0)} s)`));
}

async function saturation(server: Proc, accounts: string[], connections: number, label: string): Promise<Saturation> {
  await settle(server, label);
  const cpu0 = server.cpuSeconds();
  const result = await saturate(server.url, accounts, connections, DURATION, `${label}-c${connections}`, (pairs) =>
    progress(`${label}: ${connections} connections, ${pairs} pairs`),
  );
  const catchUpSeconds = await settle(server, label);
  const cpu = server.cpuSeconds() - cpu0;
  return { ...result, serverCpuMsPerPair: result.completeOk ? round((cpu * 1000) / result.completeOk, 3) : null, catchUpSeconds };
}

async function fixedRate(server: Proc, accounts: string[], rate: number, label: string): Promise<PacedResult> {
  await settle(server, label);
  return paced(server.url, accounts, {
    rate, seconds: DURATION, prefix: `${label}-r${rate}`,
    onTick: (answered, due) => progress(`${label}: ${rate} requests/s, ${answered}/${due} answered`),
  });
}

async function pgCharge(accounts: number, label: string): Promise<PgChargeResult> {
  return pg!.charge(accounts, DURATION, (n) => progress(`${label}: ${n} charges`));
}

/** Available credits (as numbers: fine for a comparison at 3 decimals) of each account. */
async function balances(base: string, accounts: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  await pool(accounts.length, 16, async (i) => {
    const b = await callOk(base, 'GET', `/v1/accounts/${accounts[i]}/balance`, KEYS.admin);
    out.set(accounts[i], Number(b.available));
  });
  return out;
}

/**
 * kill -9 in the middle of a 1,000/s authorize run, restart on the same data: every authorize that was
 * answered 200 must be in its account's history (GET /v1/accounts/{id}/transactions) and its credits
 * still held. Also compares the balances before and after, as a cross-check.
 */
async function killCheck(spread: string[]) {
  const before = await balances(platform!.url, spread);
  const acked = new Map<string, string[]>();
  const seconds = Math.max(4, DURATION / 2);
  const running = paced(platform!.url, spread, {
    rate: 1000, seconds, prefix: 'kill', authorizeOnly: true,
    onTick: (answered, due) => progress(`kill -9 check: ${answered}/${due} answered`),
    onAuthorized: (accountId, usageId) => acked.set(accountId, [...(acked.get(accountId) ?? []), usageId]),
  });
  await sleep((seconds * 1000) / 2);
  await platform!.kill9();
  const result = await running;
  const dataDir = join(dir, 'platform');
  platform = await startPlatform({ dataDir, logFile: join(dir, 'platform.log'), onWait: (ms) => progress(`kill -9 check: restarting (${(ms / 1000).toFixed(1)} s)`) });
  const after = await balances(platform.url, spread);
  let answered = 0;
  let shortfall = 0;
  let extra = 0;
  const missing: string[] = [];
  for (const accountId of spread) {
    const ids = acked.get(accountId) ?? [];
    const taken = Math.round((before.get(accountId)! - after.get(accountId)!) / 1.75);
    answered += ids.length;
    shortfall += Math.max(0, ids.length - taken);
    extra += Math.max(0, taken - ids.length);
    if (ids.length) {
      const history = await call(platform.url, 'GET', `/v1/accounts/${accountId}/transactions`, KEYS.ops);
      for (const id of ids) if (!history.body.includes(JSON.stringify(id))) missing.push(`${accountId}/${id}`);
    }
  }
  return {
    rate: 1000,
    killedAfterSeconds: seconds / 2,
    authorizesAnswered200: answered,
    /** Answered 200 before the kill, not in the account's history after the restart. */
    lostAfterRestart: missing.length,
    lostUsageIds: missing.slice(0, 20),
    /** Cross-check from balances: answered authorizes whose credits are no longer held or spent. */
    balanceShortfall: shortfall,
    heldButUnanswered: extra,
    failedOrCutOff: result.failed,
    restartMs: round(platform.readyMs, 0),
  };
}

async function main() {
  const m = machine();
  dir = mkdtempSync(join(tmpdir(), 'creditflow-bench-http-'));
  log(`data in ${dir}; ${REPS} repetitions of ${DURATION} s runs`);
  platform = await startPlatform({ ...profiled, nodeArgs: NODE_ARGS, dataDir: join(dir, 'platform'), logFile: join(dir, 'platform.log'), onWait: (ms) => progress(`starting the platform (${(ms / 1000).toFixed(1)} s)`) });
  const rawPort = await freePort();
  raw = await spawnProcess({
    args: ['-r', '@swc-node/register', join('bench', 'baselines', 'raw-http-server.ts')],
    env: { PORT: String(rawPort), CREDITFLOW_API_KEYS: API_KEYS_ENV },
    healthPath: '/health', port: rawPort,
  });
  pg = await openPgBaseline(PG_CLIENTS, Math.max(SPREAD, HOT));
  log(`platform pid ${platform.pid} on ${platform.url} (ready in ${platform.readyMs.toFixed(0)} ms); raw server pid ${raw.pid}; PostgreSQL ${pg.server} via ${pg.connection}`);
  if (COMPARE && !ONLY_KILL_CHECK) {
    before = await startPlatform({ ...profiled, checkout: COMPARE, dataDir: join(dir, 'before'), logFile: join(dir, 'before.log'), onWait: (ms) => progress(`starting the platform of ${COMPARE} (${(ms / 1000).toFixed(1)} s)`) });
    log(`compared with the platform of ${COMPARE}: pid ${before.pid} on ${before.url}`);
  }

  const spread = Array.from({ length: SPREAD }, (_, i) => `spread-${i}`);
  const hot = Array.from({ length: HOT }, (_, i) => `hot-${i}`);
  // Enough credits for every run: a hot account takes (hot pairs/s x duration x reps) / HOT pairs.
  const hotPurchases = Math.max(1, Math.ceil((3000 * DURATION * REPS * 1.75) / HOT / 50_000));
  await openAndFund(platform.url, spread, 1, (n) => progress(`opening and funding ${n}/${SPREAD} spread accounts`));
  await openAndFund(platform.url, hot, hotPurchases, (n) => progress(`opening and funding ${n}/${HOT} hot accounts (${hotPurchases} purchases each)`));
  if (before) {
    await openAndFund(before.url, spread, 1, (n) => progress(`${COMPARE}: opening and funding ${n}/${SPREAD} spread accounts`));
    await openAndFund(before.url, hot, hotPurchases, (n) => progress(`${COMPARE}: opening and funding ${n}/${HOT} hot accounts`));
  }

  // Warm-up (JIT, connections, SQLite pages); not recorded.
  const reps: any[] = [];
  if (!ONLY_KILL_CHECK) {
    log('warming up both servers (3 s each, not recorded)');
    await saturate(platform.url, spread, 32, 3, 'warm');
    if (before) await saturate(before.url, spread, 32, 3, 'warm');
    await saturate(raw.url, spread, 32, 3, 'warm');
  }
  for (let rep = 1; rep <= (ONLY_KILL_CHECK ? 0 : REPS); rep++) {
    const baselineFirst = rep % 2 === 0;
    // creditflow, the compared checkout's platform (its BEFORE) if any, then the baseline; reversed on even repetitions.
    const pairOf = async <A, B>(cf: (server: Proc, label: string) => Promise<A>, base: () => Promise<B>): Promise<{ creditflow: A; baseline: B; before?: A }> => {
      const out: { creditflow?: A; baseline?: B; before?: A } = {};
      const steps = [
        async () => void (out.creditflow = await cf(platform!, 'creditflow')),
        ...(before ? [async () => void (out.before = await cf(before!, 'before'))] : []),
        async () => void (out.baseline = await base()),
      ];
      for (const step of baselineFirst ? steps.reverse() : steps) await step();
      return out as { creditflow: A; baseline: B; before?: A };
    };
    const r: any = { rep, order: baselineFirst ? 'baseline first' : 'creditflow first', saturation: {}, fixedRate: {} };
    for (const c of CONNECTIONS) {
      r.saturation[c] = await pairOf(
        (server, label) => saturation(server, spread, c, `rep ${rep}/${REPS} ${label} spread`),
        () => saturation(raw!, spread, c, `rep ${rep}/${REPS} raw http`),
      );
      const b = r.saturation[c].before;
      log(`rep ${rep} saturation ${c} conns: creditflow ${r.saturation[c].creditflow.pairsPerSecond} pairs/s (${r.saturation[c].creditflow.serverCpuMsPerPair} ms CPU/pair)${b ? `, before ${b.pairsPerSecond} pairs/s (${b.serverCpuMsPerPair} ms CPU/pair)` : ''}, raw ${r.saturation[c].baseline.requestsPerSecond} req/s`);
    }
    for (const rate of RATES) {
      r.fixedRate[rate] = await pairOf(
        (server, label) => fixedRate(server, spread, rate, `rep ${rep}/${REPS} ${label}`),
        () => fixedRate(raw!, spread, rate, `rep ${rep}/${REPS} raw http`),
      );
      log(`rep ${rep} ${rate}/s: creditflow ${r.fixedRate[rate].creditflow.achievedRequestsPerSecond}/s authorize p50 ${r.fixedRate[rate].creditflow.authorizeMs.p50} p99 ${r.fixedRate[rate].creditflow.authorizeMs.p99} ms; raw p50 ${r.fixedRate[rate].baseline.authorizeMs.p50} p99 ${r.fixedRate[rate].baseline.authorizeMs.p99} ms`);
    }
    r.hot = await pairOf(
      (server, label) => saturation(server, hot, HOT_CONNECTIONS, `rep ${rep}/${REPS} ${label} hot`),
      () => pgCharge(HOT, `rep ${rep}/${REPS} PostgreSQL hot`),
    );
    r.pgSpread = await pgCharge(SPREAD, `rep ${rep}/${REPS} PostgreSQL spread`);
    // Resident memory after each repetition: what the platform keeps grows with the usages it has seen.
    r.rssMiB = { creditflow: platform!.rssMiB(), ...(before ? { before: before.rssMiB() } : {}) };
    log(`rep ${rep} hot: creditflow ${r.hot.creditflow.pairsPerSecond} pairs/s, PostgreSQL ${r.hot.baseline.chargesPerSecond} charges/s; PostgreSQL spread ${r.pgSpread.chargesPerSecond}/s`);
    reps.push(r);
  }

  const kill = KILL_CHECK || ONLY_KILL_CHECK ? await killCheck(spread) : null;
  if (kill) log(`kill -9 check: ${kill.authorizesAnswered200} authorizes answered, ${kill.lostAfterRestart} lost after restart`);

  // Summary: the figures of the README table, min-max over the repetitions and the median ratio.
  const all = (f: (r: any) => number | null) => reps.map(f);
  const summary: any = { saturation: {}, fixedRate: {} };
  for (const c of CONNECTIONS) {
    const cfReq = all((r) => r.saturation[c].creditflow.requestsPerSecond);
    const rawReq = all((r) => r.saturation[c].baseline.requestsPerSecond);
    summary.saturation[c] = {
      creditflowPairsPerSecond: range(all((r) => r.saturation[c].creditflow.pairsPerSecond)),
      creditflowRequestsPerSecond: range(cfReq),
      creditflowP50Ms: range(all((r) => r.saturation[c].creditflow.latencyMs.p50)),
      creditflowP99Ms: range(all((r) => r.saturation[c].creditflow.latencyMs.p99)),
      creditflowServerCpuMsPerPair: range(all((r) => r.saturation[c].creditflow.serverCpuMsPerPair), 2),
      creditflowCatchUpSeconds: range(all((r) => r.saturation[c].creditflow.catchUpSeconds), 1),
      creditflowRssMiBAfterEachRepetition: reps.map((r) => r.rssMiB.creditflow).join(' / '),
      rawRequestsPerSecond: range(rawReq),
      rawPairsPerSecond: range(all((r) => r.saturation[c].baseline.pairsPerSecond)),
      rawServerCpuMsPerPair: range(all((r) => r.saturation[c].baseline.serverCpuMsPerPair), 3),
      ratioRequestsPerSecond: range(reps.map((_, i) => cfReq[i]! / rawReq[i]!), 3),
      goal: '>= 0.25',
    };
  }
  for (const rate of RATES) {
    summary.fixedRate[rate] = {
      creditflowAchievedPerSecond: range(all((r) => r.fixedRate[rate].creditflow.achievedRequestsPerSecond)),
      creditflowAuthorizeP50Ms: range(all((r) => r.fixedRate[rate].creditflow.authorizeMs.p50), 1),
      creditflowAuthorizeP99Ms: range(all((r) => r.fixedRate[rate].creditflow.authorizeMs.p99), 1),
      rawAchievedPerSecond: range(all((r) => r.fixedRate[rate].baseline.achievedRequestsPerSecond)),
      rawAuthorizeP50Ms: range(all((r) => r.fixedRate[rate].baseline.authorizeMs.p50), 1),
      rawAuthorizeP99Ms: range(all((r) => r.fixedRate[rate].baseline.authorizeMs.p99), 1),
      goal: rate === 1000 ? 'authorize p99 <= 5 ms, nothing lost on kill -9' : '-',
    };
  }
  const hotCf = all((r) => r.hot.creditflow.pairsPerSecond);
  const hotPg = all((r) => r.hot.baseline.chargesPerSecond);
  const spreadCf = all((r) => r.saturation[HOT_CONNECTIONS]?.creditflow.pairsPerSecond ?? r.saturation[CONNECTIONS[0]].creditflow.pairsPerSecond);
  const spreadPg = all((r) => r.pgSpread.chargesPerSecond);
  summary.hot = {
    creditflowChargesPerSecond: range(hotCf), postgresChargesPerSecond: range(hotPg),
    ratio: range(reps.map((_, i) => hotCf[i]! / hotPg[i]!), 2), goal: '>= 2',
  };
  summary.spread = {
    creditflowChargesPerSecond: range(spreadCf), postgresChargesPerSecond: range(spreadPg),
    ratio: range(reps.map((_, i) => spreadCf[i]! / spreadPg[i]!), 2), goal: '>= 2',
    medianRatio: round(median(reps.map((_, i) => spreadCf[i]! / spreadPg[i]!)), 2),
  };
  summary.killCheck = kill;
  if (before) summary.compare = compareSummary(reps);

  report(ONLY_KILL_CHECK ? `http-kill-check-s${SPREAD}` : `http-s${SPREAD}-h${HOT}-d${DURATION}${before ? '-compare' : ''}`, {
    bench: 'http', date: new Date().toISOString(), machine: m,
    parameters: { reps: REPS, durationSeconds: DURATION, connections: CONNECTIONS, rates: RATES, spreadAccounts: SPREAD, hotAccounts: HOT, hotConnections: HOT_CONNECTIONS, pgClients: PG_CLIENTS, postgres: pg.server, ...(before ? { compare: COMPARE } : {}), ...(NODE_ARGS.length ? { nodeArgs: NODE_ARGS } : {}) },
    summary, reps,
  });
}

/** AFTER (this checkout) beside BEFORE (--compare), per repetition: the ratios are the figures to read on a busy machine. */
function compareSummary(reps: any[]) {
  const ratio = (f: (r: any) => { creditflow: any; before: any }, value: (x: any) => number | null, digits = 2) =>
    range(reps.map((r) => { const x = f(r); return value(x.creditflow)! / value(x.before)!; }), digits);
  const out: any = { checkout: COMPARE, saturation: {}, fixedRate: {} };
  for (const c of CONNECTIONS) {
    const pick = (r: any) => r.saturation[c];
    out.saturation[c] = {
      afterPairsPerSecond: range(reps.map((r) => pick(r).creditflow.pairsPerSecond)),
      beforePairsPerSecond: range(reps.map((r) => pick(r).before.pairsPerSecond)),
      pairsPerSecondAfterOverBefore: ratio(pick, (x) => x.pairsPerSecond),
      afterServerCpuMsPerPair: range(reps.map((r) => pick(r).creditflow.serverCpuMsPerPair), 2),
      beforeServerCpuMsPerPair: range(reps.map((r) => pick(r).before.serverCpuMsPerPair), 2),
      cpuPerPairAfterOverBefore: ratio(pick, (x) => x.serverCpuMsPerPair),
      afterCatchUpSeconds: range(reps.map((r) => pick(r).creditflow.catchUpSeconds), 1),
      afterRssMiBAfterEachRepetition: reps.map((r) => r.rssMiB.creditflow).join(' / '),
      beforeRssMiBAfterEachRepetition: reps.map((r) => r.rssMiB.before).join(' / '),
      beforeCatchUpSeconds: range(reps.map((r) => pick(r).before.catchUpSeconds), 1),
      afterP99Ms: range(reps.map((r) => pick(r).creditflow.latencyMs.p99)),
      beforeP99Ms: range(reps.map((r) => pick(r).before.latencyMs.p99)),
    };
  }
  for (const rate of RATES) {
    const pick = (r: any) => r.fixedRate[rate];
    out.fixedRate[rate] = {
      afterAchievedPerSecond: range(reps.map((r) => pick(r).creditflow.achievedRequestsPerSecond)),
      beforeAchievedPerSecond: range(reps.map((r) => pick(r).before.achievedRequestsPerSecond)),
      afterAuthorizeP50Ms: range(reps.map((r) => pick(r).creditflow.authorizeMs.p50), 1),
      beforeAuthorizeP50Ms: range(reps.map((r) => pick(r).before.authorizeMs.p50), 1),
      afterAuthorizeP99Ms: range(reps.map((r) => pick(r).creditflow.authorizeMs.p99), 1),
      beforeAuthorizeP99Ms: range(reps.map((r) => pick(r).before.authorizeMs.p99), 1),
    };
  }
  out.hot = {
    afterPairsPerSecond: range(reps.map((r) => r.hot.creditflow.pairsPerSecond)),
    beforePairsPerSecond: range(reps.map((r) => r.hot.before.pairsPerSecond)),
    pairsPerSecondAfterOverBefore: ratio((r) => r.hot, (x) => x.pairsPerSecond),
  };
  return out;
}

run(main, async () => {
  destroyAgents();
  await Promise.allSettled([platform?.stop(), before?.stop(), raw?.stop(), pg?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

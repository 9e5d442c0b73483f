// Restarts and rebuilds on stores made through the platform's HTTP API, in one run:
//   1. first answer after a restart for an account with 1k / 10k / 100k events (after one warm-up
//      request on an account of 600 events, so that the first measured account does not pay for
//      compiling the snapshot restore), beside reading and parsing that account's events from SQLite;
//      the size of its latest snapshot, and a repeated authorize of one of its oldest usages;
//   2. start-up on a store of 100,000 accounts (~3.1 events each): a first start on the event store
//      alone (events.sqlite with its subscription checkpoints cleared and no read-model files, as a
//      store restored from a backup or written by an importer: every subscription catches up from
//      the start) and a later start on the directory that start left; spawn to /health, spawn to
//      the first balance answer, spawn to caught up (every subscription checkpoint at the last event);
//   3. `npm run projections:rebuild` on that store beside reading and parsing the same events.
// Each repetition runs every measurement and its baseline back to back.
//
// The two stores take a while to make over HTTP (about 10 min for 100,000 accounts on 2 cores), so
// they are made once and kept in a cache directory: $CREDITFLOW_BENCH_CACHE, else
// <os tmpdir>/creditflow-bench-cache (delete it, or pass --rebuild-cache, after a store format
// change). Every run works on copies in a temporary directory, deleted at the end.
//
//   npm run bench:cold-start [-- --reps 3 --histories 1000,10000,100000 --accounts 100000
//                                --rebuild-cache --record --note "..."]
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT, REPS, boolFlag, listFlag, log, machine, numberFlag, progress, range, report, round, run, sleep } from './lib/common';
import { authorizeBody, callOk, destroyAgents, pool } from './lib/http-load';
import { KEYS, Proc, startPlatform } from './lib/processes';

const HISTORIES = listFlag('histories', [1000, 10_000, 100_000]);
const ACCOUNTS = numberFlag('accounts', 100_000);
const CACHE = process.env.CREDITFLOW_BENCH_CACHE || join(tmpdir(), 'creditflow-bench-cache');
/** Bump when the way the stores are made changes. */
const STORE_VERSION = 2; // 2: the warm-up account has 600 events (a snapshot to restore)

let dir = '';
const running = new Set<Proc>();

async function platformOn(dataDir: string, label: string, { logFile = join(dir || CACHE, 'platform.log'), healthPath = '/health' as '/health' | '/health/live' } = {}): Promise<Proc> {
  const p = await startPlatform({ dataDir, logFile, healthPath, onWait: (ms) => progress(`${label}: starting the platform (${(ms / 1000).toFixed(1)} s)`) });
  running.add(p);
  return p;
}

async function stopPlatform(p: Proc): Promise<void> {
  await p.stop(120_000);
  running.delete(p);
}

function countEvents(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return Number((db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n);
  } finally {
    db.close();
  }
}

/** Runs `make` into <cache>/<name>/data once; later runs reuse it (meta.json marks a finished store). */
async function cached(name: string, make: (dataDir: string) => Promise<Record<string, unknown>>): Promise<{ dataDir: string; meta: any }> {
  const home = join(CACHE, name);
  const metaFile = join(home, 'meta.json');
  if (existsSync(metaFile) && !boolFlag('rebuild-cache')) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    log(`reusing the store ${home} (${meta.events} events, made ${meta.made})`);
    return { dataDir: join(home, 'data'), meta };
  }
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  const started = performance.now();
  const extra = await make(join(home, 'data'));
  const meta = { ...extra, events: countEvents(join(home, 'data', 'events.sqlite')), made: new Date().toISOString(), minutes: round((performance.now() - started) / 60_000, 1), version: STORE_VERSION };
  writeFileSync(metaFile, JSON.stringify(meta, null, 2) + '\n');
  log(`made the store ${home}: ${meta.events} events in ${meta.minutes} min`);
  return { dataDir: join(home, 'data'), meta };
}

function eta(done: number, total: number, started: number): string {
  const rate = done / ((performance.now() - started) / 1000);
  return `${rate.toFixed(0)}/s, ${rate > 0 ? ((total - done) / rate / 60).toFixed(1) : '?'} min left`;
}

/** One account per size with about that many events (open, purchases, authorize+complete pairs), and a warm-up account with a snapshot. */
async function makeHistories(dataDir: string) {
  const p = await platformOn(dataDir, 'making the history store', { logFile: join(dataDir, '..', 'platform.log') });
  try {
    const plan: { accountId: string; purchases: number; pairs: number }[] = HISTORIES.map((events) => {
      const pairs = Math.max(0, Math.floor((events - 1) / 2));
      const purchases = Math.max(1, Math.ceil((pairs * 1.75) / 50_000));
      return { accountId: `history-${events}`, purchases, pairs: Math.max(0, Math.floor((events - 1 - purchases) / 2)) };
    });
    plan.push({ accountId: 'warm-up', purchases: 1, pairs: 300 });
    for (const a of plan) {
      await callOk(p.url, 'PUT', `/v1/accounts/${a.accountId}`, KEYS.admin, { type: 'personal' });
      for (let i = 0; i < a.purchases; i++) await callOk(p.url, 'POST', '/v1/purchases', KEYS.admin, { purchaseId: `${a.accountId}-p${i}`, accountId: a.accountId, packageId: 'premium', amountPaid: '500', currency: 'CNY' });
    }
    const tasks = plan.flatMap((a) => Array.from({ length: a.pairs }, (_, i) => ({ accountId: a.accountId, usageId: `${a.accountId}-u${i}` })));
    const started = performance.now();
    await pool(tasks.length, 32, async (i) => {
      const { accountId, usageId } = tasks[i];
      await callOk(p.url, 'POST', '/v1/usage/authorize', KEYS.service, authorizeBody(usageId, accountId));
      await callOk(p.url, 'POST', `/v1/usage/${usageId}/complete`, KEYS.service);
    }, (done) => progress(`making the history store: ${done}/${tasks.length} authorize+complete pairs (${eta(done, tasks.length, started)})`));
    return { accounts: plan.map((a) => ({ accountId: a.accountId, events: 1 + a.purchases + 2 * a.pairs })) };
  } finally {
    await stopPlatform(p);
  }
}

/** ACCOUNTS accounts: each opened and funded (premium), and 11 in 20 with one authorize+complete pair: ~3.1 events each. */
async function makeAccounts(dataDir: string) {
  const p = await platformOn(dataDir, 'making the 100k-account store', { logFile: join(dataDir, '..', 'platform.log') });
  try {
    const started = performance.now();
    await pool(ACCOUNTS, 64, async (i) => {
      const accountId = `acc-${i}`;
      await callOk(p.url, 'PUT', `/v1/accounts/${accountId}`, KEYS.admin, { type: 'personal' });
      await callOk(p.url, 'POST', '/v1/purchases', KEYS.admin, { purchaseId: `${accountId}-p0`, accountId, packageId: 'premium', amountPaid: '500', currency: 'CNY' });
      if (i % 20 < 11) {
        const usageId = `${accountId}-u0`;
        await callOk(p.url, 'POST', '/v1/usage/authorize', KEYS.service, authorizeBody(usageId, accountId));
        await callOk(p.url, 'POST', `/v1/usage/${usageId}/complete`, KEYS.service);
      }
    }, (done) => progress(`making the ${ACCOUNTS}-account store: ${done}/${ACCOUNTS} accounts (${eta(done, ACCOUNTS, started)})`));
    return { accounts: ACCOUNTS };
  } finally {
    await stopPlatform(p);
  }
}

/** A copy of a store's directory (SQLite files with their WAL), or of the event store alone. */
function copyStore(from: string, to: string, eventsOnly: boolean): void {
  mkdirSync(to, { recursive: true });
  for (const file of readdirSync(from)) {
    if (eventsOnly && !file.startsWith('events.sqlite')) continue;
    copyFileSync(join(from, file), join(to, file));
  }
  if (eventsOnly) {
    const db = new Database(join(to, 'events.sqlite'));
    db.prepare('DELETE FROM checkpoints').run();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  }
}

/** Reads and parses (JSON.parse of data and metadata) the events of one stream, or all of them. */
function readAndParse(file: string, stream?: string): { events: number; ms: number } {
  const started = performance.now();
  const db = new Database(file, { readonly: true });
  let events = 0;
  try {
    const rows = stream
      ? db.prepare('SELECT position, stream, revision, id, type, data, metadata, recorded_at FROM events WHERE stream = ? ORDER BY revision').iterate(stream)
      : db.prepare('SELECT position, stream, revision, id, type, data, metadata, recorded_at FROM events ORDER BY position').iterate();
    for (const row of rows as Iterable<{ data: string; metadata: string }>) {
      JSON.parse(row.data);
      JSON.parse(row.metadata);
      events++;
      if (!stream && events % 50_000 === 0) progress(`reading and parsing every event: ${events}`);
    }
  } finally {
    db.close();
  }
  return { events, ms: performance.now() - started };
}

/** The size of the stream's latest snapshot (what a cold load reads before the tail); null without one. */
function latestSnapshotBytes(file: string, stream: string): number | null {
  const db = new Database(file, { readonly: true });
  try {
    const row = db.prepare('SELECT length(data) AS bytes FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1').get(`snapshot-${stream}`) as { bytes: number } | undefined;
    return row?.bytes ?? null;
  } finally {
    db.close();
  }
}

async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await f();
  return { ms: performance.now() - t, value };
}

/** The category of events each catch-up subscription with a checkpoint in events.sqlite reads (by its id's prefix). */
const SUBSCRIPTION_CATEGORIES: [prefix: string, category: string][] = [
  ['wallet-', 'wallet'], ['refund-', 'refund'], ['scheduler-dailyreset-', 'dailyreset'], ['scheduler-', 'subscription'],
];

/**
 * Until every subscription checkpoint has reached the last event of its category as the store held it
 * before the start (or `limitMs`). A subscription of a category with no events never moves, and is caught up.
 */
async function caughtUp(file: string, since: number, limitMs = 900_000): Promise<number | null> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const lastOf = new Map<string, number>();
    for (const [, category] of SUBSCRIPTION_CATEGORIES) {
      const row = db.prepare("SELECT max(position) AS p FROM events WHERE stream >= ? AND stream < ?").get(`${category}-`, `${category}.`) as { p: number | null };
      lastOf.set(category, Number(row.p ?? 0));
    }
    const targetOf = (id: string) => {
      const known = SUBSCRIPTION_CATEGORIES.find(([prefix]) => id.startsWith(prefix));
      if (!known) throw new Error(`subscription ${id}: which category it reads is unknown to the bench (SUBSCRIPTION_CATEGORIES)`);
      return lastOf.get(known[1])!;
    };
    // The ops projections keep their position in their own file, written with each batch.
    const opsFile = join(dirname(file), 'ops-projections.sqlite');
    const opsPosition = () => {
      if (!existsSync(opsFile)) return 0;
      const ops = new Database(opsFile, { readonly: true });
      try {
        return Number((ops.prepare('SELECT value FROM position WHERE id = 1').get() as { value: number } | undefined)?.value ?? 0);
      } catch {
        return 0; // not created yet
      } finally {
        ops.close();
      }
    };
    while (performance.now() - since < limitMs) {
      const rows = db.prepare('SELECT subscription_id, position FROM checkpoints').all() as { subscription_id: string; position: number }[];
      rows.push({ subscription_id: 'wallet-ops-projections', position: opsPosition() });
      const behind = rows.filter((r) => Number(r.position) < targetOf(r.subscription_id));
      progress(`first start: catching up, ${rows.length - behind.length}/${rows.length} subscriptions at their category's last event (${rows.map((r) => `${r.subscription_id} ${r.position}/${targetOf(r.subscription_id)}`).join(', ')})`);
      if (rows.length && behind.length === 0) return performance.now() - since;
      await sleep(200);
    }
    return null;
  } finally {
    db.close();
  }
}

/** Until /health/ready answers 200 (store, bus and read models within their bound); ms since `since`. */
async function ready(url: string, since: number, limitMs = 900_000): Promise<number | null> {
  while (performance.now() - since < limitMs) {
    const answer = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(10_000) }).catch(() => null);
    if (answer?.ok) return performance.now() - since;
    await sleep(200);
  }
  return null;
}

/**
 * Spawn to serving (/health/live), to the first balance answer, to ready (/health/ready: read models
 * within their bound) and, on a first start, to caught up (every subscription at its last event).
 */
async function startup(dataDir: string, account: string, label: string, waitCatchUp: boolean) {
  const spawned = performance.now();
  const p = await platformOn(dataDir, label, { healthPath: '/health/live' });
  const first = await timed(() => callOk(p.url, 'GET', `/v1/accounts/${account}/balance`, KEYS.admin));
  const firstAnswerMs = performance.now() - spawned;
  const readyMs = await ready(p.url, spawned);
  const catchUpMs = waitCatchUp ? await caughtUp(join(dataDir, 'events.sqlite'), spawned) : null;
  await stopPlatform(p);
  return {
    liveMs: round(p.readyMs, 0), firstBalanceMs: round(first.ms, 1), spawnToFirstAnswerMs: round(firstAnswerMs, 0),
    spawnToReadyMs: readyMs === null ? null : round(readyMs, 0), spawnToCaughtUpMs: catchUpMs === null ? null : round(catchUpMs, 0),
  };
}

function rebuild(dataDir: string): Promise<{ wallMs: number; events: number; reportedSeconds: number }> {
  rmSync(join(dataDir, 'ops-projections.rebuilt.sqlite'), { force: true });
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('npm', ['run', '--silent', 'projections:rebuild'], { cwd: REPO_ROOT, env: { ...process.env, CREDITFLOW_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const last = out.split('\r').pop()!.trim();
      if (last) progress(`projections:rebuild: ${last}`);
    });
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => {
      const match = /rebuilt from ([\d,]+) wallet events in ([\d.]+)s/.exec(out);
      if (code !== 0 || !match) return reject(new Error(`projections:rebuild failed (${code}): ${out.slice(-2000)}`));
      resolve({ wallMs: performance.now() - started, events: Number(match[1].replace(/,/g, '')), reportedSeconds: Number(match[2]) });
    });
  });
}

async function main() {
  const m = machine();
  const histories = await cached(`histories-v${STORE_VERSION}-${HISTORIES.join('-')}`, makeHistories);
  const accounts = await cached(`accounts-v${STORE_VERSION}-${ACCOUNTS}`, makeAccounts);
  dir = mkdtempSync(join(tmpdir(), 'creditflow-bench-cold-'));
  log(`copies in ${dir}; ${REPS} repetitions`);

  const historyDir = join(dir, 'histories');
  copyStore(histories.dataDir, historyDir, false);
  const reps: any[] = [];
  for (let rep = 1; rep <= REPS; rep++) {
    const r: any = { rep, history: {}, startup: {}, rebuild: {} };
    // 1. First answers after a restart.
    const p = await platformOn(historyDir, `rep ${rep}/${REPS} history store`);
    await callOk(p.url, 'GET', '/v1/accounts/warm-up/balance', KEYS.admin);
    for (const events of HISTORIES) {
      progress(`rep ${rep}/${REPS}: first answer for the account with ${events} events`, true);
      const cf = await timed(() => callOk(p.url, 'GET', `/v1/accounts/history-${events}/balance`, KEYS.admin));
      const again = await timed(() => callOk(p.url, 'GET', `/v1/accounts/history-${events}/balance`, KEYS.admin));
      // A repeat of the account's oldest usages (one per repetition): answered from the usage's record,
      // which a long account's state no longer holds (it is recalled from the history).
      const repeat = await timed(() => callOk(p.url, 'POST', '/v1/usage/authorize', KEYS.service, authorizeBody(`history-${events}-u${rep - 1}`, `history-${events}`)));
      const base = readAndParse(join(historyDir, 'events.sqlite'), `wallet-apinfer_history-${events}`);
      r.history[events] = {
        firstAnswerMs: round(cf.ms, 1), secondAnswerMs: round(again.ms, 1), repeatOfOldestUsageMs: round(repeat.ms, 1), readAndParseMs: round(base.ms, 1), events: base.events,
        snapshotBytes: latestSnapshotBytes(join(historyDir, 'events.sqlite'), `wallet-apinfer_history-${events}`),
      };
    }
    r.history.restartHealthMs = round(p.readyMs, 0);
    await stopPlatform(p);
    log(`rep ${rep} first answers: ${HISTORIES.map((e) => `${r.history[e].events} events ${r.history[e].firstAnswerMs} ms (read+parse ${r.history[e].readAndParseMs} ms)`).join('; ')}`);

    // 2. Start-up on the 100k-account store: first start on the events alone, then a later start.
    const accountsDir = join(dir, `accounts-${rep}`);
    copyStore(accounts.dataDir, accountsDir, true);
    const someAccount = `acc-${ACCOUNTS - 1}`;
    r.startup.first = await startup(accountsDir, someAccount, `rep ${rep}/${REPS} first start`, true);
    r.startup.later = await startup(accountsDir, someAccount, `rep ${rep}/${REPS} later start`, false);
    log(`rep ${rep} start-up on ${ACCOUNTS} accounts: first ${JSON.stringify(r.startup.first)}; later ${JSON.stringify(r.startup.later)}`);

    // 3. Rebuild vs read+parse, on the directory the starts left (live projection to compare with).
    const rebuildFirst = rep % 2 === 1;
    const base = () => readAndParse(join(accountsDir, 'events.sqlite'));
    let read = rebuildFirst ? null : base();
    const rebuilt = await rebuild(accountsDir);
    read ??= base();
    r.rebuild = {
      events: rebuilt.events, reportedSeconds: rebuilt.reportedSeconds, wallSeconds: round(rebuilt.wallMs / 1000, 2),
      // Its own figure (0.1 s resolution, without Node's start); the wall time when that shows 0.
      eventsPerSecond: round(rebuilt.events / (rebuilt.reportedSeconds > 0 ? rebuilt.reportedSeconds : rebuilt.wallMs / 1000), 0),
      readAndParse: { events: read.events, seconds: round(read.ms / 1000, 2), eventsPerSecond: round(read.events / (read.ms / 1000), 0) },
    };
    log(`rep ${rep} rebuild: ${r.rebuild.eventsPerSecond} events/s; read+parse ${r.rebuild.readAndParse.eventsPerSecond} events/s`);
    rmSync(accountsDir, { recursive: true, force: true });
    reps.push(r);
  }

  const summary: any = { history: {}, startup: {}, rebuild: {} };
  for (const events of HISTORIES) {
    summary.history[events] = {
      events: reps[0].history[events].events,
      creditflowFirstAnswerMs: range(reps.map((r) => r.history[events].firstAnswerMs), 1),
      readAndParseMs: range(reps.map((r) => r.history[events].readAndParseMs), 1),
      snapshotBytes: reps[0].history[events].snapshotBytes,
      repeatOfOldestUsageMs: range(reps.map((r) => r.history[events].repeatOfOldestUsageMs), 1),
      goal: events >= 100_000 ? '<= 20 ms, flat in the history' : 'flat in the history',
    };
  }
  summary.startup = {
    accounts: ACCOUNTS, events: accounts.meta.events,
    firstStartLiveMs: range(reps.map((r) => r.startup.first.liveMs)),
    firstStartFirstAnswerMs: range(reps.map((r) => r.startup.first.spawnToFirstAnswerMs)),
    firstStartReadyMs: range(reps.map((r) => r.startup.first.spawnToReadyMs)),
    firstStartCaughtUpMs: range(reps.map((r) => r.startup.first.spawnToCaughtUpMs)),
    laterStartLiveMs: range(reps.map((r) => r.startup.later.liveMs)),
    laterStartFirstAnswerMs: range(reps.map((r) => r.startup.later.spawnToFirstAnswerMs)),
    laterStartReadyMs: range(reps.map((r) => r.startup.later.spawnToReadyMs)),
    goal: 'in seconds',
  };
  const rebuildRates = reps.map((r) => r.rebuild.eventsPerSecond);
  const readRates = reps.map((r) => r.rebuild.readAndParse.eventsPerSecond);
  summary.rebuild = {
    events: reps[0].rebuild.events,
    creditflowEventsPerSecond: range(rebuildRates), readAndParseEventsPerSecond: range(readRates),
    ratio: range(rebuildRates.map((v, i) => v / readRates[i]), 2), goal: '>= 100,000 events/s',
  };
  report(`cold-start-a${ACCOUNTS}`, {
    bench: 'cold-start', date: new Date().toISOString(), machine: m,
    parameters: { reps: REPS, histories: HISTORIES, accounts: ACCOUNTS, cache: CACHE, stores: { histories: histories.meta, accounts: accounts.meta } },
    summary, reps,
  });
}

run(main, async () => {
  destroyAgents();
  await Promise.allSettled([...running].map((p) => p.stop()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// kill -9 of the embedded platform (one process: the four services, the SQLite event store and the
// SQLite bus) under concurrent HTTP load. Workers run command chains (purchase; reward grant;
// authorize then complete or fail) against funded accounts and one account drained on purpose;
// at seeded points the process is killed and started again on its data directory. Requests in
// flight lose their answers: they are sent again with the same ids once it is back. After each
// restart the load pauses, the chains in flight finish, and every account is compared with the
// ledger; then old usages are sent again, as a client retrying long after (each must answer as the
// first time and charge nothing: with few closed usages kept, their records come from the history),
// and the accounts are compared again. At the end the ops balances projection must agree too.
import { waitFor } from '@creditflow/kernel/testing';
import { join } from 'node:path';
import { API_KEYS_JSON, Context } from '../context';
import { Gate } from '../gate';
import { dropIdleSockets } from '../http';
import { HttpTarget, LedgerClient } from '../http-client';
import { Ledger } from '../ledger';
import { QUALITIES, credits, priceOf } from '../prices';
import { PlatformProcess, ProcessSpec, freePort } from '../processes';
import { ScenarioReport } from '../report';

/** The embedded platform the HTTP scenarios share: its process, where to reach it, and the ledger of what it acknowledged. */
export interface EmbeddedDeployment {
  spec: ProcessSpec;
  process: PlatformProcess;
  target: HttpTarget;
  ledger: Ledger;
  dataDir: string;
}

export async function startEmbedded(ctx: Context): Promise<EmbeddedDeployment> {
  const dataDir = join(ctx.tmp, 'embedded');
  const spec: ProcessSpec = {
    label: 'platform',
    main: 'apps/platform/src/main.ts',
    port: await freePort(),
    // No internal scheduler ticks: a daily reset of another tenant at its midnight would publish on the
    // bus during the fuzzing, whose check is that nothing at all changed.
    env: { CREDITFLOW_DATA_DIR: dataDir, CREDITFLOW_API_KEYS: API_KEYS_JSON, CREDITFLOW_SCHEDULER_INTERVAL_MS: '0' },
    logFile: join(ctx.tmp, 'platform.log'),
  };
  const process = await PlatformProcess.start(spec);
  return { spec, process, target: new HttpTarget(process.url), ledger: new Ledger(), dataDir };
}

const AMPLE_ACCOUNTS = 8;
const TIGHT_ATTEMPTS = 70; // 100 credits at 1.75: 57 fit, 13 must be denied
const WORKERS = 16;
const GRANTS = ['0.5', '1', '2.375', '5'];
/** Old usages sent again after each restart (authorize, then the step that settled it). */
const OLD_RESENT = 25;
/** The most one authorize of these scenarios can cost (ultra x3). */
const MOST = priceOf({ quality: 'ultra', quantity: 3 });

export async function embeddedKill(ctx: Context, embedded: EmbeddedDeployment): Promise<ScenarioReport> {
  const report = new ScenarioReport('embedded-kill', 'kill -9 of the embedded platform under concurrent HTTP load');
  const rng = ctx.rng.fork('embedded-kill');
  const client = new LedgerClient(embedded.target, embedded.ledger, report);
  const chains = 800 * ctx.scale;
  const kills = 5 * ctx.scale;

  const ample = Array.from({ length: AMPLE_ACCOUNTS }, (_, i) => `ek-${i}`);
  for (const accountId of ample) {
    await client.openAccount(accountId);
    await client.purchase(accountId, `ek-setup-${accountId}-1`);
    await client.purchase(accountId, `ek-setup-${accountId}-2`);
  }
  const tight = 'ek-tight';
  await client.openAccount(tight, false);
  await client.purchase(tight, 'ek-setup-tight');

  let next = 0;
  let finished = 0;
  let inFlight = 0;
  let tightAttempts = 0;
  let ids = 0;
  const gate = new Gate();

  const chain = async (n: number) => {
    const r = rng.next();
    const id = `ek-${n}-${++ids}`;
    if (n % 7 === 3 && tightAttempts < TIGHT_ATTEMPTS) {
      tightAttempts++;
      const request = { usageId: `u-${id}`, accountId: tight, feature: 'qwen-image' as const };
      if (await client.authorize(request, priceOf(request))) await client.complete(request.usageId);
      return;
    }
    const withRoom = ample.filter((a) => embedded.ledger.book(a).room >= MOST);
    if (r < 0.1 || !withRoom.length) return client.purchase(rng.pick(ample), `p-${id}`);
    if (r < 0.18) return client.grant(rng.pick(ample), `g-${id}`, rng.pick(GRANTS));
    const request = { usageId: `u-${id}`, accountId: rng.pick(withRoom), feature: 'qwen-image' as const, quality: rng.pick(QUALITIES), quantity: rng.int(1, 3) };
    if (await client.authorize(request, priceOf(request))) {
      if (rng.chance(0.7)) await client.complete(request.usageId);
      else await client.fail(request.usageId);
    }
  };

  const worker = async () => {
    while (next < chains) {
      await gate.pass();
      if (next >= chains) return;
      const n = next++;
      inFlight++;
      try {
        await chain(n);
      } finally {
        inFlight--;
        finished++;
      }
    }
  };

  /** Settled usages drawn from the whole run, sent again: the ledger checks each answer is the first one. */
  const resendOld = async () => {
    const settled = embedded.ledger.settledUsages();
    for (let i = 0; i < OLD_RESENT * ctx.scale && settled.length; i++) {
      const [fact] = settled.splice(rng.int(0, settled.length - 1), 1);
      await client.authorize(fact.request, fact.price);
      if (fact.state === 'completed') await client.complete(fact.request.usageId);
      if (fact.state === 'failed') await client.fail(fact.request.usageId);
    }
  };

  const compare = async (when: string) => {
    const found = await client.compareAll();
    report.check(`after ${when}`, found);
    report.log(`compared ${embedded.ledger.accounts.size} accounts with the ledger after ${when}: ${found.length} discrepancies`);
  };

  // Kill points: spread over the middle of the run, each moved by a seeded jitter.
  const killAt = Array.from({ length: kills }, (_, i) => Math.floor(chains * (0.15 + (0.7 * (i + rng.next() * 0.5)) / kills)));
  report.log(`${chains} command chains from ${WORKERS} workers on ${AMPLE_ACCOUNTS + 1} accounts; kill -9 after chains ${killAt.join(', ')}`);
  const workers = Array.from({ length: WORKERS }, worker);

  for (const [i, at] of killAt.entries()) {
    await waitFor(`chain ${at} to finish`, () => (finished >= at ? true : undefined), 300_000);
    const inFlightAtKill = inFlight;
    await embedded.process.kill9();
    embedded.target.down();
    dropIdleSockets();
    report.fault(`kill -9 of the embedded platform (pid ${embedded.process.pid}) with ${inFlightAtKill} chains in flight, ${report.acked} answers so far`);
    embedded.process = await PlatformProcess.start(embedded.spec);
    embedded.target.up(embedded.process.url);
    report.log(`restarted on the same data directory (pid ${embedded.process.pid}); re-sending what lost its answer`);
    // Let the chains in flight finish (their lost commands re-sent), then compare everything.
    await gate.closedWhile(async () => {
      await waitFor('the chains in flight to finish', () => (inFlight === 0 ? true : undefined), 300_000);
      await compare(`kill ${i + 1}`);
      await resendOld();
      await compare(`old usages sent again after kill ${i + 1}`);
    });
  }
  await Promise.all(workers);

  await compare('the last command');
  const book = embedded.ledger.book(tight);
  const fits = Number(100_000n / priceOf({}));
  if (book.count('denied') > 0 && book.count('completed') !== fits) {
    report.discrepancy(`account ${tight}: ${book.count('completed')} of ${tightAttempts} usages of 1.75 charged on 100 credits, exactly ${fits} fit`);
  }
  report.log(`${tight}: ${book.count('completed')} charged, ${book.count('denied')} denied, ${credits(book.available)} left`);
  report.check('ops projection', await client.compareProjections());
  return report;
}

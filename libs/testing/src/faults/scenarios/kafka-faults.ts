// Faults of distributed mode, each under a stream of usage commands on creditflow.usage.v1 (and
// purchases on creditflow.payments.v1), each checked against the ledger once every command has its
// decision:
// - kafka-wallet-kill: kill -9 of the wallet mid-stream, started again on its data;
// - kafka-pricing-kill: kill -9 of pricing mid-stream (it forwards every usage command to the wallet);
// - wallet-replicas: a second wallet process on the same data directory (one SQLite store shared by
//   two processes) in the same consumer group; one of the two killed mid-stream;
// - broker-restart: the broker stopped and started again on its data, then killed (SIGKILL) and
//   started again on its data, with the services and the suite's producer running throughout.
import { readFileSync } from 'node:fs';
import { waitFor } from '@creditflow/kernel/testing';
import { Context } from '../context';
import { Distributed } from '../distributed';
import { Gate } from '../gate';
import { LedgerClient } from '../http-client';
import { Chain, KafkaUsageFlow } from '../kafka-flow';
import { kafkaClient } from '../kafka-observer';
import { QUALITIES, UsageRequest, credits, priceOf } from '../prices';
import { PlatformProcess } from '../processes';
import { ScenarioReport } from '../report';
import { Rng } from '../rng';

const WAIT_MS = 180_000;

interface Plan {
  ample: string[];
  tight: string | null;
  chains: Chain[];
  /** Purchases sent on creditflow.payments.v1 between the usage sends. */
  kafkaPurchases: number;
}

/** Opens and funds the scenario's accounts over HTTP, and draws its chains. */
async function prepare(prefix: string, rng: Rng, client: LedgerClient, { accounts, chains, tightChains }: { accounts: number; chains: number; tightChains: number }): Promise<Plan> {
  const ample = Array.from({ length: accounts }, (_, i) => `${prefix}-${i}`);
  for (const accountId of ample) {
    await client.openAccount(accountId);
    await client.purchase(accountId, `${prefix}-setup-${accountId}`, 'standard');
  }
  let tight: string | null = null;
  if (tightChains) {
    tight = `${prefix}-tight`;
    await client.openAccount(tight, false);
    await client.purchase(tight, `${prefix}-setup-tight`);
  }
  const all: Chain[] = [];
  for (let i = 0; i < chains; i++) {
    const request: UsageRequest = { usageId: `${prefix}-u${i}`, accountId: rng.pick(ample), feature: 'qwen-image', quality: rng.pick(QUALITIES), quantity: rng.int(1, 3) };
    all.push({ request, step: rng.chance(0.7) ? 'complete' : 'fail' });
  }
  for (let i = 0; i < tightChains; i++) {
    all.splice(rng.int(0, all.length), 0, { request: { usageId: `${prefix}-t${i}`, accountId: tight!, feature: 'qwen-image' }, step: 'complete' });
  }
  return { ample, tight, chains: all, kafkaPurchases: Math.max(2, Math.round(chains / 50)) };
}

/** Produces the plan's chains in the background, with its Kafka purchases spread between the sends. */
function stream(prefix: string, rng: Rng, flow: KafkaUsageFlow, plan: Plan, gate: Gate): Promise<void> {
  let purchases = 0;
  const sends = Math.ceil(plan.chains.length / 10);
  const every = Math.max(1, Math.floor(sends / plan.kafkaPurchases));
  let send = 0;
  return flow.produce(plan.chains, {
    perSend: 10,
    everyMs: 150,
    gate,
    between: async () => {
      if (++send % every === 0 && purchases < plan.kafkaPurchases) await flow.purchase(rng.pick(plan.ample), `${prefix}-kp${purchases++}`);
    },
  });
}

/** Compares the accounts with the ledger until they agree (the wallet applies purchases on its own time) or the time is up. */
async function compareConverged(client: LedgerClient, accounts: string[], timeoutMs = 60_000): Promise<string[]> {
  let last: string[] = [];
  try {
    await waitFor('the accounts to agree with the ledger', async () => {
      last = await client.compareAll(accounts);
      return last.length ? undefined : true;
    }, timeoutMs);
    return [];
  } catch {
    return last;
  }
}

/**
 * After a fault: with the stream paused (the gate closed), every command sent so far must get its
 * decision, the decisions go into the ledger, and the accounts must agree with it.
 */
async function checkpoint(report: ScenarioReport, d: Distributed, flow: KafkaUsageFlow, plan: Plan, when: string): Promise<void> {
  report.check(`decisions ${when}`, await flow.awaitDecisions(WAIT_MS));
  report.check(`decisions ${when}`, flow.settle());
  const accounts = [...plan.ample, ...(plan.tight ? [plan.tight] : [])];
  const found = await compareConverged(new LedgerClient(d.wallet, d.ledger, report), accounts);
  report.check(`accounts ${when}`, found);
  report.log(`${flow.decided} of ${flow.commands} commands sent decided; ${accounts.length} accounts compared with the ledger ${when}: ${found.length} discrepancies`);
}

/** The end of a Kafka scenario: the last checkpoint, the drained account, the services. */
async function finish(report: ScenarioReport, d: Distributed, flow: KafkaUsageFlow, plan: Plan, killed: Set<string>): Promise<void> {
  await checkpoint(report, d, flow, plan, 'at the end');
  if (plan.tight) {
    const book = d.ledger.book(plan.tight);
    const fits = Number(100_000n / priceOf({}));
    if (book.count('denied') > 0 && book.count('completed') !== fits) report.discrepancy(`account ${plan.tight}: ${book.count('completed')} usages of 1.75 charged on 100 credits, exactly ${fits} fit`);
    report.log(`${plan.tight}: ${book.count('completed')} charged, ${book.count('denied')} denied, ${credits(book.available)} left`);
  }
  for (const dead of d.deadUnexpectedly(killed)) report.discrepancy(`${dead} died`);
}

/** Lets the stream go on for a few sends while a service is down, then returns (the caller pauses it while the service restarts). */
function sendsWhileDown(flow: KafkaUsageFlow, sends = 3): Promise<true> {
  const until = flow.sends + sends;
  return waitFor('sends while the service is down', () => (flow.sends >= until || flow.produced ? true : undefined), WAIT_MS);
}

/**
 * Mid-stream: until `share` of the plan's commands have been sent and the platform has decided some
 * since `decidedBefore` (the last checkpoint), so a fault lands while commands still arrive and are decided.
 */
function midStream(flow: KafkaUsageFlow, plan: Plan, share: number, decidedBefore: number): Promise<true> {
  const sent = Math.ceil(share * plan.chains.length * 2);
  return waitFor(
    () => `${sent} commands sent and decisions flowing (${flow.commands} sent, ${flow.decided} decided)`,
    // (A stream already over cannot get any further: then the fault comes after it, and the log says so.)
    () => ((flow.commands >= sent && flow.decided >= decidedBefore + 20) || (flow.produced && flow.decided === flow.commands) ? true : undefined),
    WAIT_MS,
  );
}

/** kill -9 of one service mid-stream, `kills` times; a new process on its data directory at once. */
async function killMidStream(ctx: Context, d: Distributed, name: string, prefix: string, victim: 'wallet' | 'pricing', tightChains: number): Promise<ScenarioReport> {
  const report = new ScenarioReport(name, `kill -9 of the ${victim} mid-stream over Kafka`);
  const rng = ctx.rng.fork(name);
  const client = new LedgerClient(d.wallet, d.ledger, report);
  const plan = await prepare(prefix, rng, client, { accounts: 6, chains: 300 * ctx.scale, tightChains });
  const flow = new KafkaUsageFlow(d, report);
  const gate = new Gate();
  const producing = stream(prefix, rng, flow, plan, gate);
  const kills = 2 * ctx.scale;
  for (let k = 0; k < kills; k++) {
    await midStream(flow, plan, (k + 0.3 + 0.5 * rng.next()) / (kills + 0.5), flow.decided);
    const label = victim === 'wallet' ? liveWallet(d) : 'pricing';
    const decided = flow.decided;
    const killed = await d.kill9(label);
    report.fault(`kill -9 of ${label} (pid ${killed.pid}) after ${decided} decisions, ${flow.commands} commands sent`);
    await sendsWhileDown(flow);
    await gate.closedWhile(async () => {
      const started = await d.startService(label, victim);
      report.log(`${label} started again on its data (pid ${started.pid}); ${flow.commands} commands sent`);
      await checkpoint(report, d, flow, plan, `after kill ${k + 1}`);
    });
  }
  await producing;
  await finish(report, d, flow, plan, new Set());
  return report;
}

function liveWallet(d: Distributed): string {
  const label = [...d.processes.entries()].find(([, p]) => p.alive && p.spec.main.includes('apps/wallet/'))?.[0];
  if (!label) throw new Error('no wallet process runs');
  return label;
}

export const walletKill = (ctx: Context, d: Distributed) => killMidStream(ctx, d, 'kafka-wallet-kill', 'kw', 'wallet', 60);
export const pricingKill = (ctx: Context, d: Distributed) => killMidStream(ctx, d, 'kafka-pricing-kill', 'kp', 'pricing', 70);

/**
 * Two wallet processes on one data directory in one consumer group. Mid-stream the second is frozen
 * (SIGSTOP) until the group has gone on without it and the first has decided commands alone, then
 * thawed (SIGCONT): a zombie with a stale batch, stale partitions and perhaps the publisher lease.
 * Later the first is killed (-9) and the second carries on alone.
 */
export async function walletReplicas(ctx: Context, d: Distributed): Promise<ScenarioReport> {
  const report = new ScenarioReport('wallet-replicas', 'two wallet replicas in one consumer group: one frozen and thawed, one killed');
  const rng = ctx.rng.fork('wallet-replicas');
  const first = liveWallet(d);
  const second = first === 'wallet' ? 'wallet-2' : 'wallet';
  const replica = await d.startService(second, 'wallet');
  report.log(`${second} started (pid ${replica.pid}) on the data directory of ${first}, in its consumer group`);
  const admin = kafkaClient(d.broker.brokers, `${d.groupPrefix}-admin`).admin();
  await admin.connect();
  let thawLater: PlatformProcess | null = null;
  const members = async () => {
    const { groups } = await admin.describeGroups([`${d.groupPrefix}-wallet`]);
    return groups[0]?.state === 'Stable' ? groups[0].members.length : -1;
  };
  try {
    await waitFor('both wallets in the consumer group', async () => ((await members()) === 2 ? true : undefined), 60_000);
    const client = new LedgerClient(d.wallet, d.ledger, report);
    const plan = await prepare('kr', rng, client, { accounts: 6, chains: 300 * ctx.scale, tightChains: 70 });
    const flow = new KafkaUsageFlow(d, report);
    const gate = new Gate();
    const producing = stream('kr', rng, flow, plan, gate);

    await midStream(flow, plan, 0.1 + 0.15 * rng.next(), 0);
    d.wallet.up(d.process(first).url); // HTTP to the one that keeps running
    const frozen = d.process(second);
    const busyBefore = lockedLines(d.process(first).spec.logFile);
    frozen.pause();
    thawLater = frozen;
    report.fault(`SIGSTOP of ${second} (pid ${frozen.pid}) after ${flow.decided} decisions, ${flow.commands} commands sent`);
    await sendsWhileDown(flow);
    await gate.closedWhile(async () => {
      // Thawed only once the group has gone on without it and the first has decided everything sent,
      // its partitions too. Unless it froze inside a write transaction of the SQLite file both share:
      // then the first cannot write ("database is locked") until it is thawed, as one file shared by
      // two processes must behave; it is thawed once the first has made no progress for a while.
      let progress = { decided: flow.decided, at: Date.now() };
      await waitFor(`the group to go on without ${second}, and ${first} to decide everything sent`, async () => {
        // Thawed for the lock, it is back in the group: then everything decided is what is left to wait for.
        if ((thawLater === null || (await members()) === 1) && flow.decided === flow.commands) return true;
        if (flow.decided !== progress.decided) progress = { decided: flow.decided, at: Date.now() };
        if (thawLater && Date.now() - progress.at > STALLED_MS && lockedLines(d.process(first).spec.logFile) > busyBefore) {
          frozen.resume();
          thawLater = null;
          report.log(`${second} froze holding the shared SQLite file's write lock (${first} logs "database is locked"): thawed after ${STALLED_MS / 1000} s without progress`);
        }
        return undefined;
      }, WAIT_MS);
      if (thawLater) {
        frozen.resume();
        thawLater = null;
        report.log(`SIGCONT of ${second} after ${flow.decided} decisions, ${first} having decided alone: it wakes up out of the group`);
      }
      await checkpoint(report, d, flow, plan, 'after the freeze');
    });

    await midStream(flow, plan, 0.5 + 0.25 * rng.next(), flow.decided);
    // Kill the first; the survivor takes its partitions, and the store publisher if it held it.
    const decided = flow.decided;
    const victim: PlatformProcess = await d.kill9(first);
    report.fault(`kill -9 of ${first} (pid ${victim.pid}) after ${decided} decisions; ${second} carries on alone`);
    await sendsWhileDown(flow);
    await gate.closedWhile(() => checkpoint(report, d, flow, plan, 'after the kill'));
    await producing;
    await finish(report, d, flow, plan, new Set([first]));
    d.processes.delete(first);
  } finally {
    thawLater?.resume(); // a failed wait must not leave it frozen for the scenarios after this one
    await admin.disconnect();
  }
  return report;
}

/** How long the first wallet may make no progress while the second is frozen before the shared file's lock is suspected. */
const STALLED_MS = 20_000;

/** Lines of a process's log that report SQLite's write lock held by another process. */
function lockedLines(logFile: string): number {
  try {
    return readFileSync(logFile, 'utf8').split('database is locked').length - 1;
  } catch {
    return 0;
  }
}

/** The broker stopped and started on its data, then killed and started on its data, under the stream. */
export async function brokerRestart(ctx: Context, d: Distributed): Promise<ScenarioReport> {
  const report = new ScenarioReport('broker-restart', 'the broker stopped and restarted on its data, then killed (-9) and restarted on it');
  const rng = ctx.rng.fork('broker-restart');
  const client = new LedgerClient(d.wallet, d.ledger, report);
  const plan = await prepare('kb', rng, client, { accounts: 6, chains: 300 * ctx.scale, tightChains: 70 });
  const flow = new KafkaUsageFlow(d, report);
  const gate = new Gate();
  const producing = stream('kb', rng, flow, plan, gate);

  // Each time the suite's producer keeps sending (its sends fail while the broker is down and are
  // sent again), and the stream pauses for the checkpoint a few sends after the broker is back.
  await midStream(flow, plan, 0.1 + 0.2 * rng.next(), 0);
  report.fault(`broker stopped (controlled shutdown) and started on its data after ${flow.decided} decisions, ${flow.commands} commands sent`);
  await Promise.all([d.broker.restart().then(() => d.observer.reconnect()), sendsWhileDown(flow)]);
  await gate.closedWhile(() => checkpoint(report, d, flow, plan, 'after the restart'));

  await midStream(flow, plan, 0.5 + 0.3 * rng.next(), flow.decided);
  report.fault(`broker killed (SIGKILL) after ${flow.decided} decisions, ${flow.commands} commands sent`);
  await d.broker.kill();
  await Promise.all([d.broker.startOnKeptData().then(() => d.observer.reconnect()), sendsWhileDown(flow)]);
  report.log('broker back on its data; the services reconnect on their own');
  await gate.closedWhile(() => checkpoint(report, d, flow, plan, 'after the kill'));
  await producing;
  await finish(report, d, flow, plan, new Set());
  return report;
}

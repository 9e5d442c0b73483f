// The fault suite (`npm run test:faults`): real processes, a real broker, real kill -9s, and an
// independent ledger of what the platform acknowledged to check every run against. See the README's
// "Fault suite" section.
//
//   npm run test:faults -- [--scale N] [--seed N] [--only name,...] [--keep] [--kafka-port P]
//
//   --scale N       multiplies load, kills and inputs (default 1: about 6 minutes on 2 cores)
//   --seed N        the seed of every random choice (default: random, printed)
//   --only a,b      only these scenarios (names as in the table)
//   --keep          keep the temporary directory (data, logs) instead of removing it (kept anyway on failure)
//   --kafka-port P  the suite's own broker (default 9292; P+1 is its controller port)
//   --deadline M    give up after M minutes (default 25), stopping everything it started
//   --closed-usages-kept N  every wallet keeps N closed usages per account (CREDITFLOW_WALLET_CLOSED_USAGES_KEPT):
//                   a small N makes most later steps recall their usage from the history
//
// Exit status: 0 when every scenario ran to its end without a discrepancy, 1 otherwise.
import 'reflect-metadata';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore } from '@creditflow/event-store';
import { TOPICS } from '@creditflow/contracts';
import { DeadLetterBus, KafkaDeadLetterBus, SqliteDeadLetterBus } from '@creditflow/ops-tools';
import { decisionMessage, readTenantTerms, reconcileStores } from '@creditflow/reconciler-service';
import { findTenantsDir } from '@creditflow/tenancy';
import { Broker } from './broker';
import { Context } from './context';
import { killAllProcesses, suiteEnv, tail } from './processes';
import { ScenarioReport, say, summaryTable } from './report';
import { Rng } from './rng';
import { embeddedKill, startEmbedded } from './scenarios/embedded-kill';
import { httpFuzz } from './scenarios/http-fuzz';
import { brokerRestart, pricingKill, walletKill, walletReplicas } from './scenarios/kafka-faults';
import { Distributed } from './distributed';
import { poison } from './scenarios/poison';

interface Options {
  deadlineMinutes: number;
  scale: number;
  seed: number;
  only: string[] | null;
  keep: boolean;
  kafkaPort: number;
  closedUsagesKept: number | null;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { deadlineMinutes: 25, scale: 1, seed: Math.floor(Math.random() * 2 ** 31), only: null, keep: false, kafkaPort: 9292, closedUsagesKept: null };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    const integer = (name: string, v: string, min: number) => {
      if (!/^\d+$/.test(v) || Number(v) < min) throw new Error(`${name} must be an integer >= ${min}, not "${v}"`);
      return Number(v);
    };
    switch (argv[i]) {
      case '--scale': options.scale = integer('--scale', value(), 1); break;
      case '--seed': options.seed = integer('--seed', value(), 0); break;
      case '--only': options.only = value().split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--keep': options.keep = true; break;
      case '--kafka-port': options.kafkaPort = integer('--kafka-port', value(), 1); break;
      case '--deadline': options.deadlineMinutes = integer('--deadline', value(), 1); break;
      case '--closed-usages-kept': options.closedUsagesKept = integer('--closed-usages-kept', value(), 1); break;
      default: throw new Error(`unknown option ${argv[i]} (see the head of libs/testing/src/faults/main.ts)`);
    }
  }
  return options;
}

/** A scenario, and the SQLite stores (wallet, refund) and bus its deployment writes, which the reconciler checks after it. */
type Scenario = { name: string; run: () => Promise<ScenarioReport>; stores: { wallet: string; refund: string; bus: () => DeadLetterBus } };

/** The independent reconciler (libs/reconciler) over what a scenario left in the stores: each discrepancy it finds is the scenario's. */
async function reconcileAfter(report: ScenarioReport, stores: Scenario['stores']): Promise<void> {
  // The decisions first: each names a wallet event recorded before it was published (see reconcileStores).
  const bus = stores.bus();
  const decisions = await bus.read(TOPICS.usageDecisions, { limit: Number.MAX_SAFE_INTEGER }).finally(() => bus.close());
  const wallet = createEventStore({ kind: 'sqlite', path: stores.wallet });
  const refund = stores.refund !== stores.wallet && existsSync(stores.refund) ? createEventStore({ kind: 'sqlite', path: stores.refund }) : undefined;
  try {
    const result = await reconcileStores({
      wallet, refund, terms: readTenantTerms(findTenantsDir()), decisions: decisions.flatMap((r) => decisionMessage(TOPICS.usageDecisions, r) ?? []),
    });
    report.check('reconciler', result.discrepancies.map((d) =>
      `[${d.kind}] ${d.tenant}/${d.account}: ${d.message} (expected ${d.expected}, found ${d.found}; ${d.evidence.map((e) => `${e.type} ${e.stream}@${e.revision}`).join(', ')})`));
    say(report.name, `reconciler: ${result.accounts} accounts, ${result.events.wallet} wallet and ${result.events.refund} refund events, ${result.events.decisions} usage decisions, ${result.discrepancies.length} discrepancies`);
  } finally {
    await refund?.close();
    await wallet.close();
  }
}

/** Stops what the suite started when it ends some other way than its own finally blocks (a signal, the deadline). */
let brokerToStop: Broker | null = null;
function emergencyStop(): void {
  killAllProcesses();
  brokerToStop?.stopNow();
  brokerToStop = null;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const tmp = mkdtempSync(join(tmpdir(), 'creditflow-faults-'));
  const ctx: Context = { rng: new Rng(options.seed), scale: options.scale, tmp };
  const deadline = setTimeout(() => {
    say('suite', `DEADLINE: still running after ${options.deadlineMinutes} minutes; stopping everything (data and logs kept in ${tmp})`);
    emergencyStop();
    process.exit(1);
  }, options.deadlineMinutes * 60_000);
  deadline.unref();
  const wanted = (name: string) => !options.only || options.only.includes(name);
  if (options.closedUsagesKept !== null) suiteEnv.CREDITFLOW_WALLET_CLOSED_USAGES_KEPT = String(options.closedUsagesKept);
  say('suite', `seed ${options.seed}, scale ${options.scale}, ${cpus().length} cores on ${hostname()}, data and logs in ${tmp}` +
    (options.closedUsagesKept !== null ? `, ${options.closedUsagesKept} closed usages kept per account` : ''));

  const reports: ScenarioReport[] = [];
  const run = async (scenario: Scenario) => {
    if (!wanted(scenario.name)) return;
    say(scenario.name, 'start');
    let report: ScenarioReport;
    try {
      report = await scenario.run();
      await reconcileAfter(report, scenario.stores);
    } catch (error) {
      report = new ScenarioReport(scenario.name, '');
      report.error = error instanceof Error ? error.stack ?? error.message : String(error);
      say(scenario.name, `ERROR ${report.error}`);
    }
    report.finish();
    reports.push(report);
    say(scenario.name, `done in ${(report.durationMs / 1000).toFixed(1)}s: ${report.discrepancies.length} discrepancies`);
  };

  try {
    if (['embedded-kill', 'http-fuzz'].some(wanted)) {
      const embedded = await startEmbedded(ctx);
      const store = join(embedded.dataDir, 'events.sqlite');
      const stores = { wallet: store, refund: store, bus: () => new SqliteDeadLetterBus(join(embedded.dataDir, 'bus.sqlite')) };
      try {
        await run({ name: 'embedded-kill', run: () => embeddedKill(ctx, embedded), stores });
        await run({ name: 'http-fuzz', run: () => httpFuzz(ctx, embedded), stores });
      } finally {
        await embedded.process.stop();
      }
    }
    const kafkaScenarios: Scenario[] = [];
    if (['kafka-wallet-kill', 'kafka-pricing-kill', 'wallet-replicas', 'broker-restart', 'poison'].some(wanted)) {
      const broker = new Broker(options.kafkaPort, (line) => say('broker', line));
      brokerToStop = broker;
      await broker.startFresh();
      let d: Distributed | null = null;
      try {
        d = await Distributed.start(ctx, broker);
        const deployment = d;
        const stores = {
          wallet: join(d.dataRoot, 'wallet', 'events.sqlite'), refund: join(d.dataRoot, 'refund', 'events.sqlite'),
          bus: () => new KafkaDeadLetterBus({ brokers: [broker.brokers], ssl: null, sasl: null, topicPartitions: null, topicReplicationFactor: null, topicMinInsyncReplicas: null, createTopics: false }),
        };
        say('distributed', `pricing, wallet, subscription-scheduler and refund running on ${broker.brokers} (group prefix ${d.groupPrefix})`);
        kafkaScenarios.push(
          { name: 'kafka-wallet-kill', run: () => walletKill(ctx, deployment), stores },
          { name: 'kafka-pricing-kill', run: () => pricingKill(ctx, deployment), stores },
          { name: 'wallet-replicas', run: () => walletReplicas(ctx, deployment), stores },
          { name: 'broker-restart', run: () => brokerRestart(ctx, deployment), stores },
          { name: 'poison', run: () => poison(ctx, deployment), stores },
        );
        for (const scenario of kafkaScenarios) await run(scenario);
      } finally {
        await d?.stop();
        await broker.stop();
        brokerToStop = null;
      }
    }
  } finally {
    killAllProcesses();
  }

  process.stdout.write(`\n${summaryTable(reports)}\n\n`);
  for (const r of reports.filter((x) => x.knownBugs.size)) {
    for (const [id, { summary, shown }] of r.knownBugs) {
      process.stdout.write(`known bug ${id} (${r.name}, not counted as a discrepancy; see known-bugs.ts): ${summary}\n${shown.map((s) => `  shown by: ${s}\n`).join('')}`);
    }
  }
  for (const r of reports.filter((x) => x.failed)) {
    process.stdout.write(`${r.name}:\n${r.error ? `  error: ${r.error}\n` : ''}${r.discrepancies.map((d) => `  - ${d}\n`).join('')}`);
  }
  const failed = reports.some((r) => r.failed) || reports.length === 0;
  const total = (pick: (r: ScenarioReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
  process.stdout.write(
    `fault suite ${failed ? 'FAILED' : 'passed'}: ${reports.length} scenarios, ${total((r) => r.faults)} faults injected, ${total((r) => r.sent)} commands/inputs sent, ` +
      `${total((r) => r.acked)} acknowledged, ${total((r) => r.resent)} re-sent, ${total((r) => r.discrepancies.length)} discrepancies, ${total((r) => r.knownBugs.size)} known bugs reproduced ` +
      `(seed ${options.seed}, scale ${options.scale})\n`,
  );
  if (failed) {
    // The processes' own words, for a CI log that is all one has.
    for (const file of readdirSync(tmp).filter((f) => f.endsWith('.log'))) process.stdout.write(`\n--- last lines of ${file} ---\n${tail(join(tmp, file), 40)}\n`);
  }
  if (options.keep || failed) say('suite', `kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
  return failed ? 1 : 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    emergencyStop();
    process.exit(130);
  });
}
process.on('exit', emergencyStop);

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    emergencyStop();
    process.exit(1);
  },
);

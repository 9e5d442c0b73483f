// Kafka: usage commands in -> decisions out through the four distributed services (each its own
// process, as `npm run start:distributed` runs them), beside a raw kafkajs consume->produce
// pass-through of the same messages on the same broker, in one run:
//   1. throughput: N authorize commands produced as fast as the producer goes; decisions/s from the
//      first send to the last decision read back (and messages/s for the pass-through);
//   2. latency at a fixed rate (500 msgs/s): p50/p99 from each message's due time to its answer.
// Each repetition runs both, back to back (order alternating).
//
// The broker: KAFKA_BROKERS if set; else scripts/kafka/kafka.sh starts one on 127.0.0.1:$KAFKA_PORT
// (default 9092; a broker kafka.sh already runs from this checkout is reused) and stops it after.
//
//   npm run bench:kafka [-- --reps 3 --messages 20000 --rate 500 --duration 10 --accounts 100
//                           --compare /path/to/other/checkout --cpu-prof <dir> --record --note "..."]
//
// `--compare <dir>`: also the four services of another checkout (say, the commit before a change,
// `git worktree add`), in the same repetitions: BEFORE beside AFTER beside the pass-through. The two
// sets use the same topics and consumer groups, so only one set runs at a time: switching stops one
// (SIGTERM: it commits and leaves its groups) and starts the other on its own data directory (its
// accounts opened and funded once), then warms it up (2,000 messages, not recorded).
// `--cpu-prof <dir>`: every service process (not the pass-through) writes its CPU profile
// (`node --cpu-prof`) into <dir>/after or <dir>/before when it stops.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Consumer, Kafka, Producer, logLevel } from 'kafkajs';
import { REPO_ROOT, REPS, log, machine, numberFlag, percentile, progress, range, report, round, run, sleep, stringFlag } from './lib/common';
import { call, destroyAgents, newUsageId, openAndFund } from './lib/http-load';
import { API_KEYS_ENV, KEYS, Proc, TENANT, freePort, spawnProcess } from './lib/processes';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const MESSAGES = numberFlag('messages', 20_000);
const RATE = numberFlag('rate', 500);
const DURATION = numberFlag('duration', 10);
const ACCOUNTS = numberFlag('accounts', 100);
/** Another checkout whose services are measured beside this one's (BEFORE vs AFTER). */
const COMPARE = stringFlag('compare', '') && resolve(stringFlag('compare', ''));
const CPU_PROFILE_DIR = stringFlag('cpu-prof', '') && resolve(stringFlag('cpu-prof', ''));
const USAGE = 'creditflow.usage.v1';
const DECISIONS = 'creditflow.usage-decisions.v1';
const PRICED = 'creditflow.priced-usage.v1';
const IN = 'bench.passthrough.in';
const OUT = 'bench.passthrough.out';

let dir = '';
let brokerStartedHere = false;

/** The four services of one checkout: AFTER (this one) or BEFORE (--compare). */
interface ServiceSet {
  label: 'creditflow' | 'before';
  checkout: string;
  procs: Proc[];
  funded: boolean;
  starts: number;
}
const sets: ServiceSet[] = [];
let passthrough: Proc | null = null;
let producer: Producer | null = null;
const consumers: Consumer[] = [];

const SERVICES = ['pricing', 'wallet', 'subscription-scheduler', 'refund'] as const;

function kafkaScript(command: 'start' | 'stop' | 'status'): number {
  try {
    execFileSync('bash', [join(REPO_ROOT, 'scripts', 'kafka', 'kafka.sh'), command], { stdio: ['ignore', 'ignore', 'inherit'] });
    return 0;
  } catch (error) {
    return (error as { status?: number }).status ?? 1;
  }
}

function ensureBroker(): string {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS;
  const running = kafkaScript('status') === 0;
  brokerStartedHere = !running;
  progress(`starting a Kafka broker on 127.0.0.1:${process.env.KAFKA_PORT ?? 9092} (scripts/kafka/kafka.sh)`, true);
  if (kafkaScript('start') !== 0) throw new Error('could not start the Kafka broker (scripts/kafka/kafka.sh start; set KAFKA_PORT if 9092 is taken)');
  return `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`;
}

/** The authorize command of README "Usage over Kafka". */
function authorize(usageId: string, accountId: string) {
  return {
    key: `${TENANT}:${accountId}`,
    value: JSON.stringify({
      specversion: '1.0', id: `authorize-${usageId}`, source: 'bench', type: 'creditflow.usage.authorize', subject: accountId,
      time: new Date().toISOString(), tenantid: TENANT, datacontenttype: 'application/json',
      data: { usageId, accountId, feature: 'qwen-image' },
    }),
  };
}

/** Arrivals on a topic, by usage id (`data.usageId` of each message). */
class Arrivals {
  private waiting = new Map<string, (at: number, type: string, time?: string) => void>();
  seen = 0;
  watch(usageId: string, f: (at: number, type: string, time?: string) => void) {
    this.waiting.set(usageId, f);
  }
  arrive(value: Buffer | null) {
    if (!value || !this.waiting.size) return;
    const message = JSON.parse(value.toString('utf8'));
    const f = this.waiting.get(message.data?.usageId);
    if (f) {
      this.waiting.delete(message.data.usageId);
      this.seen++;
      f(performance.now(), message.type, message.time);
    }
  }
}

async function readAll(kafka: Kafka, topic: string, arrivals: Arrivals): Promise<void> {
  const consumer = kafka.consumer({ groupId: `bench-reader-${topic}-${process.pid}-${Date.now()}`, maxWaitTimeInMs: 10 });
  consumers.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.run({ eachBatch: async ({ batch }) => { for (const m of batch.messages) arrivals.arrive(m.value); } });
  while (!joined) await sleep(50);
}

interface Throughput {
  messages: number;
  seconds: number;
  perSecond: number;
  types: Record<string, number>;
}

/** `n` authorizes sent in sends of 500 as fast as acks come; done when every answer is back. */
async function throughput(topic: string, arrivals: Arrivals, n: number, label: string, accounts: string[]): Promise<Throughput> {
  const types: Record<string, number> = {};
  let answered = 0;
  let last = 0;
  const ids = Array.from({ length: n }, () => newUsageId('kt'));
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  for (const id of ids) {
    arrivals.watch(id, (at, type) => {
      types[type] = (types[type] ?? 0) + 1;
      last = at;
      if (++answered === n) done();
    });
  }
  const stopTicker = setInterval(() => progress(`${label}: ${answered}/${n} answered`), 500);
  const start = performance.now();
  try {
    for (let i = 0; i < n; i += 500) {
      await producer!.send({ topic, acks: -1, messages: ids.slice(i, i + 500).map((id, j) => authorize(id, accounts[(i + j) % accounts.length])) });
    }
    await Promise.race([all, sleep(300_000).then(() => { throw new Error(`${label}: ${answered}/${n} answers after 300 s`); })]);
  } finally {
    clearInterval(stopTicker);
  }
  const seconds = (last - start) / 1000;
  return { messages: n, seconds: round(seconds, 2)!, perSecond: round(n / seconds)!, types };
}

interface Latency {
  rate: number;
  messages: number;
  p50: number;
  p99: number;
  max: number;
  /** creditflow: from the due time to the decision's `time` (when the wallet stored it; ms precision), and from then to the answer. */
  toPriced?: { p50: number; p99: number };
  toStored?: { p50: number; p99: number };
  storedToAnswer?: { p50: number; p99: number };
}

/** `rate` messages/s for `seconds`, sent every 10 ms as due; latency from due time to answer. */
async function latency(topic: string, arrivals: Arrivals, rate: number, seconds: number, label: string, accounts: string[], priced?: Arrivals): Promise<Latency> {
  const n = Math.round(rate * seconds);
  const latencies: number[] = [];
  const toStored: number[] = [];
  const toPriced: number[] = [];
  const storedToAnswer: number[] = [];
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const t0 = performance.now() + 20;
  let next = 0;
  const sends: Promise<unknown>[] = [];
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const batch: { key: string; value: string }[] = [];
      while (next < n && t0 + (next * 1000) / rate <= now) {
        const due = t0 + (next * 1000) / rate;
        const id = newUsageId('kl');
        priced?.watch(id, (at) => toPriced.push(at - due));
        arrivals.watch(id, (at, _type, time) => {
          latencies.push(at - due);
          if (time && topic === USAGE) {
            const stored = Date.parse(time) - performance.timeOrigin;
            toStored.push(stored - due);
            storedToAnswer.push(at - stored);
          }
          if (latencies.length === n) done();
        });
        batch.push(authorize(id, accounts[next % accounts.length]));
        next++;
      }
      if (batch.length) sends.push(producer!.send({ topic, acks: -1, messages: batch }));
      progress(`${label}: ${rate} msgs/s, ${latencies.length}/${next} answered`);
      if (next < n) setTimeout(tick, 10 - ((performance.now() - t0) % 10));
      else resolve();
    };
    setTimeout(tick, 20);
  });
  await Promise.all(sends);
  await Promise.race([all, sleep(120_000).then(() => { throw new Error(`${label}: ${latencies.length}/${n} answers after 120 s`); })]);
  latencies.sort((a, b) => a - b);
  const split = (xs: number[]) => (xs.sort((a, b) => a - b), { p50: round(percentile(xs, 50), 1)!, p99: round(percentile(xs, 99), 1)! });
  return {
    rate, messages: n, p50: round(percentile(latencies, 50), 1)!, p99: round(percentile(latencies, 99), 1)!, max: round(latencies[latencies.length - 1], 1)!,
    ...(toPriced.length ? { toPriced: split(toPriced) } : {}),
    ...(toStored.length ? { toStored: split(toStored), storedToAnswer: split(storedToAnswer) } : {}),
  };
}

/** The wallet's store appends so far (its /metrics): how many store calls, with how many events. */
async function walletAppends(wallet: Proc): Promise<{ calls: number; events: number }> {
  const { body } = await call(wallet.url, 'GET', '/metrics', KEYS.ops);
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(body)?.[1] ?? NaN);
  return { calls: value('creditflow_store_append_batch_events_count'), events: value('creditflow_store_append_batch_events_sum') };
}

/** A set's flat-out run with what its wallet spent on it: CPU ms and store appends per decision. */
async function measuredThroughput(set: ServiceSet, run: () => Promise<Throughput>) {
  const wallet = set.procs[1];
  const cpu0 = set.procs.map((p) => p.cpuSeconds());
  const appends0 = await walletAppends(wallet);
  const result = await run();
  const cpu1 = set.procs.map((p) => p.cpuSeconds());
  const appends1 = await walletAppends(wallet);
  const cpuMsPerDecision = Object.fromEntries(SERVICES.map((name, i) => [name, round(((cpu1[i] - cpu0[i]) * 1000) / result.messages, 3)]));
  return {
    ...result,
    cpuMsPerDecision,
    walletStoreAppendsPerDecision: round((appends1.calls - appends0.calls) / result.messages, 3),
    walletEventsPerAppend: round((appends1.events - appends0.events) / (appends1.calls - appends0.calls), 1),
    /** What the wallet process holds after it (its states grew with the usages before they were bounded). */
    walletRssMiB: round(wallet.rssMiB(), 0),
  };
}

async function startSet(set: ServiceSet, brokers: string): Promise<void> {
  set.starts++;
  const profileDir = CPU_PROFILE_DIR ? join(CPU_PROFILE_DIR, set.label === 'creditflow' ? 'after' : 'before') : '';
  // Started one after another: four processes compiling at once on two cores take longer than in turn.
  for (const name of SERVICES) {
    const port = await freePort();
    set.procs.push(await spawnProcess({
      args: [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), '-r', '@swc-node/register', join('apps', name, 'src', 'main.ts')],
      env: {
        KAFKA_BROKERS: brokers, CREDITFLOW_DATA_DIR: join(dir, set.label, 'services'), PORT: String(port), CREDITFLOW_API_KEYS: API_KEYS_ENV,
        CREDITFLOW_SCHEDULER_INTERVAL_MS: '0', CREDITFLOW_CREATE_TOPICS: 'true',
      },
      healthPath: '/health', port, logFile: join(dir, `${set.label}-${name}.log`), cwd: set.checkout,
      onWait: (ms) => progress(`${set.label}: starting ${name} (${(ms / 1000).toFixed(1)} s)`),
    }));
  }
  log(`${set.label} (${set.checkout}): services ${set.procs.map((p) => p.pid).join(', ')} started (start ${set.starts})`);
}

async function stopSet(set: ServiceSet): Promise<void> {
  const procs = set.procs.splice(0);
  await Promise.allSettled(procs.map((p) => p.stop()));
}

async function main() {
  const m = machine();
  dir = mkdtempSync(join(tmpdir(), 'creditflow-bench-kafka-'));
  const brokers = ensureBroker();
  const kafka = new Kafka({ clientId: 'bench', brokers: brokers.split(','), logLevel: logLevel.WARN });
  const admin = kafka.admin();
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  const wanted = [USAGE, PRICED, DECISIONS, IN, OUT].filter((t) => !existing.has(t));
  // The services create their topics with 3 partitions; the pass-through's topics get the same.
  if (wanted.length) await admin.createTopics({ waitForLeaders: true, topics: wanted.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })) });
  await admin.disconnect();
  log(`broker ${brokers}; data in ${dir}; ${REPS} repetitions: ${MESSAGES} messages flat out, ${RATE} msgs/s for ${DURATION} s`);

  const ptPort = await freePort();
  passthrough = await spawnProcess({
    args: ['-r', '@swc-node/register', join('bench', 'baselines', 'kafka-passthrough.ts')],
    env: { KAFKA_BROKERS: brokers, IN, OUT, PORT: String(ptPort), GROUP: `bench-passthrough-${process.pid}` },
    healthPath: '/health', port: ptPort, logFile: join(dir, 'passthrough.log'),
    onWait: (ms) => progress(`starting the pass-through (${(ms / 1000).toFixed(1)} s)`),
  });
  log(`pass-through ${passthrough.pid} started`);

  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `kafka-${i}`);
  const purchases = Math.max(1, Math.ceil(((MESSAGES + RATE * DURATION) * (REPS + 1) * 1.75) / ACCOUNTS / 50_000));
  producer = kafka.producer();
  await producer.connect();
  const decisions = new Arrivals();
  const echoes = new Arrivals();
  await readAll(kafka, DECISIONS, decisions);
  await readAll(kafka, OUT, echoes);
  // Where a creditflow answer's time goes: the priced usage pricing forwards, read as it arrives.
  const pricedUsage = new Arrivals();
  await readAll(kafka, PRICED, pricedUsage);

  sets.push({ label: 'creditflow', checkout: REPO_ROOT, procs: [], funded: false, starts: 0 });
  if (COMPARE) sets.push({ label: 'before', checkout: COMPARE, procs: [], funded: false, starts: 0 });
  /** Makes `set` the one running (stopping the other), funded and warmed up. */
  const up = async (set: ServiceSet) => {
    if (set.procs.length) return;
    for (const other of sets) if (other !== set && other.procs.length) await stopSet(other);
    await startSet(set, brokers);
    const wallet = set.procs[1];
    if (!set.funded) {
      await openAndFund(wallet.url, accounts, purchases, (n) => progress(`${set.label}: opening and funding ${n}/${ACCOUNTS} accounts on the wallet`));
      set.funded = true;
    }
    log(`${set.label}: warming up (2,000 messages, not recorded)`);
    await throughput(USAGE, decisions, 2000, `warm-up ${set.label}`, accounts);
  };
  await up(sets[0]);
  log('warming up the pass-through (2,000 messages, not recorded)');
  await throughput(IN, echoes, 2000, 'warm-up pass-through', accounts);

  const reps: any[] = [];
  for (let rep = 1; rep <= REPS; rep++) {
    const baselineFirst = rep % 2 === 0;
    // creditflow, BEFORE (if any), then the pass-through; reversed on even repetitions. Throughput and
    // latency of a set are measured back to back, so a set is started at most once per repetition.
    const order = [...sets, null];
    if (baselineFirst) order.reverse();
    const t: any = {};
    const l: any = {};
    for (const set of order) {
      if (set) {
        await up(set);
        t[set.label] = await measuredThroughput(set, () => throughput(USAGE, decisions, MESSAGES, `rep ${rep}/${REPS} ${set.label} flat out`, accounts));
        log(`${set.label}: CPU ms per decision ${JSON.stringify(t[set.label].cpuMsPerDecision)}; wallet store appends per decision ${t[set.label].walletStoreAppendsPerDecision} (${t[set.label].walletEventsPerAppend} events each)`);
        l[set.label] = await latency(USAGE, decisions, RATE, DURATION, `rep ${rep}/${REPS} ${set.label}`, accounts, pricedUsage);
      } else {
        const cpu0 = passthrough!.cpuSeconds();
        t.baseline = await throughput(IN, echoes, MESSAGES, `rep ${rep}/${REPS} pass-through flat out`, accounts);
        t.baseline.cpuMsPerMessage = round(((passthrough!.cpuSeconds() - cpu0) * 1000) / MESSAGES, 3);
        l.baseline = await latency(IN, echoes, RATE, DURATION, `rep ${rep}/${REPS} pass-through`, accounts);
      }
    }
    log(`rep ${rep}: creditflow ${t.creditflow.perSecond} decisions/s ${JSON.stringify(t.creditflow.types)}${t.before ? `, before ${t.before.perSecond} ${JSON.stringify(t.before.types)}` : ''}, pass-through ${t.baseline.perSecond} msgs/s`);
    log(`rep ${rep} at ${RATE}/s: creditflow p50 ${l.creditflow.p50} p99 ${l.creditflow.p99} ms (to pricing's output p50 ${l.creditflow.toPriced?.p50}, to stored p50 ${l.creditflow.toStored?.p50}, stored to answer p50 ${l.creditflow.storedToAnswer?.p50})${l.before ? `, before p50 ${l.before.p50} p99 ${l.before.p99} ms` : ''}, pass-through p50 ${l.baseline.p50} p99 ${l.baseline.p99} ms`);
    reps.push({ rep, order: order.map((o) => o?.label ?? 'baseline').join(', '), throughput: t, latency: l });
  }

  const cf = reps.map((r) => r.throughput.creditflow.perSecond);
  const pt = reps.map((r) => r.throughput.baseline.perSecond);
  const cfP99 = reps.map((r) => r.latency.creditflow.p99);
  const ptP99 = reps.map((r) => r.latency.baseline.p99);
  const summary: any = {
    throughput: {
      creditflowDecisionsPerSecond: range(cf), passthroughMessagesPerSecond: range(pt),
      ratio: range(cf.map((v, i) => v / pt[i]), 3), goal: '>= 0.5',
    },
    latency: {
      rate: RATE,
      creditflowP50Ms: range(reps.map((r) => r.latency.creditflow.p50)), creditflowP99Ms: range(cfP99),
      passthroughP50Ms: range(reps.map((r) => r.latency.baseline.p50)), passthroughP99Ms: range(ptP99),
      p99Ratio: range(cfP99.map((v, i) => v / ptP99[i]), 1), goal: 'p99 <= 3x the pass-through p99',
    },
  };
  if (COMPARE) {
    const bf = reps.map((r) => r.throughput.before.perSecond);
    const bfP99 = reps.map((r) => r.latency.before.p99);
    summary.compare = {
      checkout: COMPARE,
      beforeDecisionsPerSecond: range(bf),
      beforeOverPassthrough: range(bf.map((v, i) => v / pt[i]), 3),
      afterOverBefore: range(cf.map((v, i) => v / bf[i]), 2),
      beforeP50Ms: range(reps.map((r) => r.latency.before.p50)), beforeP99Ms: range(bfP99),
      p99AfterOverBefore: range(cfP99.map((v, i) => v / bfP99[i]), 2),
    };
  }
  report(`kafka-m${MESSAGES}-r${RATE}${COMPARE ? '-compare' : ''}`, {
    bench: 'kafka', date: new Date().toISOString(), machine: m,
    parameters: {
      reps: REPS, messages: MESSAGES, rate: RATE, durationSeconds: DURATION, accounts: ACCOUNTS, brokers, partitions: 3,
      services: 'pricing, wallet, subscription-scheduler, refund: one process each, wallet on SQLite', ...(COMPARE ? { compare: COMPARE } : {}),
    },
    summary, reps,
  });
}

run(main, async () => {
  destroyAgents();
  await Promise.allSettled(consumers.map((c) => c.disconnect()));
  await producer?.disconnect().catch(() => undefined);
  await Promise.allSettled([...sets.map((set) => stopSet(set)), passthrough?.stop()]);
  if (brokerStartedHere) kafkaScript('stop');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Distributed mode as the Kafka scenarios run it: the suite's own broker, the four services as
// processes (as `npm run start:distributed` runs them) on one data root and one consumer-group
// prefix, wallet replicas on the wallet's data directory, an observer of the decision and
// dead-letter topics, and a producer.
import { ALL_TOPICS, TOPICS } from '@creditflow/contracts';
import { join } from 'node:path';
import type { ServiceName } from '@creditflow/shell';
import { Broker } from './broker';
import { API_KEYS_JSON, Context } from './context';
import { HttpTarget } from './http-client';
import { KafkaObserver, SuiteProducer, kafkaClient } from './kafka-observer';
import { Ledger } from './ledger';
import { PlatformProcess, ProcessSpec, freePort } from './processes';


/** The topics the observer keeps: the decisions, the wallet's events (the poison scenario repeats one) and every dead-letter topic. */
export const OBSERVED_TOPICS = [TOPICS.usageDecisions, TOPICS.walletEvents, ...ALL_TOPICS.filter((t) => t.endsWith('.dlq'))];

export class Distributed {
  /** Running processes by label: pricing, wallet, subscription-scheduler, refund, wallet-2... */
  readonly processes = new Map<string, PlatformProcess>();
  private readonly specs = new Map<string, ProcessSpec>();
  /** Where the wallet's HTTP contract is served: the wallet, or the replica that survived it. */
  readonly wallet: HttpTarget;
  readonly observer: KafkaObserver;
  readonly producer: SuiteProducer;
  /** One ledger for every Kafka scenario: the last check compares all their accounts again. */
  readonly ledger = new Ledger();

  private constructor(readonly broker: Broker, readonly groupPrefix: string, readonly dataRoot: string, private readonly logDir: string) {
    this.wallet = new HttpTarget('http://127.0.0.1:0');
    const kafka = kafkaClient(broker.brokers, `${groupPrefix}-suite`);
    this.observer = new KafkaObserver(kafka, groupPrefix, OBSERVED_TOPICS);
    this.producer = new SuiteProducer(kafka);
  }

  static async start(ctx: Context, broker: Broker): Promise<Distributed> {
    const d = new Distributed(broker, `faults-${ctx.rng.seed}-${Date.now().toString(36)}`, join(ctx.tmp, 'distributed'), ctx.tmp);
    // The wallet first: it creates the topics (and their dead-letter topics) the others join.
    await d.startService('wallet', 'wallet');
    await Promise.all((['pricing', 'subscription-scheduler', 'refund'] as const).map((s) => d.startService(s, s)));
    await d.observer.start();
    return d;
  }

  /** Starts `service` as process `label` (a replica shares the service's data directory and group). */
  async startService(label: string, service: ServiceName): Promise<PlatformProcess> {
    let spec = this.specs.get(label);
    if (!spec) {
      spec = {
        label,
        main: `apps/${service}/src/main.ts`,
        port: await freePort(),
        env: {
          KAFKA_BROKERS: this.broker.brokers,
          CREDITFLOW_DATA_DIR: this.dataRoot,
          CREDITFLOW_API_KEYS: API_KEYS_JSON,
          CREDITFLOW_GROUP_PREFIX: this.groupPrefix,
          CREDITFLOW_CREATE_TOPICS: 'true', // the suite's own broker, as a developer's: services create missing topics
        },
        logFile: join(this.logDir, `${label}.log`),
      };
      this.specs.set(label, spec);
    }
    const proc = await PlatformProcess.start(spec);
    this.processes.set(label, proc);
    if (service === 'wallet') this.wallet.up(proc.url);
    return proc;
  }

  process(label: string): PlatformProcess {
    const p = this.processes.get(label);
    if (!p) throw new Error(`no process ${label}`);
    return p;
  }

  /** kill -9 of process `label`; if it served the wallet's HTTP, another wallet replica takes over (or none until a restart). */
  async kill9(label: string): Promise<PlatformProcess> {
    const p = this.process(label);
    await p.kill9();
    if (this.wallet.url === p.url) {
      const other = [...this.processes.values()].find((q) => q.alive && q.spec.main.includes('apps/wallet/'));
      if (other) this.wallet.up(other.url);
      else this.wallet.down();
    }
    return p;
  }

  /** The processes that died without being told to (a service must survive every fault here). */
  deadUnexpectedly(killed: Set<string>): string[] {
    return [...this.processes.entries()].filter(([label, p]) => !p.alive && !killed.has(label)).map(([label, p]) => `${label} (${p.ending}; see ${p.spec.logFile})`);
  }

  async stop(): Promise<void> {
    await this.observer.stop();
    await this.producer.stop();
    await Promise.all([...this.processes.values()].map((p) => p.stop()));
  }
}

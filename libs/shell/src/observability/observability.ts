// One per application (the runtime makes it; CoreModule provides it): the service's root logger, its
// metrics, and what readiness and the scrape-time gauges look at: the consumers the bus transports
// run, the read models that registered their progress, the store and the bus. Contexts inject it to
// count what they record (`onAppended`) and to register a read model's progress.
import type { EventData, EventStore } from '@creditflow/event-store';
import type { ConsumerStatus, MessageBus } from '@creditflow/messaging';
import { withTimeout } from '@creditflow/messaging';
import pino, { Logger } from 'pino';
import { PlatformMetrics } from './metrics';

/** A consumer group this application runs (registered by its bus transport). */
export interface ObservedConsumer {
  groupId: string;
  topics: string[];
  /** Null before it started and after it stopped. */
  status(): ConsumerStatus | null;
}

/** A read model folded from the store: how far it got. */
export interface ReadModelProgress {
  name: string;
  /** The store category it reads. */
  category: string;
  /** The store position of the last event it applied (0n: none). */
  position(): bigint | Promise<bigint>;
}

/** What one store call appended (as stored: metadata with its trace), for counting and decision logs. */
export interface AppendedStream {
  streamName: string;
  events: readonly EventData[];
}

export type AppendListener = (appended: readonly AppendedStream[]) => void;

export interface ProjectionLag {
  projection: string;
  /** Events not applied yet, counted up to `bound + 1`. */
  events: number;
  /** Age of the oldest of them; 0 when caught up. */
  seconds: number;
  bound: number;
}

/** How long a readiness check may take before it counts as failed. */
const CHECK_TIMEOUT_MS = 3_000;
/** Lags are computed at most this often (a scrape and a probe in the same second share one). */
const LAG_CACHE_MS = 1_000;

export class Observability {
  readonly consumers = new Set<ObservedConsumer>();
  private readonly readModels = new Map<string, ReadModelProgress>();
  private readonly appendListeners = new Map<string, Set<AppendListener>>();
  private lagCache: { at: number; lags: Promise<ProjectionLag[]> } | null = null;
  private heldCreditsSource: () => { tenant: string; credits: number; accounts: number }[] = () => [];
  private store: EventStore | null = null;
  private bus: MessageBus | null = null;
  /** The last readiness answered, to log each change once (probes ask every few seconds). */
  private lastReady: boolean | null = null;

  constructor(
    readonly service: string,
    readonly logger: Logger,
    readonly metrics: PlatformMetrics,
    /** A read model more than this many events behind makes the application not ready. */
    readonly maxProjectionLag: number,
  ) {
    metrics.observe({
      consumerLags: () => this.consumerLags(),
      consumerStates: () => [...this.consumers].map((c) => ({ group: c.groupId, running: c.status()?.state === 'running', crashes: c.status()?.crashes ?? 0 })),
      projectionLags: () => this.projectionLags(),
      heldCredits: () => this.heldCreditsSource(),
    });
  }

  /** The store and bus this application runs on (the runtime's, set once they exist). */
  attach(store: EventStore, bus: MessageBus): void {
    this.store = store;
    this.bus = bus;
  }

  registerReadModel(progress: ReadModelProgress): void {
    this.readModels.set(progress.name, progress);
  }

  /** Where the held-credits gauges read from (the ops read model of balances, where it is hosted). */
  registerHeldCredits(source: () => { tenant: string; credits: number; accounts: number }[]): void {
    this.heldCreditsSource = source;
  }

  /** `listener` hears every successful append of this process to streams of `category`. */
  onAppended(category: string, listener: AppendListener): void {
    const listeners = this.appendListeners.get(category) ?? new Set();
    listeners.add(listener);
    this.appendListeners.set(category, listeners);
  }

  /** Called by the instrumented store after an append committed. A listener that throws is logged, never the append's failure. */
  appended(category: string, appended: readonly AppendedStream[]): void {
    for (const listener of this.appendListeners.get(category) ?? []) {
      try {
        listener(appended);
      } catch (error) {
        this.logger.error({ err: error, category }, 'an append listener failed');
      }
    }
  }

  async consumerLags(): Promise<{ group: string; topic: string; partition: number; lag: number }[]> {
    if (!this.bus) return [];
    const lags = [];
    for (const { groupId, topics } of this.consumers) {
      for (const lag of await this.bus.lag(groupId, topics)) lags.push({ group: groupId, ...lag });
    }
    return lags;
  }

  /** Every registered read model's lag behind the store, counted up to the readiness bound + 1. */
  projectionLags(): Promise<ProjectionLag[]> {
    const now = Date.now();
    if (this.lagCache && now - this.lagCache.at < LAG_CACHE_MS) return this.lagCache.lags;
    const lags = this.computeProjectionLags();
    this.lagCache = { at: now, lags };
    lags.catch(() => (this.lagCache = null));
    return lags;
  }

  private async computeProjectionLags(): Promise<ProjectionLag[]> {
    const store = this.store;
    if (!store) return [];
    const lags: ProjectionLag[] = [];
    for (const model of this.readModels.values()) {
      const position = await model.position();
      const pending = { fromPosition: position, category: model.category };
      // Counted where the store can (SQL); otherwise read, up to one past the bound (EventStoreDB).
      const counted = await store.countEvents(pending);
      const events = counted !== null ? Number(counted) : (await store.readAll({ ...pending, maxCount: this.maxProjectionLag + 1 })).length;
      const oldest = events ? (await store.readAll({ ...pending, maxCount: 1 }))[0]?.recordedAt.getTime() : undefined;
      lags.push({
        projection: model.name, events, bound: this.maxProjectionLag,
        seconds: oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000),
      });
    }
    return lags;
  }

  /** What /health/ready answers: each check with its status; ready only if every one is ok. */
  async readiness(): Promise<Readiness> {
    const check = async (what: string, run: () => Promise<Record<string, unknown> | void>): Promise<Check> => {
      try {
        return { status: 'ok', ...((await withTimeout(run(), CHECK_TIMEOUT_MS, what)) ?? {}) };
      } catch (error) {
        return { status: 'failing', error: error instanceof Error ? error.message : String(error) };
      }
    };
    const [store, bus, readModels] = await Promise.all([
      check('the event store', async () => {
        if (!this.store) throw new Error('no event store yet');
        await this.store.readStream('health-readiness'); // a stream that never exists: the cheapest read
      }),
      check('the message bus', async () => {
        if (!this.bus) throw new Error('no message bus yet');
        await this.bus.health();
      }),
      check('the read models', async () => {
        const lags = await this.projectionLags();
        const behind = lags.filter((l) => l.events > l.bound);
        const details = Object.fromEntries(lags.map((l) => [l.projection, { lagEvents: l.events, lagSeconds: Math.round(l.seconds * 10) / 10, bound: l.bound }]));
        if (behind.length) throw new Error(`${behind.map((l) => l.projection).join(', ')} more than ${this.maxProjectionLag} events behind the store: ${JSON.stringify(details)}`);
        return { projections: details };
      }),
    ]);
    const groups = Object.fromEntries(
      [...this.consumers].map((c) => {
        const status = c.status();
        return [c.groupId, status ? { state: status.state, since: status.since.toISOString(), crashes: status.crashes, ...(status.lastError ? { lastError: status.lastError } : {}) } : { state: 'stopped' }];
      }),
    );
    const notRunning = Object.entries(groups).filter(([, s]) => s.state !== 'running').map(([g]) => g);
    const consumers: Check = notRunning.length ? { status: 'failing', error: `not running: ${notRunning.join(', ')}`, groups } : { status: 'ok', groups };
    const checks = { store, bus, consumers, readModels };
    const ready = Object.values(checks).every((c) => c.status === 'ok');
    if (ready !== this.lastReady) {
      const failing = Object.fromEntries(Object.entries(checks).filter(([, c]) => c.status !== 'ok').map(([name, c]) => [name, c.error]));
      if (ready) this.logger.info({ ready }, this.lastReady === null ? 'ready' : 'ready again');
      else this.logger.warn({ ready, failing }, `not ready: ${Object.entries(failing).map(([name, error]) => `${name}: ${error}`).join('; ')}`);
      this.lastReady = ready;
    }
    return { ready, checks };
  }
}

export interface Check {
  status: 'ok' | 'failing';
  error?: string;
  [detail: string]: unknown;
}

export interface Readiness {
  ready: boolean;
  checks: Record<'store' | 'bus' | 'consumers' | 'readModels', Check>;
}

/** An Observability that logs nothing: for a Runtime assembled by hand (tests of one module). */
export function quietObservability(service: string, maxProjectionLag = 10_000): Observability {
  return new Observability(service, pino({ level: 'silent' }), new PlatformMetrics(service), maxProjectionLag);
}

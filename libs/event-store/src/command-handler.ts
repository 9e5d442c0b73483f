// The one way a command is handled, in every context (wallet accounts, subscriptions, daily resets,
// refunds): load the stream's state -> decide -> append with the expected revision -> on a revision
// conflict reload and decide again, a bounded number of times.
//
// - State is cached per stream with its revision (least recently used first out). Every load reads
//   what the store holds after the cached revision, so a replica sees what another one appended and
//   never decides or answers on a stale state.
// - A batch decides each stream's commands in order and appends every stream in one store call (one
//   transaction on SQLite); a conflicted stream is reloaded and its commands decided again, the
//   others stand.
// - Group commit: single commands submitted while the event loop is busy (concurrent requests) are
//   decided together and appended in one store call at the next turn; each is answered only after
//   that call has stored it. A batch that fails for another reason than a refusal is retried command
//   by command, so one bad command fails alone.
// - A command refused by its decider (a DomainError) is an outcome and appends nothing; anything else
//   thrown fails the whole call and leaves the store untouched.
// - Snapshots (optional): after `every` events (a number, or one for the state) the state is stored, as plain data, on
//   `snapshot-<stream>` with its revision and the context's state version; a cold load starts from the
//   latest snapshot of the current version and folds only the events after it. Taking one never
//   delays an answer; a snapshot of another version is ignored (the stream is folded from the start).
//   Older snapshots are truncated once a newer one is stored.
// - Event ids: see storedEventId. Stored data is the event's data with bigints marked (kernel
//   encodeBigInts), decoded exactly by decodeEvent.
import { randomUUID } from 'node:crypto';
import { DomainError, decodeBigInts, encodeBigInts } from '@creditflow/kernel';
import { storedEventId } from './event-ids';
import { AppendResult, EventStore, RecordedEvent, StreamAppend, WrongExpectedRevisionError } from './event-store';
import { KeyedLock } from './keyed-lock';

/** What every context's events look like: a type and plain data (bigints allowed). */
export interface DomainEvent {
  type: string;
  data: unknown;
}

export interface StreamCommand<State, Event> {
  streamName: string;
  /** The context's decider, closed over the command (and the policy it runs under). Pure: it runs again after a conflict. */
  decide: (state: State) => Event[];
  /** Stored with every event the command appends: tenant, account, the message or request it came from. */
  metadata?: object;
}

export interface StreamState<State> {
  state: State;
  /** The revision of the stream's last event; -1n: no stream. */
  revision: bigint;
}

export interface SnapshotPolicy<State> {
  /** Names the state's shape and evolve's meaning: bump it when either changes. */
  version: string;
  /**
   * Events appended since the last snapshot (or the start) before the next one is taken; a number, or
   * one per state (a large state snapshotted less often keeps the cost per event bounded).
   */
  every: number | ((state: State) => number);
  toData(state: State): unknown;
  fromData(data: unknown): State;
}

/** The stream a stream's snapshots live on (its own category, so no subscription of the stream's category sees them). */
export function snapshotStream(streamName: string): string {
  return `snapshot-${streamName}`;
}

/** The stream's latest snapshot of the policy's version (its state, and the revision it was taken at); undefined when there is none. */
export async function latestSnapshot<State>(store: EventStore, streamName: string, policy: Pick<SnapshotPolicy<State>, 'version' | 'fromData'>): Promise<StreamState<State> | undefined> {
  const [last] = await store.readStream(snapshotStream(streamName), { direction: 'backwards', maxCount: 1 });
  const data = last?.data as { version?: string; revision?: string; state?: unknown } | undefined;
  if (!data || data.version !== policy.version || data.revision === undefined) return undefined;
  return { state: policy.fromData(decodeBigInts(data.state)), revision: BigInt(data.revision) };
}

export type CommandOutcome<State, Event> =
  | { ok: true; state: State; events: Event[]; revision: bigint }
  | { ok: false; error: DomainError; state: State; revision: bigint };

export interface CommandHandlerOptions<State, Event> {
  store: EventStore;
  /** The context's fold: its decider's evolve and initialState. */
  evolve: (state: State, event: Event) => State;
  initialState: State;
  /** How many streams keep their state in memory (0: none). */
  cacheLimit?: number;
  /** Conflicts on one stream within one call before it fails. */
  maxRetries?: number;
  snapshots?: SnapshotPolicy<State>;
}

const APPEND_RETRY_DELAYS_MS = [10, 100];

export class RevisionConflictsPersistedError extends Error {
  constructor(readonly streamNames: string[], attempts: number) {
    super(`revision conflicts persisted on ${streamNames.join(', ')} after ${attempts} attempts`);
  }
}

/** The stored form of a domain event's data is encodeBigInts(data); this turns a recorded event back into the domain event. */
export function decodeEvent<Event extends DomainEvent>(recorded: Pick<RecordedEvent, 'type' | 'data'>): Event {
  return { type: recorded.type, data: decodeBigInts(recorded.data) } as Event;
}

export class CommandHandler<State, Event extends DomainEvent> {
  /** Names this handler as the writer of its events (see storedEventId). */
  private readonly writer = randomUUID();
  private readonly cache = new Map<string, StreamState<State> & { snapshotAt?: bigint }>();
  private readonly lock = new KeyedLock();
  private readonly store: EventStore;
  private readonly evolve: (state: State, event: Event) => State;
  private readonly initialState: State;
  private readonly cacheLimit: number;
  private readonly maxRetries: number;
  private readonly snapshots: SnapshotPolicy<State> | undefined;
  /** Snapshots due, taken at the next turn: the latest state of each stream (see snapshotIfDue). */
  private readonly dueSnapshots = new Map<string, StreamState<State> & { entry: { snapshotAt?: bigint } }>();
  private submitted: { command: StreamCommand<State, Event>; answer: (outcome: Promise<CommandOutcome<State, Event>>) => void }[] = [];

  constructor({ store, evolve, initialState, cacheLimit = 10_000, maxRetries = 5, snapshots }: CommandHandlerOptions<State, Event>) {
    this.store = store;
    this.snapshots = snapshots;
    this.evolve = evolve;
    this.initialState = initialState;
    this.cacheLimit = cacheLimit;
    this.maxRetries = maxRetries;
  }

  /** One command; a refusal is thrown as the DomainError the decider raised. */
  async handle(command: StreamCommand<State, Event>): Promise<{ state: State; events: Event[]; revision: bigint }> {
    const outcome = await this.submit(command);
    if (!outcome.ok) throw outcome.error;
    return outcome;
  }

  /** One command, appended together with the others submitted in the same turn of the event loop (group commit). */
  submit(command: StreamCommand<State, Event>): Promise<CommandOutcome<State, Event>> {
    return new Promise((resolve) => {
      if (this.submitted.length === 0) setImmediate(() => this.commitGroup());
      this.submitted.push({ command, answer: resolve });
    });
  }

  private async commitGroup(): Promise<void> {
    const group = this.submitted;
    this.submitted = [];
    const all = this.handleBatch(group.map((g) => g.command));
    if (group.length === 1) return group[0].answer(all.then(([outcome]) => outcome));
    let outcomes: CommandOutcome<State, Event>[];
    try {
      outcomes = await all;
    } catch {
      // Something other than a refusal failed the group: each command again on its own, so only its own fails.
      for (const { command, answer } of group) answer(this.handleBatch([command]).then(([outcome]) => outcome));
      return;
    }
    group.forEach(({ answer }, i) => answer(Promise.resolve(outcomes[i])));
  }

  /** Outcomes in the order of the commands; commands on one stream are decided in that order. */
  async handleBatch(commands: readonly StreamCommand<State, Event>[]): Promise<CommandOutcome<State, Event>[]> {
    const byStream = new Map<string, number[]>();
    commands.forEach(({ streamName }, i) => {
      const indexes = byStream.get(streamName);
      if (indexes) indexes.push(i);
      else byStream.set(streamName, [i]);
    });
    return this.lock.run([...byStream.keys()], async () => {
      const outcomes: CommandOutcome<State, Event>[] = new Array(commands.length);
      let pending = [...byStream];
      for (let attempt = 1; pending.length; attempt++) {
        const decided = [];
        for (const [streamName, indexes] of pending) {
          decided.push({ streamName, indexes, ...this.decideAll(streamName, await this.load(streamName), indexes.map((i) => commands[i])) });
        }
        const appends = decided.filter((d) => d.append).map((d) => d.append!);
        const results = appends.length ? await this.append(appends) : [];
        const conflicted = new Set(appends.filter((_, i) => results[i] instanceof WrongExpectedRevisionError).map((a) => a.streamName));
        for (const { streamName, indexes, next, local } of decided) {
          if (conflicted.has(streamName)) continue;
          this.remember(streamName, next);
          this.snapshotIfDue(streamName);
          indexes.forEach((commandIndex, j) => (outcomes[commandIndex] = local[j]));
        }
        pending = pending.filter(([streamName]) => conflicted.has(streamName));
        if (pending.length && attempt > this.maxRetries) throw new RevisionConflictsPersistedError([...conflicted], attempt);
      }
      return outcomes;
    });
  }

  /**
   * Appends, retrying the very same append (same ids, same expected revisions) after a failure that may
   * have happened after the store wrote it (a lost answer, a busy file): the store then answers with
   * the first result instead of writing twice. Errors in what was asked (a TypeError) are not retried.
   */
  private async append(appends: StreamAppend[]): ReturnType<EventStore['appendBatch']> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.appendBatch(appends);
      } catch (error) {
        if (error instanceof TypeError || attempt > APPEND_RETRY_DELAYS_MS.length) {
          for (const { streamName } of appends) this.cache.delete(streamName); // written or not: reload next time
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, APPEND_RETRY_DELAYS_MS[attempt - 1]));
      }
    }
  }

  /** The stream's state as the store holds it now (the cache caught up). */
  async read(streamName: string): Promise<StreamState<State>> {
    return this.lock.run([streamName], () => this.load(streamName));
  }

  /** The stream's cached state as last loaded or decided, not caught up with the store; undefined when not cached. */
  cached(streamName: string): State | undefined {
    return this.cache.get(streamName)?.state;
  }

  /** Drops every cached state, e.g. to prove that states rebuilt from the store are the same. */
  forget(): void {
    this.cache.clear();
  }

  /** Decides one stream's commands in order on `base`; the events of all of them form one append. */
  private decideAll(streamName: string, base: StreamState<State>, commands: StreamCommand<State, Event>[]) {
    const local: CommandOutcome<State, Event>[] = [];
    const events: StreamAppend['events'] = [];
    let { state, revision } = base;
    for (const command of commands) {
      let decided: Event[];
      try {
        decided = command.decide(state);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        local.push({ ok: false, error, state, revision });
        continue;
      }
      for (const event of decided) {
        const data = encodeBigInts(event.data);
        revision += 1n;
        events.push({ id: storedEventId(this.writer, streamName, revision, event.type, data), type: event.type, data, metadata: { ...command.metadata } });
        state = this.evolve(state, event);
      }
      local.push({ ok: true, state, events: decided, revision });
    }
    const append: StreamAppend | null = events.length
      ? { streamName, events, expectedRevision: base.revision < 0n ? 'no_stream' : base.revision }
      : null;
    return { next: { state, revision }, local, append };
  }

  /** The cached state caught up with what the store holds after it (after a conflict: what the winner appended). */
  private async load(streamName: string): Promise<StreamState<State>> {
    const cached = this.cache.get(streamName);
    const from = cached ?? (await this.latestSnapshot(streamName)) ?? { state: this.initialState, revision: -1n };
    const recorded = await this.store.readStream(streamName, { fromRevision: from.revision + 1n });
    if (cached && recorded.length === 0) {
      this.remember(streamName, cached);
      return { state: cached.state, revision: cached.revision };
    }
    let state = from.state;
    for (const r of recorded) state = this.evolve(state, decodeEvent<Event>(r));
    const loaded = { state, revision: recorded.length ? recorded[recorded.length - 1].revision : from.revision, snapshotAt: (from as { snapshotAt?: bigint }).snapshotAt };
    this.remember(streamName, loaded);
    this.snapshotIfDue(streamName);
    return { state: loaded.state, revision: loaded.revision };
  }

  private async latestSnapshot(streamName: string): Promise<(StreamState<State> & { snapshotAt: bigint }) | undefined> {
    if (!this.snapshots) return undefined;
    const latest = await latestSnapshot(this.store, streamName, this.snapshots);
    return latest && { ...latest, snapshotAt: latest.revision };
  }

  /** Stores a snapshot of a cached stream when enough events came since the last; in the background, never failing a command. */
  private snapshotIfDue(streamName: string): void {
    const entry = this.cache.get(streamName);
    if (!this.snapshots || !entry || entry.revision < 0n) return;
    const { every } = this.snapshots;
    if (entry.revision - (entry.snapshotAt ?? -1n) < BigInt(typeof every === 'number' ? every : every(entry.state))) return;
    entry.snapshotAt = entry.revision;
    // Encoded after the current turn (states are immutable): the commands that made it due are
    // answered first, not after the milliseconds a snapshot takes to encode. One pending per stream:
    // a loop that does not yield keeps only each stream's latest, not a state per snapshot due.
    if (this.dueSnapshots.size === 0) setImmediate(() => this.takeDueSnapshots());
    this.dueSnapshots.set(streamName, { state: entry.state, revision: entry.revision, entry });
  }

  private takeDueSnapshots(): void {
    const due = [...this.dueSnapshots];
    this.dueSnapshots.clear();
    const { version, toData } = this.snapshots!;
    for (const [streamName, { state, revision, entry }] of due) {
      const stream = snapshotStream(streamName);
      const take = (): Promise<AppendResult> => {
        const data = { version, revision: revision.toString(), state: encodeBigInts(toData(state)) };
        return this.store.appendToStream(stream, [{ id: randomUUID(), type: 'Snapshot', data }], { expectedRevision: 'any' });
      };
      Promise.resolve().then(take).then(
        // Only the latest is ever read: the older ones go (a long stream's snapshots summed to many times its size).
        ({ nextExpectedRevision }) => this.store.truncateBefore(stream, nextExpectedRevision).catch(() => undefined),
        () => {
          entry.snapshotAt = undefined; // try again with a later event
        },
      );
    }
  }

  private remember(streamName: string, entry: StreamState<State> & { snapshotAt?: bigint }): void {
    if (this.cacheLimit <= 0) return;
    const snapshotAt = entry.snapshotAt ?? this.cache.get(streamName)?.snapshotAt;
    this.cache.delete(streamName); // re-inserted last: Map order doubles as least-recently-used order
    this.cache.set(streamName, { state: entry.state, revision: entry.revision, ...(snapshotAt !== undefined ? { snapshotAt } : {}) });
    if (this.cache.size > this.cacheLimit) this.cache.delete(this.cache.keys().next().value as string);
  }
}

import Database from 'better-sqlite3';
import { openSqlite } from './open-sqlite';
import { sleep } from '@creditflow/kernel';
import { randomUUID } from 'node:crypto';
import { defaultRetryPolicy, pollingSubscription, type PolledSource, type RetryPolicy } from '../delivery';
import {
  appendOne, assertAppendable, revisionSatisfies, categoryOf, WrongExpectedRevisionError, type AppendResult, type CurrentRevision, type EventData, type EventStore, type ExpectedRevision, type ReadAllOptions, type ReadStreamOptions, type RecordedEvent, type StreamAppend, type SubscribeOptions, type Subscription,
} from '../event-store';

export interface SqliteEventStoreOptions {
  /** Fallback poll for writes made by another process on the same file. In-process appends wake subscriptions at once. */
  pollIntervalMs?: number;
  /**
   * How long after an append its subscriptions are woken: the appends made meanwhile are read,
   * delivered and checkpointed as one batch (one wake-up per subscription per window, not per append).
   */
  coalesceMs?: number;
  retry?: RetryPolicy;
  /** How many of the events this object appended last it keeps, parsed, for its subscriptions to read (0: none). */
  recentEvents?: number;
}

/** A read's row as an array, in the order of COLUMNS: better-sqlite3 builds an array for a row in half the time of an object with named fields. */
type EventRow = [position: bigint, stream: string, revision: bigint, id: string, type: string, data: string, metadata: string, recordedAt: bigint];

const SCHEMA_VERSION = 2n;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position    INTEGER PRIMARY KEY AUTOINCREMENT,
    stream      TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    id          TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    metadata    TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL,
    UNIQUE (stream, revision),
    UNIQUE (stream, id)
  );
  CREATE INDEX IF NOT EXISTS events_by_category ON events (category, position);
  CREATE TABLE IF NOT EXISTS checkpoints (
    subscription_id TEXT PRIMARY KEY,
    position        INTEGER NOT NULL
  );
`;

/** Version 2: exclusive subscriptions hold a lease on their checkpoint row. */
const LEASE_COLUMNS = ['owner TEXT', 'lease_until INTEGER'];

const MAX_REVISION = 2n ** 63n - 1n;
const COLUMNS = 'position, stream, revision, id, type, data, metadata, recorded_at';
const READS = {
  forwards: `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision`,
  backwards: `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC`,
  all: `SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position`,
  category: `SELECT ${COLUMNS} FROM events WHERE category = ? AND position > ? ORDER BY position`,
};

/** The embedded event store: one SQLite file, safe to share between processes. */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly sql;
  private readonly appendAll: Database.Transaction<(appends: StreamAppend[]) => (AppendResult | WrongExpectedRevisionError)[]>;
  private readonly insertEvents: Database.Transaction<(streamName: string, events: EventData[], first: bigint) => AppendResult>;
  /** Idle subscriptions by category ('' for those on every stream): an append wakes only the ones it concerns. */
  private readonly wake = new Map<string, Set<() => void>>();
  /** Categories appended to since the last wake-up, woken together when the coalescing window ends. */
  private readonly appendedTo = new Set<string>();
  private wakeTimer: NodeJS.Timeout | null = null;
  private readonly coalesceMs: number;
  private readonly subscriptions = new Set<Subscription>();
  private readonly readStatements = new Map<string, Database.Statement<unknown[], EventRow>>();
  private readonly pollIntervalMs: number;
  private readonly retry: RetryPolicy;
  /**
   * The events this object appended last (every category), parsed once and frozen, in position order:
   * a subscription close behind reads them here instead of reading and parsing the same rows from the
   * file again (five subscriptions read every wallet event in the wallet's process). Every position in
   * (recentFrom, recentFrom + recent.length] is here: an append of another process in between starts
   * the list again after it. What lies beyond the list is still read from the file.
   */
  private recent: { event: RecordedEvent; category: string }[] = [];
  private recentFrom = 0n;
  private readonly recentLimit: number;
  /** Rows inserted by the transaction in progress: kept only once it has committed. */
  private inserted: { event: RecordedEvent; category: string }[] = [];

  static open(path: string, options?: SqliteEventStoreOptions): SqliteEventStore {
    return new SqliteEventStore(path, options);
  }

  /** `path` may be ':memory:' (tests). */
  constructor(path: string, { pollIntervalMs = 500, coalesceMs = 5, retry = defaultRetryPolicy, recentEvents = 10_000 }: SqliteEventStoreOptions = {}) {
    this.recentLimit = recentEvents;
    this.pollIntervalMs = pollIntervalMs;
    this.coalesceMs = coalesceMs;
    this.retry = retry;
    this.db = openSqlite(path);
    // Positions and revisions come back as bigint, exact beyond 2^53.
    this.db.defaultSafeIntegers(true);
    this.migrate();

    const db = this.db;
    this.sql = {
      lastEvent: db.prepare<[string], { revision: bigint }>(
        'SELECT revision FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1',
      ),
      revisionOfId: db.prepare<[string, string], { revision: bigint }>(
        'SELECT revision FROM events WHERE stream = ? AND id = ?',
      ),
      idsFrom: db.prepare<[string, bigint, number], { id: string; position: bigint }>(
        'SELECT id, position FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?',
      ),
      insert: db.prepare<[string, string, bigint, string, string, string, string, number], { position: bigint }>(
        `INSERT INTO events (stream, category, revision, id, type, data, metadata, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING position`,
      ),
      truncate: db.prepare<[string, bigint]>('DELETE FROM events WHERE stream = ? AND revision < ?'),
      countAll: db.prepare<[bigint], { n: bigint }>('SELECT count(*) AS n FROM events WHERE position > ?'),
      countCategory: db.prepare<[string, bigint], { n: bigint }>('SELECT count(*) AS n FROM events WHERE category = ? AND position > ?'),
      checkpoint: db.prepare<[string], { position: bigint }>(
        'SELECT position FROM checkpoints WHERE subscription_id = ?',
      ),
      storeCheckpoint: db.prepare<[string, bigint]>(
        `INSERT INTO checkpoints (subscription_id, position) VALUES (?, ?)
         ON CONFLICT (subscription_id) DO UPDATE SET position = excluded.position`,
      ),
      claim: db.prepare<{ id: string; owner: string; now: number; until: number }, { position: bigint }>(
        `INSERT INTO checkpoints (subscription_id, position, owner, lease_until) VALUES (@id, 0, @owner, @until)
         ON CONFLICT (subscription_id) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
         WHERE checkpoints.owner IS NULL OR checkpoints.owner = excluded.owner OR checkpoints.lease_until < @now
         RETURNING position`,
      ),
      storeLeasedCheckpoint: db.prepare<{ id: string; owner: string; position: bigint; until: number }>(
        'UPDATE checkpoints SET position = @position, lease_until = @until WHERE subscription_id = @id AND owner = @owner',
      ),
      release: db.prepare<{ id: string; owner: string }>(
        'UPDATE checkpoints SET owner = NULL, lease_until = NULL WHERE subscription_id = @id AND owner = @owner',
      ),
    };

    // Called inside appendAll, this becomes a savepoint: a failed insert undoes only its own append.
    this.insertEvents = db.transaction((streamName: string, events: EventData[], first: bigint) => {
      const category = categoryOf(streamName);
      const now = Date.now();
      let position = 0n;
      const rows: { event: RecordedEvent; category: string }[] = [];
      events.forEach((event, i) => {
        const [revision, id, data, metadata] = [first + BigInt(i), event.id.toLowerCase(), JSON.stringify(event.data ?? null), JSON.stringify(event.metadata ?? {})];
        position = this.sql.insert.get(streamName, category, revision, id, event.type, data, metadata, now)!.position;
        if (this.recentLimit > 0) rows.push({ event: frozen(toRecordedEvent([position, streamName, revision, id, event.type, data, metadata, BigInt(now)])), category });
      });
      // Kept only if this append stands (a savepoint that failed undid its rows; see appendOne).
      this.inserted.push(...rows);
      return { nextExpectedRevision: first + BigInt(events.length) - 1n, position };
    });
    this.appendAll = db.transaction((appends: StreamAppend[]) => appends.map((append) => this.appendOne(append)));
  }

  appendToStream(streamName: string, events: EventData[], { expectedRevision }: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    return appendOne(this, { streamName, events, expectedRevision });
  }

  async appendBatch(appends: StreamAppend[]): Promise<(AppendResult | WrongExpectedRevisionError)[]> {
    for (const { streamName, events } of appends) assertAppendable(streamName, events);
    // IMMEDIATE takes the write lock before the revision checks, so another process cannot slip in between.
    this.inserted = [];
    let results: (AppendResult | WrongExpectedRevisionError)[];
    try {
      results = this.appendAll.immediate(appends);
    } finally {
      const committed = this.inserted;
      this.inserted = [];
      if (results! !== undefined) this.remember(committed);
    }
    for (const { streamName } of appends) this.appendedTo.add(categoryOf(streamName));
    this.wakeTimer ??= setTimeout(() => this.wakeAppended(), this.coalesceMs);
    return results;
  }

  /** Adds committed rows to the recent events, starting the list again where a position was skipped (another writer's). */
  private remember(rows: { event: RecordedEvent; category: string }[]): void {
    for (const row of rows) {
      if (row.event.position !== this.recentFrom + BigInt(this.recent.length) + 1n) {
        this.recent = [];
        this.recentFrom = row.event.position - 1n;
      }
      this.recent.push(row);
    }
    const excess = this.recent.length - this.recentLimit;
    if (excess > 0) {
      this.recent = this.recent.slice(excess);
      this.recentFrom += BigInt(excess);
    }
  }

  /**
   * What readAllNow would answer, from the recent events as far as they go (null when they do not
   * start at or before `fromPosition`), then from the file for anything after them.
   */
  private readRecent(fromPosition: bigint, maxCount: number, category: string | undefined): RecordedEvent[] | null {
    if (!this.recent.length || fromPosition < this.recentFrom) return null;
    const out: RecordedEvent[] = [];
    for (let i = Number(fromPosition - this.recentFrom); i < this.recent.length && out.length < maxCount; i++) {
      const { event, category: c } = this.recent[i];
      if (category === undefined || c === category) out.push(event);
    }
    if (out.length >= maxCount) return out;
    const end = this.recentFrom + BigInt(this.recent.length);
    return out.concat(this.readAllNow({ fromPosition: end > fromPosition ? end : fromPosition, maxCount: maxCount - out.length, category }));
  }

  private wakeAppended(): void {
    this.wakeTimer = null;
    const categories = ['', ...this.appendedTo];
    this.appendedTo.clear();
    for (const category of categories) for (const wake of [...(this.wake.get(category) ?? [])]) wake();
  }

  async readStream(
    streamName: string,
    { direction = 'forwards', fromRevision, maxCount = -1 }: ReadStreamOptions = {},
  ): Promise<RecordedEvent[]> {
    const rows =
      direction === 'forwards'
        ? this.reads('forwards', maxCount).all(streamName, fromRevision ?? 0n)
        : this.reads('backwards', maxCount).all(streamName, fromRevision ?? MAX_REVISION);
    return rows.map(toRecordedEvent);
  }

  async truncateBefore(streamName: string, revision: bigint): Promise<void> {
    this.sql.truncate.run(streamName, revision);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.readAllNow(options);
  }

  async countEvents({ fromPosition = 0n, category }: Omit<ReadAllOptions, 'maxCount'> = {}): Promise<bigint> {
    const row = category === undefined ? this.sql.countAll.get(fromPosition) : this.sql.countCategory.get(category, fromPosition);
    return BigInt(row?.n ?? 0);
  }

  async subscribe({ subscriptionId, category, batchSize = 100, exclusive, checkpoints, ...handlers }: SubscribeOptions): Promise<Subscription> {
    if (exclusive && checkpoints) throw new TypeError(`subscription ${subscriptionId}: an exclusive subscription keeps its checkpoint in the store`);
    const from = checkpoints ? await checkpoints.load() : (this.sql.checkpoint.get(subscriptionId)?.position ?? 0n);
    const owner = randomUUID();
    const leaseMs = exclusive?.leaseMs ?? 0;
    const lease = () => ({ id: subscriptionId, owner, until: Date.now() + leaseMs });
    // The lease this subscription last wrote (claim or checkpoint): while less than half of it has run
    // out nobody else can have taken it, so a claim need not write it again before every read.
    let held: { position: bigint; until: number } | null = null;
    const source: PolledSource = {
      read: async (position) => this.readRecent(position, batchSize, category) ?? this.readAllNow({ fromPosition: position, maxCount: batchSize, category }),
      idle: (signal) => sleep(this.pollIntervalMs, signal, this.wakeList(category ?? '')),
      storeCheckpoint: async (position) => {
        if (checkpoints) await checkpoints.save(position);
        else if (exclusive) {
          const renewed = lease();
          held = this.sql.storeLeasedCheckpoint.run({ ...renewed, position }).changes === 1 ? { position, until: renewed.until } : null;
        } else this.sql.storeCheckpoint.run(subscriptionId, position);
      },
      ...(exclusive
        ? {
            claim: async () => {
              if (held && Date.now() < held.until - leaseMs / 2) return held.position;
              const claimed = lease();
              const position = this.sql.claim.get({ ...claimed, now: Date.now() })?.position ?? null;
              held = position === null ? null : { position, until: claimed.until };
              return position;
            },
            release: async () => {
              held = null;
              this.sql.release.run({ id: subscriptionId, owner });
            },
          }
        : {}),
    };
    const subscription = pollingSubscription(source, from, handlers, this.retry, (stopped) => this.subscriptions.delete(stopped));
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.db.close();
  }

  private wakeList(category: string): Set<() => void> {
    let list = this.wake.get(category);
    if (!list) this.wake.set(category, (list = new Set()));
    return list;
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as bigint;
    if (version > SCHEMA_VERSION) throw new Error(`Event store file has schema version ${version}, newer than this code`);
    this.db.exec(SCHEMA);
    const columns = new Set((this.db.prepare('PRAGMA table_info(checkpoints)').all() as { name: string }[]).map((c) => c.name));
    for (const column of LEASE_COLUMNS) if (!columns.has(column.split(' ')[0])) this.db.exec(`ALTER TABLE checkpoints ADD COLUMN ${column}`);
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }

  private readAllNow({ fromPosition = 0n, maxCount = -1, category }: ReadAllOptions): RecordedEvent[] {
    const rows =
      category === undefined
        ? this.reads('all', maxCount).all(fromPosition)
        : this.reads('category', maxCount).all(category, fromPosition);
    return rows.map(toRecordedEvent);
  }

  /**
   * The read statement with its limit written in the SQL: SQLite (built with STAT4, as better-sqlite3
   * is) plans a statement again whenever a value bound to its LIMIT changes, which cost ~10 us a read.
   */
  private reads(kind: keyof typeof READS, limit: number): Database.Statement<unknown[], EventRow> {
    if (!Number.isSafeInteger(limit)) throw new TypeError(`maxCount must be an integer, got ${limit}`);
    const key = `${kind}:${limit}`;
    let statement = this.readStatements.get(key);
    if (!statement) {
      statement = this.db.prepare<unknown[], EventRow>(`${READS[kind]}${limit < 0 ? '' : ` LIMIT ${limit}`}`).raw(true);
      if (this.readStatements.size >= 64) this.readStatements.clear(); // callers use a handful of limits; bounded anyway
      this.readStatements.set(key, statement);
    }
    return statement;
  }

  private appendOne({ streamName, events, expectedRevision }: StreamAppend): AppendResult | WrongExpectedRevisionError {
    const current: CurrentRevision = this.sql.lastEvent.get(streamName)?.revision ?? 'no_stream';
    const conflict = () =>
      this.original(streamName, events, expectedRevision) ??
      new WrongExpectedRevisionError(streamName, expectedRevision, current);

    if (!revisionSatisfies(expectedRevision, current)) return conflict();
    try {
      return this.insertEvents(streamName, events, current === 'no_stream' ? 0n : current + 1n);
    } catch (error) {
      // UNIQUE (stream, id): some of these ids are already in the stream.
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return conflict();
      throw error;
    }
  }

  /** The result of the first append when exactly these ids already sit where this append would have put them. */
  private original(streamName: string, events: EventData[], expected: ExpectedRevision): AppendResult | undefined {
    const ids = events.map((event) => event.id.toLowerCase());
    const first = this.sql.revisionOfId.get(streamName, ids[0])?.revision;
    if (first === undefined) return undefined;
    if (expected === 'no_stream' && first !== 0n) return undefined;
    if (typeof expected === 'bigint' && first !== expected + 1n) return undefined;
    const stored = this.sql.idsFrom.all(streamName, first, ids.length);
    if (stored.length !== ids.length || stored.some((row, i) => row.id !== ids[i])) return undefined;
    return { nextExpectedRevision: first + BigInt(ids.length) - 1n, position: stored[stored.length - 1].position };
  }
}

/** Deeply frozen: the recent events are handed to every subscription, none may change what another reads. */
function frozen<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) frozen(child);
    Object.freeze(value);
  }
  return value;
}

function toRecordedEvent([position, streamName, revision, id, type, data, metadata, recordedAt]: EventRow): RecordedEvent {
  return { streamName, id, type, data: JSON.parse(data), metadata: JSON.parse(metadata), revision, position, recordedAt: new Date(Number(recordedAt)) };
}

// The PostgreSQL event store: one schema (default `creditflow`) shared by every replica.
//
// Positions and the gap problem. `position` is an identity column (a sequence), and sequence values
// are handed out when a row is inserted, not when its transaction commits: with concurrent appends,
// position 7 can commit while 6 is still open, a catch-up reader checkpoints 7, and 6 is never seen.
// Every appending transaction here first takes one transaction-level advisory lock
// (`pg_advisory_xact_lock`, one key per schema) and holds it until it commits or rolls back. Appends
// are therefore serialised: a transaction draws its positions only after the one before it has
// finished, and PostgreSQL makes a commit visible before it releases the commit's locks, so any
// snapshot that shows position n also shows every committed position below it. Readers take no lock
// and simply read `position > checkpoint`. A rolled-back append leaves a hole in the numbers that
// nothing will ever fill, which is harmless. The price is one append transaction at a time per
// schema (a few milliseconds each); sharding by category or Marten's "high water mark" (skip a gap
// only once it has been open for a while) would be the next steps if that ever limits throughput.
// The lock also makes the revision check and the insert atomic across processes; UNIQUE (stream,
// revision) stays as the backstop, so two appends at one revision can never both be written.
//
// Wake-ups: an append made through this object wakes its subscriptions at once; an append made by
// any other process sends NOTIFY on commit, which a LISTEN connection (opened with the first
// subscription) turns into a wake-up; a poll covers lost notifications and a lost LISTEN connection.
import { createHash, randomUUID } from 'node:crypto';
import { Client, Pool, types, type ClientConfig, type CustomTypesConfig, type PoolClient } from 'pg';
import { sleep } from '@creditflow/kernel';
import { defaultRetryPolicy, pollingSubscription, type RetryPolicy } from '../delivery';
import {
  appendOne, assertAppendable, revisionSatisfies, categoryOf, WrongExpectedRevisionError, type AppendResult, type CurrentRevision, type EventStore, type ExpectedRevision, type ReadAllOptions, type ReadStreamOptions, type RecordedEvent, type StreamAppend, type SubscribeOptions, type Subscription,
} from '../event-store';

export interface PostgresEventStoreOptions {
  /** The schema holding the tables, created when missing. Lower-case letters, digits and `_`. */
  schema?: string;
  /** Fallback poll for appends whose notification was missed. */
  pollIntervalMs?: number;
  /** Connections in the pool (the LISTEN connection comes on top). */
  maxConnections?: number;
  retry?: RetryPolicy;
}

interface EventRow {
  position: bigint;
  stream: string;
  revision: bigint;
  id: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  recorded_at: Date;
}

/** An append with its events already serialised, so a bad event fails before any lock is taken. */
interface PreparedAppend extends StreamAppend {
  ids: string[];
  types: string[];
  data: string[];
  metadata: string[];
}

/** int8 (positions, revisions) arrives as text and becomes an exact bigint, never a Number. */
const int8AsBigInt: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === types.builtins.INT8 ? (text: string) => BigInt(text) : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
};

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/;
const MAX_REVISION = 2n ** 63n - 1n;
const COLUMNS = 'position, stream, revision, id, type, data, metadata, recorded_at';

/**
 * Migration n (1-based) brings the schema to version n; `schema_migrations` records the versions
 * applied. `data` and `metadata` are `json`, not `jsonb`: the text is kept as written (key order,
 * `\u0000`), like the other adapters, and read models can still query it (`data->>'amount'`).
 */
const MIGRATIONS: ((s: string) => string)[] = [
  (s) => `
    CREATE TABLE ${s}.events (
      position    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      stream      text        NOT NULL,
      category    text        NOT NULL,
      revision    bigint      NOT NULL CHECK (revision >= 0),
      id          uuid        NOT NULL,
      type        text        NOT NULL,
      data        json        NOT NULL,
      metadata    json        NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (stream, revision),
      UNIQUE (stream, id)
    );
    CREATE INDEX events_by_category ON ${s}.events (category, position);
    CREATE TABLE ${s}.checkpoints (
      subscription_id text        PRIMARY KEY,
      position        bigint      NOT NULL,
      updated_at      timestamptz NOT NULL DEFAULT now()
    );`,
  // Exclusive subscriptions hold a lease on their checkpoint row, timed by the database's clock (one for every replica).
  (s) => `ALTER TABLE ${s}.checkpoints ADD COLUMN owner text, ADD COLUMN lease_until timestamptz;`,
];

/** The event store of distributed mode on PostgreSQL, through the `pg` driver. */
export class PostgresEventStore implements EventStore {
  private readonly pool: Pool;
  private readonly clientConfig: ClientConfig;
  private readonly schemaName: string;
  private readonly sql;
  private readonly wake = new Set<() => void>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly pollIntervalMs: number;
  private readonly retry: RetryPolicy;
  // Mutable state lives in one object: tests wrap a store with Object.create, and an assignment
  // through the wrapper must not land on the wrapper.
  private readonly live: {
    migrated?: Promise<void>;
    listener?: Promise<Client>;
    /** Counts wake-ups, so a subscription that read nothing knows whether one came while it read. */
    wakeUps: number;
    closed: boolean;
  } = { wakeUps: 0, closed: false };

  /** e.g. `postgresql://creditflow@/creditflow?host=/var/run/postgresql`. Connects and migrates at once; `ready()` tells when that is done. */
  static connect(connectionString: string, options?: PostgresEventStoreOptions): PostgresEventStore {
    return new PostgresEventStore(connectionString, options);
  }

  constructor(
    connectionString: string,
    { schema = 'creditflow', pollIntervalMs = 500, maxConnections = 10, retry = defaultRetryPolicy }: PostgresEventStoreOptions = {},
  ) {
    if (!SCHEMA_NAME.test(schema)) throw new TypeError(`Invalid schema name: "${schema}"`);
    this.schemaName = schema;
    this.pollIntervalMs = pollIntervalMs;
    this.retry = retry;
    this.clientConfig = { connectionString, types: int8AsBigInt, application_name: 'creditflow-event-store' };
    this.pool = new Pool({ ...this.clientConfig, max: maxConnections });
    // An idle connection that breaks (server restart) is dropped by the pool; the next query opens another.
    this.pool.on('error', () => undefined);

    const s = `"${schema}"`;
    const events = `${s}.events`;
    this.sql = {
      /** Serialises appends (see the top of this file); a literal so it goes out with BEGIN in one round trip. */
      begin: `BEGIN; SELECT pg_advisory_xact_lock('${advisoryKey(`creditflow-event-store:append:${schema}`)}'::bigint)`,
      commitAndNotify: `NOTIFY "${schema}_events"; COMMIT`,
      listen: `LISTEN "${schema}_events"`,
      lockMigrations: `BEGIN; SELECT pg_advisory_xact_lock('${advisoryKey(`creditflow-event-store:migrate:${schema}`)}'::bigint)`,
      migrationsTable: `"${schema}".schema_migrations`,
      schema: s,
      streamState: `
        SELECT (SELECT revision FROM ${events} WHERE stream = $1 ORDER BY revision DESC LIMIT 1) AS current,
               EXISTS (SELECT 1 FROM ${events} WHERE stream = $1 AND id = ANY ($2::uuid[])) AS known`,
      // ORDER BY before the insert: identity values are drawn row by row, so positions follow revisions.
      insert: `
        INSERT INTO ${events} (stream, category, revision, id, type, data, metadata)
        SELECT $1, $2, $3::bigint + e.n - 1, e.id, e.type, e.data, e.metadata
        FROM unnest($4::uuid[], $5::text[], $6::json[], $7::json[]) WITH ORDINALITY AS e (id, type, data, metadata, n)
        ORDER BY e.n
        RETURNING position`,
      fromId: `
        SELECT id, revision, position FROM ${events}
        WHERE stream = $1 AND revision >= (SELECT revision FROM ${events} WHERE stream = $1 AND id = $2::uuid)
        ORDER BY revision LIMIT $3`,
      truncate: `DELETE FROM ${events} WHERE stream = $1 AND revision < $2`,
      forwards: `SELECT ${COLUMNS} FROM ${events} WHERE stream = $1 AND revision >= $2 ORDER BY revision LIMIT $3`,
      backwards: `SELECT ${COLUMNS} FROM ${events} WHERE stream = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3`,
      all: `SELECT ${COLUMNS} FROM ${events} WHERE position > $1 AND stream NOT LIKE '$%' ORDER BY position LIMIT $2`,
      category: `SELECT ${COLUMNS} FROM ${events} WHERE category = $1 AND position > $2 AND stream NOT LIKE '$%' ORDER BY position LIMIT $3`,
      countAll: `SELECT count(*) AS n FROM ${events} WHERE position > $1 AND stream NOT LIKE '$%'`,
      countCategory: `SELECT count(*) AS n FROM ${events} WHERE category = $1 AND position > $2 AND stream NOT LIKE '$%'`,
      checkpoint: `SELECT position FROM ${s}.checkpoints WHERE subscription_id = $1`,
      storeCheckpoint: `
        INSERT INTO ${s}.checkpoints (subscription_id, position) VALUES ($1, $2)
        ON CONFLICT (subscription_id) DO UPDATE SET position = excluded.position, updated_at = now()`,
      claim: `
        INSERT INTO ${s}.checkpoints (subscription_id, position, owner, lease_until) VALUES ($1, 0, $2, now() + $3 * interval '1 millisecond')
        ON CONFLICT (subscription_id) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until, updated_at = now()
        WHERE ${s}.checkpoints.owner IS NULL OR ${s}.checkpoints.owner = excluded.owner OR ${s}.checkpoints.lease_until < now()
        RETURNING position`,
      storeLeasedCheckpoint: `
        UPDATE ${s}.checkpoints SET position = $3, lease_until = now() + $4 * interval '1 millisecond', updated_at = now()
        WHERE subscription_id = $1 AND owner = $2`,
      release: `UPDATE ${s}.checkpoints SET owner = NULL, lease_until = NULL WHERE subscription_id = $1 AND owner = $2`,
    };

    // Start now; a failure is reported to the next caller, which tries again.
    this.ready().catch(() => undefined);
  }

  /** Resolves once the schema is there and up to date. Every method waits for it; call it to fail fast at start-up. */
  ready(): Promise<void> {
    this.live.migrated ??= this.migrate().catch((error: unknown) => {
      this.live.migrated = undefined;
      throw error;
    });
    return this.live.migrated;
  }

  appendToStream(streamName: string, events: StreamAppend['events'], { expectedRevision }: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    return appendOne(this, { streamName, events, expectedRevision });
  }

  /** One transaction: conflicts come back in their slots, any other error rolls the whole batch back. */
  async appendBatch(appends: StreamAppend[]): Promise<(AppendResult | WrongExpectedRevisionError)[]> {
    for (const { streamName, events } of appends) assertAppendable(streamName, events);
    const prepared = appends.map(prepare);
    if (prepared.length === 0) return [];
    await this.ready();

    const client = await this.pool.connect();
    let broken: Error | undefined;
    const results: (AppendResult | WrongExpectedRevisionError)[] = [];
    let written = false;
    try {
      await client.query(this.sql.begin);
      for (const append of prepared) {
        const outcome = await this.appendOne(client, append);
        results.push(outcome.result);
        written ||= outcome.written;
      }
      await client.query(written ? this.sql.commitAndNotify : 'COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
    if (written) this.wakeSubscriptions();
    return results;
  }

  async readStream(
    streamName: string,
    { direction = 'forwards', fromRevision, maxCount }: ReadStreamOptions = {},
  ): Promise<RecordedEvent[]> {
    await this.ready();
    const { rows } =
      direction === 'forwards'
        ? await this.pool.query<EventRow>(this.sql.forwards, [streamName, fromRevision ?? 0n, maxCount ?? null])
        : await this.pool.query<EventRow>(this.sql.backwards, [streamName, fromRevision ?? MAX_REVISION, maxCount ?? null]);
    return rows.map(toRecordedEvent);
  }

  async truncateBefore(streamName: string, revision: bigint): Promise<void> {
    await this.ready();
    await this.pool.query(this.sql.truncate, [streamName, revision]);
  }

  async readAll({ fromPosition = 0n, maxCount, category }: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    await this.ready();
    const { rows } =
      category === undefined
        ? await this.pool.query<EventRow>(this.sql.all, [fromPosition, maxCount ?? null])
        : await this.pool.query<EventRow>(this.sql.category, [category, fromPosition, maxCount ?? null]);
    return rows.map(toRecordedEvent);
  }

  async countEvents({ fromPosition = 0n, category }: Omit<ReadAllOptions, 'maxCount'> = {}): Promise<bigint> {
    await this.ready();
    const { rows } =
      category === undefined
        ? await this.pool.query<{ n: bigint }>(this.sql.countAll, [fromPosition])
        : await this.pool.query<{ n: bigint }>(this.sql.countCategory, [category, fromPosition]);
    return BigInt(rows[0]?.n ?? 0);
  }

  async subscribe({ subscriptionId, category, batchSize = 100, exclusive, checkpoints, ...handlers }: SubscribeOptions): Promise<Subscription> {
    if (exclusive && checkpoints) throw new TypeError(`subscription ${subscriptionId}: an exclusive subscription keeps its checkpoint in the store`);
    await this.ready();
    const from = checkpoints ? await checkpoints.load() : ((await this.pool.query<{ position: bigint }>(this.sql.checkpoint, [subscriptionId])).rows[0]?.position ?? 0n);
    let wakeUpsBefore = 0;
    const owner = randomUUID();
    const leaseMs = exclusive?.leaseMs ?? 0;
    const subscription = pollingSubscription(
      {
        read: async (position) => {
          await this.listen();
          wakeUpsBefore = this.live.wakeUps;
          return this.readAll({ fromPosition: position, maxCount: batchSize, category });
        },
        // An append that committed after the read began has already woken nobody: read again at once.
        idle: async (signal) => {
          if (this.live.wakeUps === wakeUpsBefore) await sleep(this.pollIntervalMs, signal, this.wake);
        },
        storeCheckpoint: async (position) => {
          if (checkpoints) await checkpoints.save(position);
          else if (exclusive) await this.pool.query(this.sql.storeLeasedCheckpoint, [subscriptionId, owner, position, leaseMs]);
          else await this.pool.query(this.sql.storeCheckpoint, [subscriptionId, position]);
        },
        ...(exclusive
          ? {
              claim: async () => (await this.pool.query<{ position: bigint }>(this.sql.claim, [subscriptionId, owner, leaseMs])).rows[0]?.position ?? null,
              release: async () => void (await this.pool.query(this.sql.release, [subscriptionId, owner])),
            }
          : {}),
      },
      from, handlers, this.retry, (stopped) => this.subscriptions.delete(stopped),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    if (this.live.closed) return;
    this.live.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    const listener = this.live.listener;
    this.live.listener = undefined;
    await listener?.then((client) => client.end()).catch(() => undefined);
    await this.live.migrated?.catch(() => undefined);
    await this.pool.end();
  }

  private async appendOne(
    client: PoolClient,
    append: PreparedAppend,
  ): Promise<{ result: AppendResult | WrongExpectedRevisionError; written: boolean }> {
    const { streamName, expectedRevision, ids } = append;
    const { rows: [state] } = await client.query<{ current: bigint | null; known: boolean }>(this.sql.streamState, [streamName, ids]);
    const current: CurrentRevision = state.current ?? 'no_stream';

    // Known ids anywhere in the stream: the same append again (its first result), or a conflict.
    if (!revisionSatisfies(expectedRevision, current) || state.known) {
      const original = await this.original(client, append);
      return { result: original ?? new WrongExpectedRevisionError(streamName, expectedRevision, current), written: false };
    }
    const first = current === 'no_stream' ? 0n : current + 1n;
    const { rows } = await client.query<{ position: bigint }>(this.sql.insert, [
      streamName,
      categoryOf(streamName),
      first,
      ids,
      append.types,
      append.data,
      append.metadata,
    ]);
    const position = rows.reduce((max, row) => (row.position > max ? row.position : max), 0n);
    return { result: { nextExpectedRevision: first + BigInt(ids.length) - 1n, position }, written: true };
  }

  /** The result of the first append when exactly these ids already sit where this append would have put them. */
  private async original(client: PoolClient, { streamName, ids, expectedRevision }: PreparedAppend): Promise<AppendResult | undefined> {
    const { rows } = await client.query<{ id: string; revision: bigint; position: bigint }>(this.sql.fromId, [
      streamName,
      ids[0],
      ids.length,
    ]);
    if (rows.length === 0) return undefined;
    const first = rows[0].revision;
    if (expectedRevision === 'no_stream' && first !== 0n) return undefined;
    if (typeof expectedRevision === 'bigint' && first !== expectedRevision + 1n) return undefined;
    if (rows.length !== ids.length || rows.some((row, i) => row.id !== ids[i])) return undefined;
    return { nextExpectedRevision: first + BigInt(ids.length) - 1n, position: rows[rows.length - 1].position };
  }

  /** Creates the schema or brings it up to date; one process at a time per schema. */
  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(this.sql.lockMigrations);
      const { rows: [{ exists }] } = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
        this.sql.migrationsTable,
      ]);
      let version = 0;
      if (exists) {
        const { rows } = await client.query<{ version: number }>(`SELECT coalesce(max(version), 0) AS version FROM ${this.sql.migrationsTable}`);
        version = rows[0].version;
      } else {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.sql.schema}`);
        await client.query(
          `CREATE TABLE ${this.sql.migrationsTable} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
        );
      }
      if (version > MIGRATIONS.length) {
        throw new Error(`Event store schema "${this.schemaName}" has version ${version}, newer than this code (${MIGRATIONS.length})`);
      }
      for (; version < MIGRATIONS.length; version++) {
        await client.query(MIGRATIONS[version](this.sql.schema));
        await client.query(`INSERT INTO ${this.sql.migrationsTable} (version) VALUES ($1)`, [version + 1]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Opens the LISTEN connection when there is none (first subscription, or the last one was lost). */
  private async listen(): Promise<void> {
    if (this.live.closed) return;
    this.live.listener ??= (async () => {
      const client = new Client(this.clientConfig);
      const lost = () => {
        if (this.live.listener !== listening) return;
        this.live.listener = undefined;
        // Appends may have been missed while the connection was down: read once more.
        this.wakeSubscriptions();
      };
      client.on('error', lost);
      client.on('end', lost);
      client.on('notification', () => this.wakeSubscriptions());
      try {
        await client.connect();
        await client.query(this.sql.listen);
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      return client;
    })();
    const listening = this.live.listener;
    try {
      await listening;
    } catch (error) {
      if (this.live.listener === listening) this.live.listener = undefined;
      throw error;
    }
  }

  private wakeSubscriptions(): void {
    this.live.wakeUps++;
    for (const wake of [...this.wake]) wake();
  }
}

function prepare(append: StreamAppend): PreparedAppend {
  return {
    ...append,
    ids: append.events.map((event) => event.id.toLowerCase()),
    types: append.events.map((event) => event.type),
    data: append.events.map((event) => JSON.stringify(event.data ?? null)),
    metadata: append.events.map((event) => JSON.stringify(event.metadata ?? {})),
  };
}

/** A signed 64-bit advisory lock key from a label: one key per schema and purpose. */
function advisoryKey(label: string): bigint {
  return createHash('sha256').update(label).digest().readBigInt64BE(0);
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    streamName: row.stream,
    id: row.id,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    revision: row.revision,
    position: row.position,
    recordedAt: row.recorded_at,
  };
}

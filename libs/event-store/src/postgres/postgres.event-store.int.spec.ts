import { randomUUID } from 'node:crypto';
import { Client, type PoolClient } from 'pg';
import { waitFor } from '@creditflow/kernel/testing';
import { commandHandlerContract, eventStoreContract, testDatabaseUrl } from '../../testing';
import { PostgresEventStore, type PostgresEventStoreOptions } from './postgres.event-store';
import { WrongExpectedRevisionError, type AppendResult, type EventStore, type RecordedEvent, type SubscribeOptions } from '../event-store';
import { createEventStore } from '../create-event-store';

// PostgreSQL runs on the build machines and in CI (socket /var/run/postgresql, trust auth, database
// `test`). DATABASE_URL points elsewhere. Without it, the socket as the OS user (root in CI), or as
// `postgres` where the OS user has no role. Every run works in schemas of its own, dropped at the end.
const TIMEOUT_MS = 30_000;
const runId = randomUUID().replace(/-/g, '').slice(0, 12);
const schemas: string[] = [];
let connectionString: string;

/** A schema no other run or test uses; dropped after the file. */
const newSchema = () => {
  const schema = `cf_test_${runId}_${schemas.length}`;
  schemas.push(schema);
  return schema;
};

async function query<T extends object = Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  connectionString = await testDatabaseUrl();
});

afterAll(async () => {
  if (connectionString && schemas.length) await query(`DROP SCHEMA IF EXISTS ${schemas.map((s) => `"${s}"`).join(', ')} CASCADE`);
});

const open = async (schema: string, options: PostgresEventStoreOptions = {}) => {
  const store = PostgresEventStore.connect(connectionString, { pollIntervalMs: 100, ...options, schema });
  await store.ready();
  return store;
};

// Every store of the contract connects to one schema, as separate processes would.
const contractSchema = newSchema();
eventStoreContract('PostgresEventStore', () => open(contractSchema));
commandHandlerContract('PostgresEventStore', () => open(contractSchema));

describe('PostgresEventStore', () => {
  const event = (type: string, data: unknown = { type }) => ({ id: randomUUID(), type, data });
  const until = (condition: () => boolean | Promise<boolean>, timeoutMs = 10_000) =>
    waitFor('the condition', async () => ((await condition()) ? true : undefined), timeoutMs);
  const stores: EventStore[] = [];
  const track = <S extends EventStore>(store: S) => (stores.push(store), store);
  /** Subscribes to `store`, keeping what it delivers in `delivered`. */
  const collect = async (store: EventStore, options: Omit<SubscribeOptions, 'onEvents'>) => {
    const delivered: RecordedEvent[] = [];
    const subscription = await store.subscribe({ ...options, onEvents: async (e) => void delivered.push(...e) });
    return { delivered, stop: () => subscription.stop() };
  };
  /** Two store objects on a new schema: one subscribed whose poll sleeps a minute, so only NOTIFY wakes it; one to append. */
  const listenerAndAppender = async () => {
    const schema = newSchema();
    const listening = track(await open(schema, { pollIntervalMs: 60_000 }));
    const appending = track(await open(schema));
    return { schema, appending, ...(await collect(listening, { subscriptionId: 'all' })) };
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  it('keeps appended events and checkpoints when the store is closed and connected again', async () => {
    const schema = newSchema();
    const events = [event('A'), event('B')];
    const first = await open(schema);
    const written = await first.appendToStream('wallet-acc1', events, { expectedRevision: 'no_stream' });
    const { delivered, stop } = await collect(first, { subscriptionId: 'projector' });
    await until(() => delivered.length === 2);
    await stop();
    await first.close();

    const reopened = track(await open(schema));
    const read = await reopened.readStream('wallet-acc1');
    const later = [event('C')];
    await reopened.appendToStream('wallet-acc1', later, { expectedRevision: written.nextExpectedRevision });
    const resumed = await collect(reopened, { subscriptionId: 'projector' });
    await until(() => resumed.delivered.length >= 1);
    await resumed.stop();

    expect(read.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(read[1].position).toBe(written.position);
    expect(resumed.delivered.map((e) => e.id)).toEqual(later.map((e) => e.id));
    expect(await query(`SELECT version FROM "${schema}".schema_migrations`)).toEqual([{ version: 1 }, { version: 2 }]);
  }, TIMEOUT_MS);

  it('keeps positions, revisions and checkpoints beyond 2^53 exact', async () => {
    const schema = newSchema();
    track(await open(schema)); // creates the schema
    const big = 2n ** 60n;
    await query(`ALTER TABLE "${schema}".events ALTER COLUMN position RESTART WITH ${big + 1n}`);
    await query(
      `INSERT INTO "${schema}".events (stream, category, revision, id, type, data, metadata)
       VALUES ('ledger-far', 'ledger', $1, $2, 'Seed', '{}', '{}')`,
      [big, randomUUID()],
    );
    const store = track(await open(schema));

    const result = await store.appendToStream('wallet-acc1', [event('A'), event('B')], { expectedRevision: 'no_stream' });
    const far = await store.appendToStream('ledger-far', [event('Next')], { expectedRevision: big });
    const read = await store.readAll({ fromPosition: big + 1n });
    const { delivered, stop } = await collect(store, { subscriptionId: 'far', category: 'wallet' });
    await until(() => delivered.length === 2);
    await stop();

    expect(result.position).toBe(big + 3n);
    expect(read.map((e) => e.position)).toEqual([big + 2n, big + 3n, big + 4n]);
    expect(far).toEqual({ nextExpectedRevision: big + 1n, position: big + 4n });
    expect((await store.readStream('ledger-far', { direction: 'backwards', maxCount: 1 }))[0].revision).toBe(big + 1n);
    expect(await query(`SELECT position::text FROM "${schema}".checkpoints WHERE subscription_id = 'far'`)).toEqual([
      { position: (big + 3n).toString() },
    ]);
  }, TIMEOUT_MS);

  it('wakes a subscription in one store object on an append made by another, through NOTIFY rather than the poll', async () => {
    const { appending, delivered, stop } = await listenerAndAppender();
    await new Promise((resolve) => setTimeout(resolve, 200)); // the first (empty) read is done, the poll sleeps a minute

    const first = [event('A')];
    await appending.appendToStream('wallet-acc1', first, { expectedRevision: 'no_stream' });
    await until(() => delivered.length === 1, 5_000);
    const second = [event('B')];
    await appending.appendToStream('refund-r1', second, { expectedRevision: 'no_stream' });
    await until(() => delivered.length === 2, 5_000);
    await stop();

    expect(delivered.map((e) => e.id)).toEqual([...first, ...second].map((e) => e.id));
  }, TIMEOUT_MS);

  it('listens again after its LISTEN connection is killed', async () => {
    const { schema, appending, delivered, stop } = await listenerAndAppender();
    const listeners = () => query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE query = $1', [`LISTEN "${schema}_events"`]);
    let killed: number | undefined;
    await until(async () => (killed = (await listeners())[0]?.pid) !== undefined);

    await query('SELECT pg_terminate_backend($1)', [killed]);
    await until(async () => (await listeners()).some(({ pid }) => pid !== killed));
    const events = [event('A')];
    await appending.appendToStream('wallet-acc1', events, { expectedRevision: 'no_stream' });
    await until(() => delivered.length === 1, 5_000);
    await stop();

    expect(delivered.map((e) => e.id)).toEqual(events.map((e) => e.id));
  }, TIMEOUT_MS);

  it('lets exactly one of two store objects win concurrent appends to one stream at one revision', async () => {
    const schema = newSchema();
    const [a, b] = [track(await open(schema)), track(await open(schema))];
    const stream = 'wallet-contested';
    let expected: 'no_stream' | bigint = 'no_stream';

    for (let round = 0; round < 20; round++) {
      const outcomes: PromiseSettledResult<AppendResult>[] = await Promise.allSettled([
        a.appendToStream(stream, [event(`A${round}`)], { expectedRevision: expected }),
        b.appendToStream(stream, [event(`B${round}`)], { expectedRevision: expected }),
      ]);
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o) => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
      expected = (won[0] as PromiseFulfilledResult<AppendResult>).value.nextExpectedRevision;
    }

    expect((await a.readStream(stream)).map((e) => e.revision)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i)));
  }, TIMEOUT_MS);

  it('holds a later append back while an earlier one is still open, so no reader sees a position before the ones below it', async () => {
    const schema = newSchema();
    const [slow, fast] = [track(await open(schema)), track(await open(schema))];
    // The slow store's next transaction stops just before its COMMIT, its position already drawn.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const atCommit = new Promise<void>((resolve) => (reached = resolve));
    const pool = slow['pool'];
    const connect = pool.connect.bind(pool) as () => Promise<PoolClient>;
    pool.connect = (async () => {
      const client = await connect();
      return new Proxy(client, {
        get(target, property) {
          if (property !== 'query') return Reflect.get(target, property, target);
          return async (text: string, values?: unknown[]) => {
            if (text.endsWith('COMMIT')) {
              reached();
              await released;
            }
            return target.query(text, values);
          };
        },
      });
    }) as typeof pool.connect;

    const earlier = slow.appendToStream('first-a', [event('Earlier')], { expectedRevision: 'no_stream' });
    await atCommit;
    pool.connect = connect as typeof pool.connect;
    let laterDone = false;
    const later = fast.appendToStream('second-b', [event('Later')], { expectedRevision: 'no_stream' }).finally(() => (laterDone = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const whileOpen = { laterDone, read: (await fast.readAll()).map((r) => r.streamName) };
    release();
    const [e, l] = await Promise.all([earlier, later]);

    expect(whileOpen).toEqual({ laterDone: false, read: [] });
    expect(l.position).toBeGreaterThan(e.position);
    expect((await fast.readAll()).map((r) => r.streamName)).toEqual(['first-a', 'second-b']);
  }, TIMEOUT_MS);

  it('never lets a catch-up reader skip an event while other store objects append concurrently', async () => {
    const schema = newSchema();
    const writers = [track(await open(schema)), track(await open(schema)), track(await open(schema))];
    const reader = track(await open(schema, { pollIntervalMs: 5 }));
    const { delivered, stop } = await collect(reader, { subscriptionId: 'gapless', batchSize: 3 });

    const appended = await Promise.all(
      writers.flatMap((writer, w) =>
        Array.from({ length: 4 }, async (_, s) => {
          const ids: string[] = [];
          for (let n = 0; n < 10; n++) {
            const events = [event('E'), event('E')];
            await writer.appendToStream(`gap-w${w}s${s}`, events, { expectedRevision: n === 0 ? 'no_stream' : BigInt(2 * n - 1) });
            ids.push(...events.map((e) => e.id));
          }
          return ids;
        }),
      ),
    );
    const all = appended.flat();
    await until(() => delivered.length >= all.length);
    await stop();

    const positions = delivered.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((p, q) => (p < q ? -1 : 1)));
    expect(new Set(positions).size).toBe(positions.length);
    expect(new Set(delivered.map((e) => e.id))).toEqual(new Set(all));
  }, TIMEOUT_MS);

  it('rolls back the whole batch when an append fails for another reason than a conflict', async () => {
    const store = track(await open(contractSchema));
    const category = `rollback${runId}`;

    // PostgreSQL text cannot hold NUL: the second insert fails inside the transaction, after the first.
    await expect(
      store.appendBatch([
        { streamName: `${category}-a`, events: [event('A')], expectedRevision: 'no_stream' },
        { streamName: `${category}-b\u0000`, events: [event('B')], expectedRevision: 'no_stream' },
      ]),
    ).rejects.toThrow();

    expect(await store.readAll({ category })).toEqual([]);
    // The connection went back to the pool usable: the next append works.
    await store.appendToStream(`${category}-a`, [event('A')], { expectedRevision: 'no_stream' });
  }, TIMEOUT_MS);

  it('keeps data as written: key order and NUL characters', async () => {
    const store = track(await open(contractSchema));
    const stream = `json${runId}-a`;
    const data = { zeta: 1, alpha: { b: 2, a: 1 }, nul: 'a\u0000b' };

    await store.appendToStream(stream, [event('Stored', data)], { expectedRevision: 'no_stream' });

    const [read] = await store.readStream(stream);
    expect(JSON.stringify(read.data)).toBe(JSON.stringify(data));
  }, TIMEOUT_MS);

  it('creates a schema once when several stores connect to it at the same time, and refuses a newer one', async () => {
    const schema = newSchema();
    const racing = Array.from({ length: 4 }, () => track(PostgresEventStore.connect(connectionString, { schema })));
    await Promise.all(racing.map((store) => store.ready()));
    await query(`INSERT INTO "${schema}".schema_migrations (version) VALUES (3)`);

    const newer = track(PostgresEventStore.connect(connectionString, { schema }));

    await expect(newer.ready()).rejects.toThrow(`Event store schema "${schema}" has version 3, newer than this code (2)`);
    await expect(newer.readAll()).rejects.toThrow('newer than this code');
    expect(await query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`)).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }]);
  }, TIMEOUT_MS);

  it('is what createEventStore builds for kind postgres', async () => {
    const schema = newSchema();
    const store = track(createEventStore({ kind: 'postgres', connectionString, schema }));

    await store.appendToStream('wallet-acc1', [event('A')], { expectedRevision: 'no_stream' });

    expect(store).toBeInstanceOf(PostgresEventStore);
    expect(await query(`SELECT stream FROM "${schema}".events`)).toEqual([{ stream: 'wallet-acc1' }]);
  }, TIMEOUT_MS);

  it('refuses a schema name it would have to quote', () => {
    expect(() => PostgresEventStore.connect(connectionString, { schema: 'Creditflow"; DROP' })).toThrow(TypeError);
  });
});

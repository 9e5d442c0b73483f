import { randomUUID } from 'node:crypto';
import { waitFor } from '@creditflow/kernel/testing';
import {
  categoryOf,
  WrongExpectedRevisionError,
  type EventData,
  type EventStore,
  type RecordedEvent,
  type Subscription,
} from '../src/event-store';

const TIMEOUT_MS = 20_000;

/**
 * Behaviour every EventStore adapter must show. `makeStore` may be called several times in one test;
 * all stores it returns must share one storage (a file, a server), like two processes would.
 * Tests never assume an empty store: each uses its own categories and subscription ids.
 */
export function eventStoreContract(name: string, makeStore: () => Promise<EventStore>): void {
  describe(`${name} (EventStore contract)`, () => {
    const runId = randomUUID().replace(/-/g, '').slice(0, 12);
    let counter = 0;
    /** A category no other test or run uses: letters and digits only, no dash. */
    const newCategory = () => `ct${runId}n${counter++}`;
    const event = (type: string, data: unknown = {}, metadata?: Record<string, unknown>): EventData => ({
      id: randomUUID(),
      type,
      data,
      ...(metadata ? { metadata } : {}),
    });
    const ids = (events: { id: string }[]) => events.map((e) => e.id);

    let store: EventStore;
    const extraStores: EventStore[] = [];
    const subscriptions: Subscription[] = [];

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.stop()));
      await Promise.all(extraStores.splice(0).map((s) => s.close()));
      await store.close();
    });

    const expectConflict = async (promise: Promise<unknown>) => {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      return error as WrongExpectedRevisionError;
    };

    describe('truncating', () => {
      it('drops the events before a revision from every read; the stream goes on from its last revision', async () => {
        const stream = `${newCategory()}-t`;
        const written = [event('A'), event('B'), event('C')];
        await store.appendToStream(stream, written, { expectedRevision: 'no_stream' });
        await store.truncateBefore(stream, 2n);
        expect(ids(await store.readStream(stream))).toEqual(ids(written.slice(2)));
        expect(ids(await store.readStream(stream, { direction: 'backwards', maxCount: 1 }))).toEqual(ids(written.slice(2)));
        const next = event('D');
        await store.appendToStream(stream, [next], { expectedRevision: 2n });
        await expectConflict(store.appendToStream(stream, [event('E')], { expectedRevision: 1n }));
        expect((await store.readStream(stream)).map((e) => [e.id, e.revision])).toEqual([[written[2].id, 2n], [next.id, 3n]]);
        const other = await makeStore();
        extraStores.push(other);
        expect(ids(await other.readStream(stream))).toEqual([written[2].id, next.id]);
      });

      it('changes nothing for a stream that does not exist', async () => {
        const stream = `${newCategory()}-t`;
        await store.truncateBefore(stream, 5n);
        expect(await store.readStream(stream)).toEqual([]);
      });
    });

    describe('appending', () => {
      it('appends to a new stream with no_stream and reads the events back in order', async () => {
        const stream = `${newCategory()}-a`;
        const events = [event('Opened', { n: 1 }, { correlationId: 'c1' }), event('Credited', { n: 2 })];

        const result = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });

        expect(result.nextExpectedRevision).toBe(1n);
        const read = await store.readStream(stream);
        expect(read.map((e) => [e.streamName, e.id, e.type, e.data, e.metadata, e.revision])).toEqual([
          [stream, events[0].id, 'Opened', { n: 1 }, { correlationId: 'c1' }, 0n],
          [stream, events[1].id, 'Credited', { n: 2 }, {}, 1n],
        ]);
        expect(read[0].position).toBeLessThan(read[1].position);
        expect(read[1].position).toBe(result.position);
        expect(read[0].recordedAt).toBeInstanceOf(Date);
        expect(Math.abs(read[0].recordedAt.getTime() - Date.now())).toBeLessThan(60_000);
      }, TIMEOUT_MS);

      it('appends with the revision of the last event and returns the next one', async () => {
        const stream = `${newCategory()}-a`;
        const first = await store.appendToStream(stream, [event('A')], { expectedRevision: 'no_stream' });
        const second = await store.appendToStream(stream, [event('B'), event('C')], {
          expectedRevision: first.nextExpectedRevision,
        });

        expect(first.nextExpectedRevision).toBe(0n);
        expect(second.nextExpectedRevision).toBe(2n);
        expect(second.position).toBeGreaterThan(first.position);
        expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['A', 'B', 'C']);
      }, TIMEOUT_MS);

      it('refuses a wrong expected revision, names expected and actual, and writes nothing', async () => {
        const stream = `${newCategory()}-a`;
        await store.appendToStream(stream, [event('A'), event('B')], { expectedRevision: 'no_stream' });

        const error = await expectConflict(store.appendToStream(stream, [event('C')], { expectedRevision: 0n }));

        expect(error.code).toBe('EVENT_STORE.WRONG_EXPECTED_REVISION');
        expect(error.streamName).toBe(stream);
        expect(error.expected).toBe(0n);
        expect(error.actual).toBe(1n);
        expect(await store.readStream(stream)).toHaveLength(2);
      }, TIMEOUT_MS);

      it('refuses no_stream on an existing stream', async () => {
        const stream = `${newCategory()}-a`;
        await store.appendToStream(stream, [event('A')], { expectedRevision: 'no_stream' });

        const error = await expectConflict(store.appendToStream(stream, [event('B')], { expectedRevision: 'no_stream' }));

        expect(error.expected).toBe('no_stream');
        expect(error.actual).toBe(0n);
      }, TIMEOUT_MS);

      it('refuses stream_exists or a revision on a missing stream, with actual no_stream', async () => {
        const stream = `${newCategory()}-a`;

        const exists = await expectConflict(store.appendToStream(stream, [event('A')], { expectedRevision: 'stream_exists' }));
        const revision = await expectConflict(store.appendToStream(stream, [event('A')], { expectedRevision: 0n }));

        expect(exists.actual).toBe('no_stream');
        expect(revision.actual).toBe('no_stream');
        expect(await store.readStream(stream)).toEqual([]);
      }, TIMEOUT_MS);

      it('appends with any and stream_exists whatever the revision', async () => {
        const stream = `${newCategory()}-a`;
        await store.appendToStream(stream, [event('A')], { expectedRevision: 'any' });
        await store.appendToStream(stream, [event('B')], { expectedRevision: 'stream_exists' });
        const result = await store.appendToStream(stream, [event('C')], { expectedRevision: 'any' });

        expect(result.nextExpectedRevision).toBe(2n);
        expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['A', 'B', 'C']);
      }, TIMEOUT_MS);
    });

    describe('idempotent appends', () => {
      it('writes nothing when the same event ids are re-appended with the same expected revision', async () => {
        const stream = `${newCategory()}-a`;
        const opening = [event('A'), event('B')];
        const next = [event('C')];
        const first = await store.appendToStream(stream, opening, { expectedRevision: 'no_stream' });
        const second = await store.appendToStream(stream, next, { expectedRevision: 1n });

        expect(await store.appendToStream(stream, opening, { expectedRevision: 'no_stream' })).toEqual(first);
        expect(await store.appendToStream(stream, next, { expectedRevision: 1n })).toEqual(second);
        expect(ids(await store.readStream(stream))).toEqual(ids([...opening, ...next]));
      }, TIMEOUT_MS);

      it('refuses known event ids at another revision, and a re-append that only partly matches', async () => {
        const stream = `${newCategory()}-a`;
        const [a, b, c] = [event('A'), event('B'), event('C')];
        await store.appendToStream(stream, [a, b, c], { expectedRevision: 'no_stream' });

        await expectConflict(store.appendToStream(stream, [a], { expectedRevision: 1n }));
        await expectConflict(store.appendToStream(stream, [b, c, event('D')], { expectedRevision: 0n }));

        expect(ids(await store.readStream(stream))).toEqual(ids([a, b, c]));
      }, TIMEOUT_MS);
    });

    describe('reading a stream', () => {
      const fiveEvents = async () => {
        const stream = `${newCategory()}-a`;
        await store.appendToStream(stream, [0, 1, 2, 3, 4].map((n) => event(`E${n}`)), { expectedRevision: 'no_stream' });
        return stream;
      };
      const revisions = (events: RecordedEvent[]) => events.map((e) => e.revision);

      it('reads forwards and backwards, from a revision, up to a count', async () => {
        const stream = await fiveEvents();

        expect(revisions(await store.readStream(stream))).toEqual([0n, 1n, 2n, 3n, 4n]);
        expect(revisions(await store.readStream(stream, { direction: 'backwards' }))).toEqual([4n, 3n, 2n, 1n, 0n]);
        expect(revisions(await store.readStream(stream, { fromRevision: 2n }))).toEqual([2n, 3n, 4n]);
        expect(revisions(await store.readStream(stream, { direction: 'backwards', fromRevision: 2n }))).toEqual([2n, 1n, 0n]);
        expect(revisions(await store.readStream(stream, { maxCount: 2 }))).toEqual([0n, 1n]);
        expect(revisions(await store.readStream(stream, { direction: 'backwards', maxCount: 2 }))).toEqual([4n, 3n]);
        expect(revisions(await store.readStream(stream, { fromRevision: 1n, maxCount: 2 }))).toEqual([1n, 2n]);
        expect(await store.readStream(stream, { fromRevision: 5n })).toEqual([]);
      }, TIMEOUT_MS);

      it('reads a stream that does not exist as empty', async () => {
        const stream = `${newCategory()}-missing`;

        expect(await store.readStream(stream)).toEqual([]);
        expect(await store.readStream(stream, { direction: 'backwards', maxCount: 1 })).toEqual([]);
      }, TIMEOUT_MS);
    });

    describe('reading all streams', () => {
      it('reads after a position, in position order, optionally one category and up to a count', async () => {
        const [first, second] = [newCategory(), newCategory()];
        const marker = await store.appendToStream(`${newCategory()}-marker`, [event('Marker')], { expectedRevision: 'no_stream' });
        const x = [event('X1'), event('X2')];
        const y = [event('Y1')];
        const z = [event('Z1')];
        await store.appendToStream(`${first}-x`, x, { expectedRevision: 'no_stream' });
        await store.appendToStream(`${second}-y`, y, { expectedRevision: 'no_stream' });
        await store.appendToStream(`${first}-z`, z, { expectedRevision: 'no_stream' });

        // A shared server may hold other runs' events after the marker: keep only ours.
        const ours = (await store.readAll({ fromPosition: marker.position })).filter((e) =>
          [first, second].some((c) => e.streamName.startsWith(`${c}-`)),
        );
        const inFirst = await store.readAll({ fromPosition: marker.position, category: first });

        expect(ids(ours)).toEqual(ids([...x, ...y, ...z]));
        expect(ours.map((e) => e.position)).toEqual([...ours.map((e) => e.position)].sort((p, q) => (p < q ? -1 : 1)));
        expect(new Set(ours.map((e) => e.position)).size).toBe(ours.length);
        expect(ids(inFirst)).toEqual(ids([...x, ...z]));
        expect(inFirst.map((e) => e.streamName)).toEqual([`${first}-x`, `${first}-x`, `${first}-z`]);
        expect(ids(await store.readAll({ fromPosition: marker.position, category: first, maxCount: 2 }))).toEqual(ids(x));
        expect(ids(await store.readAll({ fromPosition: inFirst[1].position, category: first }))).toEqual(ids(z));
        expect(await store.readAll({ fromPosition: inFirst[2].position, category: first })).toEqual([]);
      }, TIMEOUT_MS);

      it('counts what readAll would return, after a position and in one category, or says it cannot', async () => {
        const category = newCategory();
        const marker = await store.appendToStream(`${newCategory()}-marker`, [event('Marker')], { expectedRevision: 'no_stream' });
        await store.appendToStream(`${category}-a`, [event('A1'), event('A2')], { expectedRevision: 'no_stream' });
        await store.appendToStream(`${category}-b`, [event('B1')], { expectedRevision: 'no_stream' });
        const all = await store.countEvents({ category });
        if (all === null) return; // the adapter cannot count without reading (EventStoreDB)
        expect(all).toBe(3n);
        const events = await store.readAll({ category });
        expect(await store.countEvents({ category, fromPosition: events[0].position })).toBe(2n);
        expect(await store.countEvents({ category, fromPosition: events[2].position })).toBe(0n);
        // Without a category: every stream after the marker (a shared server may hold other runs' events).
        expect(await store.countEvents({ fromPosition: marker.position })).toBeGreaterThanOrEqual(3n);
        expect(await store.countEvents({ category: newCategory() })).toBe(0n);
      }, TIMEOUT_MS);
    });

    describe('appending to several streams at once', () => {
      it('writes every append that holds and reports the conflicting one in its slot', async () => {
        const category = newCategory();
        await store.appendToStream(`${category}-b`, [event('B0')], { expectedRevision: 'no_stream' });
        const a = [event('A0'), event('A1')];
        const c = [event('C0')];

        const results = await store.appendBatch([
          { streamName: `${category}-a`, events: a, expectedRevision: 'no_stream' },
          { streamName: `${category}-b`, events: [event('B1')], expectedRevision: 5n },
          { streamName: `${category}-c`, events: c, expectedRevision: 'no_stream' },
        ]);

        expect(results[0]).toMatchObject({ nextExpectedRevision: 1n });
        expect(results[1]).toBeInstanceOf(WrongExpectedRevisionError);
        expect(results[1]).toMatchObject({ streamName: `${category}-b`, expected: 5n, actual: 0n });
        expect(results[2]).toMatchObject({ nextExpectedRevision: 0n });
        expect(ids(await store.readStream(`${category}-a`))).toEqual(ids(a));
        expect((await store.readStream(`${category}-b`)).map((e) => e.type)).toEqual(['B0']);
        expect(ids(await store.readStream(`${category}-c`))).toEqual(ids(c));
        const [written] = await store.readStream(`${category}-c`);
        expect((results[2] as { position: bigint }).position).toBe(written.position);
      }, TIMEOUT_MS);
    });

    describe('catch-up subscriptions', () => {
      const collect = (delivered: RecordedEvent[], calls?: RecordedEvent[][]) => async (events: RecordedEvent[]) => {
        calls?.push(events);
        delivered.push(...events);
      };

      it('delivers existing then new events in order, and resumes after its checkpoint once resubscribed', async () => {
        const category = newCategory();
        const subscriptionId = `sub-${category}`;
        const stream = `${category}-a`;
        const before = [event('E0'), event('E1')];
        const live = [event('E2'), event('E3')];
        const whileStopped = [event('E4'), event('E5')];
        const last = [event('E6')];
        await store.appendToStream(stream, before, { expectedRevision: 'no_stream' });
        await store.appendToStream(`${newCategory()}-other`, [event('Other')], { expectedRevision: 'no_stream' });

        const delivered: RecordedEvent[] = [];
        const first = await store.subscribe({ subscriptionId, category, onEvents: collect(delivered), batchSize: 1 });
        subscriptions.push(first);
        await waitFor('the events appended before subscribing', () => (delivered.length >= before.length ? true : undefined));
        expect(ids(delivered)).toEqual(ids(before));
        await store.appendToStream(stream, live, { expectedRevision: 1n });
        await waitFor('the events appended while subscribed', () => (delivered.length >= before.length + live.length ? true : undefined));
        expect(ids(delivered)).toEqual(ids([...before, ...live]));
        await first.stop();

        await store.appendToStream(stream, whileStopped, { expectedRevision: 3n });
        const resumed = await store.subscribe({ subscriptionId, category, onEvents: collect(delivered) });
        subscriptions.push(resumed);
        await store.appendToStream(stream, last, { expectedRevision: 5n });
        // Delivery is in position order: once the last event is in, anything delivered twice would be too.
        await waitFor('the last event', () => (delivered.at(-1)?.id === last[0].id ? true : undefined));
        expect(delivered.at(-1)?.id).toBe(last[0].id);

        expect(ids(delivered)).toEqual(ids([...before, ...live, ...whileStopped, ...last]));
        expect(delivered.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n]);
      }, TIMEOUT_MS);

      it('lets timers and I/O run between the batches of a long catch-up (a large store does not hold off requests)', async () => {
        const category = newCategory();
        // 2,000 batches of one: longer than a loop may hold the event loop (10 ms) on any store.
        await store.appendToStream(`${category}-a`, Array.from({ length: 2_000 }, (_, i) => event(`E${i}`)), { expectedRevision: 'no_stream' });
        const delivered: RecordedEvent[] = [];
        subscriptions.push(await store.subscribe({ subscriptionId: `sub-${category}`, category, onEvents: collect(delivered), batchSize: 1 }));
        let deliveredWhenIoRan = -1;
        setImmediate(() => (deliveredWhenIoRan = delivered.length));
        await waitFor('the 2,000 events', () => (delivered.length >= 2_000 ? true : undefined), TIMEOUT_MS);
        expect(deliveredWhenIoRan).toBeGreaterThanOrEqual(0);
        expect(deliveredWhenIoRan).toBeLessThan(2_000);
      }, TIMEOUT_MS);

      it('delivers the same events again when onEvents throws, then moves on', async () => {
        const category = newCategory();
        const stream = `${category}-a`;
        const events = [event('E0'), event('E1')];
        await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
        const calls: RecordedEvent[][] = [];
        const errors: unknown[] = [];
        let failures = 0;

        subscriptions.push(
          await store.subscribe({
            subscriptionId: `sub-${category}`,
            category,
            onEvents: async (batch) => {
              calls.push(batch);
              if (failures++ === 0) throw new Error('handler failed once');
            },
            onError: (error) => errors.push(error),
          }),
        );
        await waitFor('the delivery after the failure', () => (calls.length >= 2 ? true : undefined));
        expect(calls.length).toBeGreaterThanOrEqual(2);
        const later = [event('E2')];
        await store.appendToStream(stream, later, { expectedRevision: 1n });
        await waitFor('the later event', () => (calls.flat().at(-1)?.id === later[0].id ? true : undefined));
        expect(calls.flat().at(-1)?.id).toBe(later[0].id);

        expect(ids(calls[1])).toEqual(ids(calls[0]));
        expect(ids(calls.slice(1).flat())).toEqual(ids([...events, ...later]));
        expect(errors).toEqual([new Error('handler failed once')]);
      }, TIMEOUT_MS);

      it('delivers an exclusive subscription through one replica at a time; another takes over from the checkpoint when it stops', async () => {
        const category = newCategory();
        const other = await makeStore();
        extraStores.push(other);
        const byReplica: RecordedEvent[][] = [[], []];
        const options = (i: number) => ({ subscriptionId: `sub-${category}`, category, exclusive: { leaseMs: 2_000 }, onEvents: collect(byReplica[i]) });
        const first = [event('E0'), event('E1')];
        await store.appendToStream(`${category}-a`, first, { expectedRevision: 'no_stream' });

        const [a, b] = [await store.subscribe(options(0)), await other.subscribe(options(1))];
        subscriptions.push(a, b);
        await waitFor('the first events', () => (byReplica.flat().length >= first.length ? true : undefined));
        await new Promise((resolve) => setTimeout(resolve, 300)); // time for a second delivery, were there one
        expect(ids(byReplica.flat())).toEqual(ids(first));
        const holder = byReplica[0].length ? 0 : 1;
        expect(byReplica[1 - holder]).toEqual([]);

        await [a, b][holder].stop();
        const later = [event('E2')];
        await store.appendToStream(`${category}-a`, later, { expectedRevision: 1n });
        await waitFor('the later event on the other replica', () => (byReplica[1 - holder].length ? true : undefined));
        expect(ids(byReplica[1 - holder])).toEqual(ids(later));
      }, TIMEOUT_MS);

      it('keeps the checkpoint where the subscriber says: each copy of a read model resumes from its own position', async () => {
        const category = newCategory();
        const events = [event('E0'), event('E1'), event('E2')];
        await store.appendToStream(`${category}-a`, events, { expectedRevision: 'no_stream' });
        /** A read model's copy that keeps its own position, as a file of one replica would. */
        const copy = (from: bigint) => {
          const kept = { position: from, delivered: [] as RecordedEvent[] };
          const checkpoints = { load: async () => kept.position, save: async (position: bigint) => void (kept.position = position) };
          return { delivered: kept.delivered, checkpoints };
        };
        const options = (c: ReturnType<typeof copy>) => ({ subscriptionId: `sub-${category}`, category, onEvents: collect(c.delivered), checkpoints: c.checkpoints });

        // Two copies under one subscription id, as two replicas' local read models: each gets every event.
        const [a, b] = [copy(0n), copy(0n)];
        subscriptions.push(await store.subscribe(options(a)), await store.subscribe(options(b)));
        await waitFor('both copies', () => (a.delivered.length >= 3 && b.delivered.length >= 3 ? true : undefined));
        expect([ids(a.delivered), ids(b.delivered)]).toEqual([ids(events), ids(events)]);

        // A copy that has applied the first event resumes after it.
        const c = copy(a.delivered[0].position);
        subscriptions.push(await store.subscribe(options(c)));
        await waitFor('the third copy', () => (c.delivered.length >= 2 ? true : undefined));
        expect(ids(c.delivered)).toEqual(ids(events.slice(1)));
      }, TIMEOUT_MS);

      it('sees events appended through another store on the same storage', async () => {
        const category = newCategory();
        const other = await makeStore();
        extraStores.push(other);
        const delivered: RecordedEvent[] = [];
        subscriptions.push(await store.subscribe({ subscriptionId: `sub-${category}`, category, onEvents: collect(delivered) }));
        const events = [event('E0')];

        await other.appendToStream(`${category}-a`, events, { expectedRevision: 'no_stream' });

        await waitFor("the other store's event", () => (delivered.length >= events.length ? true : undefined));
        expect(ids(delivered)).toEqual(ids(events));
      }, TIMEOUT_MS);
    });

    describe('round trips', () => {
      it('keeps revisions and positions as exact bigints', async () => {
        const stream = `${newCategory()}-a`;
        let { nextExpectedRevision } = await store.appendToStream(stream, [event('E')], { expectedRevision: 'no_stream' });
        for (let i = 0; i < 2; i++) {
          ({ nextExpectedRevision } = await store.appendToStream(stream, [event('E')], { expectedRevision: nextExpectedRevision }));
        }

        const [last, previous] = await store.readStream(stream, { direction: 'backwards', fromRevision: nextExpectedRevision });
        expect(typeof last.revision).toBe('bigint');
        expect(typeof last.position).toBe('bigint');
        expect(last.revision).toBe(2n);
        expect(await store.readAll({ fromPosition: previous.position, category: categoryOf(stream), maxCount: 1 })).toEqual([last]);
      }, TIMEOUT_MS);

      it('returns data and metadata as they were written, nested and in any script', async () => {
        const stream = `${newCategory()}-a`;
        const data = {
          text: 'Grüße, 日本語, عربى, emoji 🧾💳, combining é, quote " and \\ backslash, \u2028 line sep',
          nested: { list: [1, 2.5, -3, null, true, { deep: ['x'] }], empty: {}, none: null },
          big: Number.MAX_SAFE_INTEGER,
          amount: '12345678901234567890',
        };
        const metadata = { tenant: 'visualgpt', trace: { id: 'ü-1', hops: [1, 2] } };

        await store.appendToStream(stream, [event('Stored', data, metadata)], { expectedRevision: 'no_stream' });

        const [read] = await store.readStream(stream);
        expect(read.data).toEqual(data);
        expect(read.metadata).toEqual(metadata);
      }, TIMEOUT_MS);
    });
  });
}

import { randomUUID } from 'node:crypto';
import { DomainError } from '@creditflow/kernel';
import { waitFor } from '@creditflow/kernel/testing';
import { CommandHandler, RevisionConflictsPersistedError, StreamCommand, snapshotStream } from '../src/command-handler';
import type { EventStore } from '../src/event-store';

// A tally: each entry is added once (its id makes a repeat a no-op), bigint amounts, a rule that refuses.
type TallyEvent = { type: 'Added'; data: { entryId: string; amount: bigint } };
interface Tally {
  total: bigint;
  entries: string[];
}
const initialState: Tally = { total: 0n, entries: [] };
const evolve = (state: Tally, { data }: TallyEvent): Tally => ({ total: state.total + data.amount, entries: [...state.entries, data.entryId] });
const add = (entryId: string, amount: bigint) => (state: Tally): TallyEvent[] => {
  if (amount <= 0n) throw new DomainError('TALLY.NOT_POSITIVE', 'amounts are positive');
  return state.entries.includes(entryId) ? [] : [{ type: 'Added', data: { entryId, amount } }];
};

/** A store whose appends wait for `release()`: the handler using it has decided on what it read before. */
function heldAppends(store: EventStore) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let reached!: () => void;
  const waiting = new Promise<void>((r) => (reached = r));
  const held: EventStore = Object.create(store);
  held.appendBatch = async (appends) => {
    reached();
    await released;
    return store.appendBatch(appends);
  };
  return { store: held, waiting, release };
}

/**
 * What the one command handler must do on every EventStore adapter. `makeStore` returns stores that
 * share one storage, as two replicas would.
 */
export function commandHandlerContract(name: string, makeStore: () => Promise<EventStore>): void {
  describe(`${name} (command handler contract)`, () => {
    const stores: EventStore[] = [];
    const open = async () => {
      const store = await makeStore();
      stores.push(store);
      return store;
    };
    const handlerOn = (store: EventStore, options: { cacheLimit?: number; maxRetries?: number } = {}) =>
      new CommandHandler<Tally, TallyEvent>({ store, evolve, initialState, ...options });
    const newStream = () => `tally${randomUUID().replace(/-/g, '').slice(0, 12)}-s`;
    const command = (streamName: string, entryId: string, amount: bigint): StreamCommand<Tally, TallyEvent> => ({
      streamName, decide: add(entryId, amount), metadata: { entryId },
    });

    /**
     * Two handlers on two stores at one revision: the loser reads and decides first, its append held
     * back until the winner's has gone through. `stores[0]` is the winner's store.
     */
    const race = async <Lost, Won>(lose: (loser: CommandHandler<Tally, TallyEvent>) => Promise<Lost>, win: (winner: CommandHandler<Tally, TallyEvent>) => Promise<Won>) => {
      const winner = handlerOn(await open());
      const raced = heldAppends(await open());
      const losing = lose(handlerOn(raced.store));
      await raced.waiting; // the loser has read the stream and decided
      const won = await win(winner);
      raced.release();
      return { won, lost: await losing };
    };

    afterEach(async () => {
      await Promise.all(stores.splice(0).map((s) => s.close()));
    });

    it('decides, appends with bigints kept exact and metadata stored, and answers with the new state and revision', async () => {
      const store = await open();
      const stream = newStream();
      const handler = handlerOn(store);

      const first = await handler.handle(command(stream, 'a', 2n ** 70n));
      const second = await handler.handle(command(stream, 'b', 1n));
      const recorded = await store.readStream(stream);

      expect(first).toMatchObject({ revision: 0n, state: { total: 2n ** 70n } });
      expect(second).toMatchObject({ revision: 1n, state: { total: 2n ** 70n + 1n, entries: ['a', 'b'] } });
      expect(recorded.map((r) => r.metadata)).toEqual([{ entryId: 'a' }, { entryId: 'b' }]);
      expect((await handlerOn(store).read(stream)).state).toEqual(second.state);
    });

    it('keeps both of two different decisions taken at one revision by two handlers: the loser conflicts and decides again', async () => {
      const stream = newStream();

      const { lost } = await race((loser) => loser.handle(command(stream, 'loser', 5n)), (winner) => winner.handle(command(stream, 'winner', 7n)));
      const recorded = await stores[0].readStream(stream);

      expect(recorded.map((r) => r.metadata.entryId)).toEqual(['winner', 'loser']);
      expect(lost).toMatchObject({ revision: 1n, state: { total: 12n, entries: ['winner', 'loser'] } });
    });

    it('does not let a decision of the same content by another handler at that revision pass for a retry of the first', async () => {
      const stream = newStream();

      const { won, lost } = await race((loser) => loser.handle(command(stream, 'same', 3n)), (winner) => winner.handle(command(stream, 'same', 3n)));

      expect(won.events).toHaveLength(1);
      // Decided again on the winner's event: nothing left to add, and it does not claim the winner's event.
      expect(lost.events).toEqual([]);
      expect(await stores[0].readStream(stream)).toHaveLength(1);
    });

    it('retries an append that failed after the store had written it, without writing it twice', async () => {
      const store = await open();
      const stream = newStream();
      const flaky: EventStore = Object.create(store);
      let failures = 0;
      flaky.appendBatch = async (appends) => {
        const results = await store.appendBatch(appends);
        if (failures++ === 0) throw new Error('connection reset after the write');
        return results;
      };

      const outcome = await handlerOn(flaky).handle(command(stream, 'a', 4n));

      expect(outcome).toMatchObject({ revision: 0n, state: { total: 4n } });
      expect(await store.readStream(stream)).toHaveLength(1);
    });

    it('answers reads and decides on what another handler appended since it cached the stream', async () => {
      const stream = newStream();
      const [a, b] = [handlerOn(await open()), handlerOn(await open())];
      await a.handle(command(stream, 'a', 1n));
      expect((await b.read(stream)).state.total).toBe(1n);

      await a.handle(command(stream, 'b', 2n));

      expect(await b.read(stream)).toEqual({ revision: 1n, state: { total: 3n, entries: ['a', 'b'] } });
      expect((await b.handle(command(stream, 'a', 1n))).events).toEqual([]); // already there: b's cache caught up before deciding
    });

    it('decides a batch per stream in order, appends the streams together, and keeps refusals as outcomes that append nothing', async () => {
      const store = await open();
      const [s1, s2] = [newStream(), newStream()];
      const handler = handlerOn(store);

      const outcomes = await handler.handleBatch([
        command(s1, 'a', 1n), command(s2, 'x', 10n), command(s1, 'bad', 0n), command(s1, 'b', 2n), command(s1, 'a', 1n),
      ]);

      expect(outcomes.map((o) => (o.ok ? o.events.length : o.error.code))).toEqual([1, 1, 'TALLY.NOT_POSITIVE', 1, 0]);
      expect(outcomes[3]).toMatchObject({ ok: true, revision: 1n, state: { total: 3n } });
      expect((await store.readStream(s1)).map((r) => r.metadata.entryId)).toEqual(['a', 'b']);
      expect((await store.readStream(s2)).map((r) => r.revision)).toEqual([0n]);
    });

    it('decides only the conflicted stream of a batch again; the others stand', async () => {
      const [s1, s2] = [newStream(), newStream()];

      const { lost: outcomes } = await race(
        (loser) => loser.handleBatch([command(s1, 'l1', 1n), command(s2, 'l2', 2n)]),
        (winner) => winner.handle(command(s1, 'w1', 10n)),
      );

      expect(outcomes.map((o) => o.ok && o.state.total)).toEqual([11n, 2n]);
      expect((await stores[0].readStream(s1)).map((r) => r.metadata.entryId)).toEqual(['w1', 'l1']);
    });

    it('gives up after the configured number of conflicts on one stream', async () => {
      const store = await open();
      const stream = newStream();
      const other = handlerOn(store);
      const contested: EventStore = Object.create(store);
      let n = 0;
      contested.appendBatch = async (appends) => {
        await other.handle(command(stream, `other${n++}`, 1n)); // someone else always gets there first
        return store.appendBatch(appends);
      };

      await expect(handlerOn(contested, { maxRetries: 2 }).handle(command(stream, 'mine', 1n))).rejects.toBeInstanceOf(RevisionConflictsPersistedError);
      expect((await store.readStream(stream)).map((r) => r.metadata.entryId)).toEqual(['other0', 'other1', 'other2']);
    });

    it('commits the commands submitted in one turn in one store call, and a command that breaks fails alone', async () => {
      const store = await open();
      const counting: EventStore = Object.create(store);
      let calls = 0;
      counting.appendBatch = async (appends) => {
        calls++;
        return store.appendBatch(appends);
      };
      const handler = handlerOn(counting);
      const streams = [newStream(), newStream(), newStream(), newStream()];

      const together = await Promise.all(streams.map((s, i) => handler.handle(command(s, `e${i}`, BigInt(i + 1)))));
      expect([calls, together.map((o) => o.revision)]).toEqual([1, [0n, 0n, 0n, 0n]]);

      const broken: StreamCommand<Tally, TallyEvent> = { streamName: newStream(), decide: () => { throw new TypeError('a bug in this command'); } };
      const answers = await Promise.allSettled([...streams.map((s, i) => handler.handle(command(s, `f${i}`, 1n))), handler.handle(broken)]);
      expect(answers.slice(0, 4).map((a) => a.status === 'fulfilled' && a.value.revision)).toEqual([1n, 1n, 1n, 1n]);
      expect(answers[4]).toMatchObject({ status: 'rejected', reason: new TypeError('a bug in this command') });
      // The broken command failed the group before its store call; the others then ran one by one.
      expect(calls).toBe(1 + 4);
      for (const [i, s] of streams.entries()) expect((await store.readStream(s)).map((r) => r.metadata.entryId)).toEqual([`e${i}`, `f${i}`]);
    });

    it('starts a cold load from the latest snapshot of its version and folds only the events after it', async () => {
      const store = await open();
      const stream = newStream();
      const snapshots = (version: string) => ({
        version, every: 3,
        toData: (state: Tally) => state,
        fromData: (data: unknown) => data as Tally,
      });
      const writer = new CommandHandler<Tally, TallyEvent>({ store, evolve, initialState, snapshots: snapshots('v1') });
      for (let i = 0; i < 7; i++) await writer.handle(command(stream, `e${i}`, 2n ** 60n + BigInt(i)));
      await waitFor('the snapshot at revision 5', async () => {
        const [last] = await store.readStream(snapshotStream(stream), { direction: 'backwards', maxCount: 1 });
        return (last?.data as { revision?: string } | undefined)?.revision === '5' ? true : undefined;
      });
      // The snapshot at revision 2 is gone once the one at 5 is stored: only the latest is ever read.
      await waitFor('the older snapshot truncated', async () => ((await store.readStream(snapshotStream(stream))).length === 1 ? true : undefined));

      const eventsRead = (version: string) => {
        let read = 0;
        const counting: EventStore = Object.create(store);
        counting.readStream = async (name, options) => {
          const events = await store.readStream(name, options);
          if (name === stream) read += events.length;
          return events;
        };
        return { handler: new CommandHandler<Tally, TallyEvent>({ store: counting, evolve, initialState, snapshots: snapshots(version) }), read: () => read };
      };
      const warm = eventsRead('v1');
      const fromSnapshot = await warm.handler.read(stream);
      const other = eventsRead('v2'); // evolve changed: the snapshot of v1 no longer applies
      const folded = await other.handler.read(stream);

      expect(fromSnapshot).toEqual(folded);
      expect(fromSnapshot).toMatchObject({ revision: 6n, state: { entries: ['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6'] } });
      expect([warm.read(), other.read()]).toEqual([1, 7]);
    });

    it('works the same with no cache', async () => {
      const store = await open();
      const stream = newStream();
      const handler = handlerOn(store, { cacheLimit: 0 });
      await handler.handle(command(stream, 'a', 1n));
      expect(await handler.handle(command(stream, 'b', 1n))).toMatchObject({ revision: 1n, state: { total: 2n } });
    });
  });
}

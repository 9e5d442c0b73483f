import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@creditflow/kernel/testing';
import { commandHandlerContract, eventStoreContract } from '../../testing';
import { SqliteEventStore } from './sqlite.event-store';
import type { RecordedEvent } from '../event-store';

const dir = mkdtempSync(join(tmpdir(), 'creditflow-event-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Every store of the contract opens the same file, as separate processes would.
const sharedFile = join(dir, 'contract.sqlite');
eventStoreContract('SqliteEventStore', async () => SqliteEventStore.open(sharedFile, { pollIntervalMs: 100 }));
commandHandlerContract('SqliteEventStore', async () => SqliteEventStore.open(sharedFile, { pollIntervalMs: 100 }));

describe('SqliteEventStore', () => {
  const event = (type: string) => ({ id: randomUUID(), type, data: { type } });

  it('keeps appended events and checkpoints when the file is closed and reopened', async () => {
    const file = join(dir, 'reopen.sqlite');
    const events = [event('A'), event('B')];
    const first = SqliteEventStore.open(file);
    const written = await first.appendToStream('wallet-acc1', events, { expectedRevision: 'no_stream' });
    const delivered: RecordedEvent[] = [];
    const subscription = await first.subscribe({ subscriptionId: 'projector', onEvents: async (e) => void delivered.push(...e) });
    await waitFor('2 events delivered', () => (delivered.length >= 2 ? true : undefined));
    await subscription.stop();
    await first.close();

    const reopened = SqliteEventStore.open(file);
    const read = await reopened.readStream('wallet-acc1');
    const later = [event('C')];
    await reopened.appendToStream('wallet-acc1', later, { expectedRevision: written.nextExpectedRevision });
    const resumed: RecordedEvent[] = [];
    const again = await reopened.subscribe({ subscriptionId: 'projector', onEvents: async (e) => void resumed.push(...e) });
    await waitFor('1 event delivered', () => (resumed.length >= 1 ? true : undefined));
    await again.stop();
    await reopened.close();

    expect(read.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(read[1].position).toBe(written.position);
    expect(resumed.map((e) => e.id)).toEqual(later.map((e) => e.id));
  });

  it('keeps positions beyond 2^53 exact', async () => {
    const file = join(dir, 'big.sqlite');
    SqliteEventStore.open(file).close();
    const raw = new Database(file);
    raw.prepare("INSERT OR REPLACE INTO sqlite_sequence (name, seq) VALUES ('events', ?)").run(2n ** 60n);
    raw.close();
    const store = SqliteEventStore.open(file);

    const result = await store.appendToStream('wallet-acc1', [event('A'), event('B')], { expectedRevision: 'no_stream' });
    const read = await store.readAll({ fromPosition: 2n ** 60n });
    await store.close();

    expect(result.position).toBe(2n ** 60n + 2n);
    expect(read.map((e) => e.position)).toEqual([2n ** 60n + 1n, 2n ** 60n + 2n]);
  });

  it('delivers every stream to a subscription without category, woken by the append rather than the poll', async () => {
    const store = SqliteEventStore.open(':memory:', { pollIntervalMs: 60_000 });
    const delivered: RecordedEvent[] = [];
    const subscription = await store.subscribe({ subscriptionId: 'all', onEvents: async (e) => void delivered.push(...e) });

    await store.appendBatch([
      { streamName: 'wallet-acc1', events: [event('A')], expectedRevision: 'no_stream' },
      { streamName: 'refund-r1', events: [event('B')], expectedRevision: 'no_stream' },
    ]);
    await waitFor('2 events delivered', () => (delivered.length >= 2 ? true : undefined));
    await subscription.stop();
    await store.close();

    expect(delivered.map((e) => e.streamName)).toEqual(['wallet-acc1', 'refund-r1']);
  });

  it('wakes a subscription once for the appends of a coalescing window: one batch, one checkpoint', async () => {
    const store = SqliteEventStore.open(':memory:', { pollIntervalMs: 60_000, coalesceMs: 300 });
    const batches: string[][] = [];
    const subscription = await store.subscribe({ subscriptionId: 'coalesced', category: 'wallet', onEvents: async (e) => void batches.push(e.map((r) => r.type)) });
    await store.appendToStream('wallet-acc1', [event('A')], { expectedRevision: 'no_stream' });
    await waitFor('the first batch', () => (batches.length === 1 ? true : undefined));

    await store.appendToStream('wallet-acc1', [event('B')], { expectedRevision: 0n });
    await store.appendToStream('refund-r1', [event('X')], { expectedRevision: 'no_stream' });
    await store.appendToStream('wallet-acc2', [event('C')], { expectedRevision: 'no_stream' });
    await waitFor('the second batch', () => (batches.length === 2 ? true : undefined));
    await subscription.stop();
    const checkpoint = (await store.readAll({ category: 'wallet' })).at(-1)!.position;
    const resumed: RecordedEvent[] = [];
    const again = await store.subscribe({ subscriptionId: 'coalesced', category: 'wallet', onEvents: async (e) => void resumed.push(...e) });
    await store.appendToStream('wallet-acc1', [event('D')], { expectedRevision: 1n });
    await waitFor('D', () => (resumed.length ? true : undefined));
    await again.stop();
    await store.close();

    expect(batches).toEqual([['A'], ['B', 'C']]);
    expect(resumed.map((r) => r.type)).toEqual(['D']);
    expect(resumed[0].position).toBeGreaterThan(checkpoint);
  });

  it('rolls back the whole batch when an append fails for another reason than a conflict', async () => {
    const store = SqliteEventStore.open(':memory:');
    const unserialisable = { id: randomUUID(), type: 'Bad', data: { amount: 1n } };

    await expect(
      store.appendBatch([
        { streamName: 'wallet-acc1', events: [event('A')], expectedRevision: 'no_stream' },
        { streamName: 'wallet-acc2', events: [unserialisable], expectedRevision: 'no_stream' },
      ]),
    ).rejects.toThrow(TypeError);
    const all = await store.readAll();
    await store.close();

    expect(all).toEqual([]);
  });

  it('serves subscriptions from the events it appended last, and from the file what another writer put between them', async () => {
    const file = join(dir, 'recent.sqlite');
    const a = SqliteEventStore.open(file, { pollIntervalMs: 50, recentEvents: 5 });
    const b = SqliteEventStore.open(file, { pollIntervalMs: 50 });
    const delivered: RecordedEvent[] = [];
    const subscription = await a.subscribe({ subscriptionId: 'recent', category: 'wallet', batchSize: 3, onEvents: async (e) => void delivered.push(...e) });
    let revision = -1n;
    const appendTo = async (store: SqliteEventStore, stream: string, n: number) => {
      const events = Array.from({ length: n }, (_, i) => event(`E${i}`));
      const before = stream === 'wallet-a' ? revision : -1n;
      const result = await store.appendToStream(stream, events, { expectedRevision: before < 0n ? 'no_stream' : before });
      if (stream === 'wallet-a') revision = result.nextExpectedRevision;
    };
    await appendTo(a, 'wallet-a', 4);
    await appendTo(a, 'other-x', 2); // another category: skipped by the subscription, kept in the list
    await appendTo(b, 'wallet-b', 2); // another writer: its positions are read from the file
    await appendTo(a, 'wallet-a', 8); // more than the list keeps
    await waitFor('14 wallet events delivered', () => (delivered.length >= 14 ? true : undefined));
    await subscription.stop();
    const all = await a.readAll({ category: 'wallet' });
    expect(delivered.map((e) => e.position)).toEqual(all.map((e) => e.position));
    expect(delivered).toEqual(all);
    // What the list hands out is frozen: a subscription cannot change what another one reads.
    const last = delivered[delivered.length - 1];
    expect(Object.isFrozen(last) && Object.isFrozen(last.data) && Object.isFrozen(last.metadata)).toBe(true);
    await a.close();
    await b.close();
  });
});

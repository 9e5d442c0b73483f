import { SqliteEventStore, WrongExpectedRevisionError, deterministicUuid } from '@creditflow/event-store';
import pino from 'pino';
import { InstrumentedEventStore } from './instrumented-event-store';
import { PlatformMetrics } from './metrics';
import { AppendedStream, Observability } from './observability';
import { runObserved } from './observed-context';
import { continueTrace, formatTraceparent } from './trace-context';

const event = (n: number, metadata: Record<string, unknown> = {}) => ({ id: deterministicUuid(`e${n}`), type: 'Happened', data: { n }, metadata });

describe('the instrumented event store', () => {
  let inner: SqliteEventStore;
  let store: InstrumentedEventStore;
  let observability: Observability;
  let heard: AppendedStream[];

  beforeEach(() => {
    inner = new SqliteEventStore(':memory:');
    observability = new Observability('test', pino({ level: 'silent' }), new PlatformMetrics('test'), 100);
    store = new InstrumentedEventStore(inner, observability);
    observability.attach(store, { publish: async () => undefined, consume: async () => { throw new Error('no'); }, health: async () => undefined, lag: async () => [], close: async () => undefined });
    heard = [];
    observability.onAppended('thing', (appended) => void heard.push(...appended));
  });
  afterEach(() => store.close());

  it('gives an event that names a message of the batch as its cause that message\'s span and principal, keeps a traceparent given, and never stamps the trace of whatever work runs the append', async () => {
    const request = continueTrace();
    // A group commit may append this command in another request's flow: the store must not guess.
    await runObserved({ logger: observability.logger, trace: request }, () => store.appendToStream('thing-1', [event(1)], { expectedRevision: 'no_stream' }));
    const spanOfM2 = formatTraceparent(continueTrace());
    const m2 = { kind: 'message', topic: 't', partition: 0, offset: '7', messageId: 'm2', source: 'test', type: 'x' } as const;
    await runObserved({ logger: observability.logger, causes: new Map([['m2', { traceparent: spanOfM2, principal: m2 }]]) }, () =>
      store.appendBatch([{ streamName: 'thing-2', events: [event(2, { causationId: 'm2' }), event(3, { causationId: 'm3' })], expectedRevision: 'no_stream' }]),
    );
    await store.appendToStream('thing-3', [event(4, { traceparent: 'kept' })], { expectedRevision: 'no_stream' });
    await store.appendToStream('thing-4', [event(5, { causationId: 'm2' })], { expectedRevision: 'no_stream' });

    const stored = await inner.readAll();
    expect(stored.map((e) => e.metadata.traceparent)).toEqual([undefined, spanOfM2, undefined, 'kept', undefined]);
    expect(stored[1].metadata).toEqual({ causationId: 'm2', traceparent: spanOfM2, principal: m2 });
    expect(stored.map((e) => e.metadata.principal)).toEqual([undefined, m2, undefined, undefined, undefined]);
  });

  it('tells the listeners of a category what committed, once, and never a conflicted append', async () => {
    await store.appendToStream('thing-1', [event(1)], { expectedRevision: 'no_stream' });
    const results = await store.appendBatch([
      { streamName: 'thing-1', events: [event(2)], expectedRevision: 'no_stream' },
      { streamName: 'thing-2', events: [event(3), event(4)], expectedRevision: 'no_stream' },
      { streamName: 'other-1', events: [event(5)], expectedRevision: 'no_stream' },
    ]);
    expect(results[0]).toBeInstanceOf(WrongExpectedRevisionError);
    await expect(store.appendToStream('thing-1', [event(6)], { expectedRevision: 'no_stream' })).rejects.toThrow(WrongExpectedRevisionError);

    expect(heard.map((a) => [a.streamName, a.events.map((e) => (e.data as { n: number }).n)])).toEqual([['thing-1', [1]], ['thing-2', [3, 4]]]);
    const text = (await observability.metrics.scrape()).body;
    expect(text).toMatch(/creditflow_store_append_duration_seconds_count\{service="test",outcome="ok"\} 1/);
    expect(text).toMatch(/creditflow_store_append_duration_seconds_count\{service="test",outcome="conflict"\} 2/);
    expect(text).toMatch(/creditflow_store_append_batch_events_sum\{service="test"\} 6/);
    expect(text).toMatch(/creditflow_store_appended_events_total\{category="thing",service="test"\} 3/);
    expect(text).toMatch(/creditflow_store_appended_events_total\{category="other",service="test"\} 1/);
  });

  it('keeps an append that committed even when a listener throws', async () => {
    observability.onAppended('thing', () => {
      throw new Error('listener bug');
    });
    await store.appendToStream('thing-1', [event(1)], { expectedRevision: 'no_stream' });
    expect(await inner.readStream('thing-1')).toHaveLength(1);
    expect(heard).toHaveLength(1);
  });
});

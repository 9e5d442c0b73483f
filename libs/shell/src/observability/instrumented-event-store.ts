// The runtime's event store, wrapped: every append is timed and sized; an event that names a message
// of the batch being handled as its causationId, without a traceparent or principal of its own, gets
// that message's span and principal (contexts record them where they build a command: commandMetadata); and what
// committed is told to the listeners registered with Observability.onAppended (counted once, by the
// process that appended: a retried append that the store answers with its first result is seen once,
// a conflict never). It never stamps the trace of whatever work happens to run the append: a group
// commit appends several requests' commands in one call, in the first one's context.
import {
  AppendResult, EventData, EventStore, ExpectedRevision, ReadAllOptions, ReadStreamOptions, RecordedEvent, StreamAppend, SubscribeOptions, Subscription,
  WrongExpectedRevisionError, categoryOf,
} from '@creditflow/event-store';
import type { AppendedStream, Observability } from './observability';
import { causeOf } from './observed-context';

export class InstrumentedEventStore implements EventStore {
  constructor(private readonly inner: EventStore, private readonly observability: Observability) {}

  async appendToStream(streamName: string, events: EventData[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    const traced = withTrace(events);
    const result = await this.timed(traced.length, () => this.inner.appendToStream(streamName, traced, options), () => 'ok');
    this.committed([{ streamName, events: traced }]);
    return result;
  }

  async appendBatch(appends: StreamAppend[]): Promise<(AppendResult | WrongExpectedRevisionError)[]> {
    const traced = appends.map((a) => ({ ...a, events: withTrace(a.events) }));
    const size = traced.reduce((n, a) => n + a.events.length, 0);
    const results = await this.timed(size, () => this.inner.appendBatch(traced), (r) => (r.some((x) => x instanceof WrongExpectedRevisionError) ? 'conflict' : 'ok'));
    this.committed(traced.filter((_, i) => !(results[i] instanceof WrongExpectedRevisionError)));
    return results;
  }

  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.inner.readStream(streamName, options);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.inner.readAll(options);
  }

  truncateBefore(streamName: string, revision: bigint): Promise<void> {
    return this.inner.truncateBefore(streamName, revision);
  }

  countEvents(options?: Omit<ReadAllOptions, 'maxCount'>): Promise<bigint | null> {
    return this.inner.countEvents(options);
  }

  subscribe(options: SubscribeOptions): Promise<Subscription> {
    return this.inner.subscribe(options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async timed<T>(events: number, append: () => Promise<T>, outcome: (result: T) => 'ok' | 'conflict' | 'error'): Promise<T> {
    const { storeAppendDuration, storeAppendBatchEvents } = this.observability.metrics;
    const end = storeAppendDuration.startTimer();
    storeAppendBatchEvents.observe(events);
    try {
      const result = await append();
      end({ outcome: outcome(result) });
      return result;
    } catch (error) {
      end({ outcome: error instanceof WrongExpectedRevisionError ? 'conflict' : 'error' });
      throw error;
    }
  }

  private committed(appended: AppendedStream[]): void {
    const byCategory = new Map<string, AppendedStream[]>();
    for (const a of appended) {
      const category = categoryOf(a.streamName);
      byCategory.set(category, [...(byCategory.get(category) ?? []), a]);
      this.observability.metrics.storeAppendedEvents.inc({ category }, a.events.length);
    }
    for (const [category, streams] of byCategory) this.observability.appended(category, streams);
  }
}

/** Each event's metadata with the span and principal of the message it names as its cause (each kept if it has one already). */
function withTrace(events: EventData[]): EventData[] {
  return events.map((event) => {
    const cause = causeOf(event.metadata?.causationId);
    if (!cause || (event.metadata?.traceparent && event.metadata?.principal)) return event;
    return { ...event, metadata: { traceparent: cause.traceparent, principal: cause.principal, ...event.metadata } };
  });
}

import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  jsonEvent,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  streamNameFilter,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type JSONType,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { sleep } from '@creditflow/kernel';
import { defaultRetryPolicy, deliver, report, type RetryPolicy } from '../delivery';
import {
  assertAppendable, categoryOf, WrongExpectedRevisionError, type AppendResult, type EventData, type EventStore, type ExpectedRevision, type ReadAllOptions, type ReadStreamOptions, type RecordedEvent, type StreamAppend, type SubscribeOptions, type Subscription,
} from '../event-store';

export interface EsdbEventStoreOptions {
  /**
   * Checkpoints live in `<prefix><subscriptionId>` with `$maxCount` 1. The default `$` prefix keeps
   * them out of readAll and subscriptions; on a secured cluster writing `$` streams needs an admin.
   */
  checkpointStreamPrefix?: string;
  retry?: RetryPolicy;
}

type StoredEvent = NonNullable<ResolvedEvent['event']>;

const READ_ALL_PAGE = 512;

/** The EventStoreDB adapter. Positions are $all commit positions (server 22+ reports them on stream reads too). */
export class EsdbEventStore implements EventStore {
  private readonly subscriptions = new Set<Subscription>();
  private readonly checkpointStreamPrefix: string;
  private readonly retry: RetryPolicy;

  /** e.g. `esdb://127.0.0.1:2113?tls=false`. The client connects lazily. */
  static connect(connectionString: string, options?: EsdbEventStoreOptions): EsdbEventStore {
    return new EsdbEventStore(EventStoreDBClient.connectionString(connectionString), options);
  }

  constructor(
    private readonly client: EventStoreDBClient,
    { checkpointStreamPrefix = '$creditflow-checkpoint-', retry = defaultRetryPolicy }: EsdbEventStoreOptions = {},
  ) {
    this.checkpointStreamPrefix = checkpointStreamPrefix;
    this.retry = retry;
  }

  async appendToStream(
    streamName: string,
    events: EventData[],
    { expectedRevision }: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    assertAppendable(streamName, events);
    try {
      const result = await this.client.appendToStream(streamName, events.map(toEventData), {
        expectedRevision: toEsdbRevision(expectedRevision),
      });
      // An idempotent re-append reports no position: look the original one up.
      const position = result.position?.commit ?? (await this.positionOf(streamName, result.nextExpectedRevision));
      return { nextExpectedRevision: result.nextExpectedRevision, position };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        throw new WrongExpectedRevisionError(streamName, expectedRevision, error.actualVersion);
      }
      throw error;
    }
  }

  /** Concurrent appends, not one transaction: EventStoreDB has no multi-stream atomic write. */
  async appendBatch(appends: StreamAppend[]): Promise<(AppendResult | WrongExpectedRevisionError)[]> {
    for (const { streamName, events } of appends) assertAppendable(streamName, events);
    return Promise.all(
      appends.map(({ streamName, events, expectedRevision }) =>
        this.appendToStream(streamName, events, { expectedRevision }).catch((error: unknown) => {
          if (error instanceof WrongExpectedRevisionError) return error;
          throw error;
        }),
      ),
    );
  }

  async readStream(
    streamName: string,
    { direction = 'forwards', fromRevision, maxCount }: ReadStreamOptions = {},
  ): Promise<RecordedEvent[]> {
    if (maxCount === 0) return [];
    const events: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(streamName, {
        direction: direction === 'forwards' ? FORWARDS : BACKWARDS,
        fromRevision: fromRevision ?? (direction === 'forwards' ? START : END),
        ...(maxCount === undefined ? {} : { maxCount }),
      });
      for await (const resolved of read) {
        if (resolved.event) events.push(toRecordedEvent(resolved.event));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  /** Stream metadata: reads skip the events before it at once, the server's scavenge removes them. */
  async truncateBefore(streamName: string, revision: bigint): Promise<void> {
    await this.client.setStreamMetadata(streamName, { truncateBefore: Number(revision) });
  }

  /**
   * Null: $all has no count, and a category's `$ce-` stream exists only where the server runs its
   * system projections; counting would mean reading everything (not built, no server here to prove it on).
   */
  async countEvents(): Promise<null> {
    return null;
  }

  /** Pages through $all and filters on the client (this client version sends no server-side filter for reads). */
  async readAll({ fromPosition = 0n, maxCount = Infinity, category }: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    let after = fromPosition === 0n ? -1n : fromPosition;
    while (events.length < maxCount) {
      // Reading $all from a position includes the event at that position: skip it below.
      const from = after < 0n ? START : { commit: after, prepare: after };
      let read = 0;
      for await (const resolved of this.client.readAll({ fromPosition: from, maxCount: READ_ALL_PAGE })) {
        read++;
        const event = resolved.event;
        if (!event || event.position.commit <= after) continue;
        after = event.position.commit;
        if (isVisible(event.streamId, category) && events.length < maxCount) events.push(toRecordedEvent(event));
      }
      if (read < READ_ALL_PAGE) break;
    }
    return events;
  }

  async subscribe({ subscriptionId, category, batchSize = 100, exclusive, checkpoints, ...handlers }: SubscribeOptions): Promise<Subscription> {
    // Not built here yet (no EventStoreDB server to prove it on): every replica delivers, and consumers dedupe by message id.
    if (exclusive) console.warn(`EventStoreDB subscription "${subscriptionId}": exclusive delivery is not supported; every replica delivers it`);
    const checkpointStream = this.checkpointStreamPrefix + subscriptionId;
    // A caller's checkpoint is the commit position of the last event it applied (RecordedEvent.position).
    const callers = checkpoints ? await checkpoints.load() : null;
    let checkpoint = callers === null ? await this.loadCheckpoint(checkpointStream) : callers > 0n ? { commit: callers, prepare: callers } : undefined;
    let hasCheckpointStream = checkpoint !== undefined;
    const stopping = new AbortController();
    const { signal } = stopping;
    let current: AllStreamSubscription | undefined;

    const run = async () => {
      while (!signal.aborted) {
        const subscription = (current = this.client.subscribeToAll({
          fromPosition: checkpoint ?? START,
          filter: category
            ? streamNameFilter({ prefixes: [`${category}-`] })
            : streamNameFilter({ regex: '^[^$]' }),
        }));
        try {
          for await (const batch of batches(subscription, batchSize)) {
            const fresh = batch.filter(
              (resolved) =>
                resolved.event !== undefined &&
                resolved.event.position.commit > (checkpoint?.commit ?? -1n) &&
                isVisible(resolved.event.streamId, category),
            );
            if (fresh.length === 0) continue;
            const events = fresh.map((resolved) => toRecordedEvent(resolved.event!));
            if (!(await deliver(events, handlers, signal, this.retry))) return;
            checkpoint = fresh[fresh.length - 1].event!.position;
            if (checkpoints) {
              await checkpoints.save(checkpoint.commit);
              continue;
            }
            if (!hasCheckpointStream) {
              await this.client.setStreamMetadata(checkpointStream, { maxCount: 1 });
              hasCheckpointStream = true;
            }
            await this.client.appendToStream(
              checkpointStream,
              jsonEvent({
                type: 'CheckpointStored',
                data: { commit: checkpoint.commit.toString(), prepare: checkpoint.prepare.toString() },
              }),
            );
          }
        } catch (error) {
          // Connection lost or checkpoint not stored: resubscribe from the last checkpoint.
          if (!signal.aborted) report(handlers.onError, error);
        } finally {
          await subscription.unsubscribe().catch(() => undefined);
          subscription.destroy();
        }
        await sleep(this.retry.initialDelayMs, signal);
      }
    };

    const done = run();
    const subscription: Subscription = {
      stop: async () => {
        stopping.abort();
        // unsubscribe() cancels the gRPC call but does not end the stream: destroy it to end the loop.
        await current?.unsubscribe().catch(() => undefined);
        current?.destroy();
        await done;
        this.subscriptions.delete(subscription);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.client.dispose();
  }

  private async positionOf(streamName: string, revision: bigint): Promise<bigint> {
    const [event] = await this.readStream(streamName, { fromRevision: revision, maxCount: 1 });
    if (!event) throw new Error(`Stream ${streamName} has no event at revision ${revision}`);
    return event.position;
  }

  private async loadCheckpoint(streamName: string): Promise<Position | undefined> {
    const [last] = await this.readStream(streamName, { direction: 'backwards', maxCount: 1 });
    if (!last) return undefined;
    const { commit, prepare } = last.data as { commit: string; prepare: string };
    return { commit: BigInt(commit), prepare: BigInt(prepare) };
  }
}

function toEsdbRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    case 'any':
      return ANY;
    default:
      return expected;
  }
}

function toEventData({ id, type, data, metadata }: EventData) {
  return jsonEvent({ id, type, data: (data ?? null) as JSONType, ...(metadata ? { metadata } : {}) });
}

function toRecordedEvent(event: StoredEvent): RecordedEvent {
  if (!event.position) throw new Error(`EventStoreDB sent no position for ${event.streamId}@${event.revision}: server older than 22?`);
  const metadata = event.metadata;
  return {
    streamName: event.streamId,
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: metadata && typeof metadata === 'object' && !Array.isArray(metadata) && !(metadata instanceof Uint8Array)
      ? (metadata as Record<string, unknown>)
      : {},
    revision: event.revision,
    position: event.position.commit,
    recordedAt: event.created,
  };
}

function isVisible(streamName: string, category: string | undefined): boolean {
  return !streamName.startsWith('$') && (category === undefined || categoryOf(streamName) === category);
}

/** Groups what the subscription has already buffered (up to `size`) without waiting for more. */
async function* batches(
  subscription: AllStreamSubscription,
  size: number,
): AsyncGenerator<AllStreamResolvedEvent[]> {
  const iterator = subscription[Symbol.asyncIterator]();
  for (;;) {
    const first = await iterator.next();
    if (first.done) return;
    const batch = [first.value];
    while (batch.length < size && subscription.readableLength > 0) {
      const next = await iterator.next();
      if (next.done) break;
      batch.push(next.value);
    }
    yield batch;
  }
}

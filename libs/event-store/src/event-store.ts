/** An event to append. `id` is a UUID (EventStoreDB accepts nothing else); derive it from the command so a retry re-appends the same ids. */
export interface EventData {
  id: string;
  type: string;
  /** JSON-serialisable (no bigint, no Date). */
  data: unknown;
  metadata?: Record<string, unknown>;
}

export interface RecordedEvent {
  streamName: string;
  id: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  /** 0-based within the stream. */
  revision: bigint;
  /** Global order: strictly increasing across all streams. */
  position: bigint;
  recordedAt: Date;
}

/** `bigint` = the revision of the last event in the stream. */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | bigint;
export type CurrentRevision = 'no_stream' | bigint;

export interface AppendResult {
  /** Revision of the last event appended: pass it as `expectedRevision` next time. */
  nextExpectedRevision: bigint;
  /** Position of the last event appended. */
  position: bigint;
}

export interface StreamAppend {
  streamName: string;
  events: EventData[];
  expectedRevision: ExpectedRevision;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive. Defaults to the first event (forwards) or the last one (backwards). */
  fromRevision?: bigint;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events after this position. 0n or absent = from the start. */
  fromPosition?: bigint;
  maxCount?: number;
  category?: string;
}

export interface SubscribeOptions {
  /** Names the stored checkpoint. One running subscription per id. */
  subscriptionId: string;
  category?: string;
  /** Resolving stores the checkpoint after the last event; throwing redelivers the same events after a back-off. */
  onEvents: (events: RecordedEvent[]) => Promise<void>;
  /** Called for every failed delivery (and for storage errors) before the back-off; retries go on regardless. */
  onError?: (error: unknown) => void;
  batchSize?: number;
  /**
   * At most one subscription with this id delivers at a time among every store object on the same
   * storage (replicas of a service): it holds a lease it renews as it goes; the others wait and one
   * takes over, from the stored checkpoint, within `leaseMs` after the holder stops or dies. A
   * holder that lost its lease stores no checkpoint: what it delivered meanwhile is delivered again.
   */
  exclusive?: { leaseMs: number };
  /**
   * Where the checkpoint lives. Default: the store's own table, under `subscriptionId`. A read model
   * kept outside the store (a file of its process) keeps its position with its data instead, so every
   * replica's copy resumes where its own data is, and a copy deleted or moved starts from the beginning.
   */
  checkpoints?: CheckpointStore;
}

export interface CheckpointStore {
  /** The position of the last event applied; 0n: none. */
  load(): Promise<bigint>;
  /** Called after `onEvents` resolved; a read model that stores its position with each batch may ignore it. */
  save(position: bigint): Promise<void>;
}

export interface Subscription {
  /** Waits for a delivery in progress (and its checkpoint) to finish. */
  stop(): Promise<void>;
}

export interface EventStore {
  /** Throws WrongExpectedRevisionError on a conflict. Re-appending the same event ids with the same expected revision writes nothing and returns the first result. */
  appendToStream(streamName: string, events: EventData[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult>;
  /** Each append is checked on its own: a conflict is returned in its slot, the other appends are written. */
  appendBatch(appends: StreamAppend[]): Promise<(AppendResult | WrongExpectedRevisionError)[]>;
  /** [] for a stream that does not exist. */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * The stream's events before `revision` are gone from every read (from the file, where the adapter
   * can delete). For derived streams only, never for the record: snapshots keep their latest alone.
   */
  truncateBefore(streamName: string, revision: bigint): Promise<void>;
  /** Ordered by position; system streams (`$...`) are left out. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * How many events `readAll` with these options (no maxCount) would return, without reading them
   * (a progress bar's total, a read model's lag); null where the adapter cannot tell without reading.
   */
  countEvents(options?: Omit<ReadAllOptions, 'maxCount'>): Promise<bigint | null>;
  /** Catch-up subscription: resumes after the checkpoint of `subscriptionId` (from the start if none) and delivers in position order, at least once. */
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Stops the subscriptions, then releases the connection or file. */
  close(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  readonly code = 'EVENT_STORE.WRONG_EXPECTED_REVISION';
  override readonly name = 'WrongExpectedRevisionError';

  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    readonly actual: CurrentRevision,
  ) {
    super(`Stream ${streamName}: expected revision ${expected}, actual ${actual}`);
  }
}

/** appendToStream for an adapter whose primitive is appendBatch: one append, a conflict thrown. */
export async function appendOne(store: Pick<EventStore, 'appendBatch'>, append: StreamAppend): Promise<AppendResult> {
  const [result] = await store.appendBatch([append]);
  if (result instanceof WrongExpectedRevisionError) throw result;
  return result;
}

/** Whether a stream at `current` may take an append that expects `expected`. */
export function revisionSatisfies(expected: ExpectedRevision, current: CurrentRevision): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === 'no_stream';
    case 'stream_exists':
      return current !== 'no_stream';
    default:
      return current === expected;
  }
}

/** `wallet-acc1` -> `wallet`: the part before the first dash, as EventStoreDB's category projection splits. */
export function categoryOf(streamName: string): string {
  const dash = streamName.indexOf('-');
  return dash === -1 ? streamName : streamName.slice(0, dash);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Rejects what one adapter would accept and another would not, so embedded mode cannot hide it. */
export function assertAppendable(streamName: string, events: EventData[]): void {
  if (!streamName || streamName.startsWith('$')) throw new TypeError(`Invalid stream name: "${streamName}"`);
  if (events.length === 0) throw new TypeError(`Nothing to append to ${streamName}`);
  const ids = new Set<string>();
  for (const { id } of events) {
    if (!UUID.test(id)) throw new TypeError(`Event id is not a UUID: "${id}"`);
    const key = id.toLowerCase();
    if (ids.has(key)) throw new TypeError(`Event id ${id} appears twice in one append to ${streamName}`);
    ids.add(key);
  }
}

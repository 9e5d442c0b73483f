// The message bus port. Two adapters: Kafka (distributed mode) and a durable SQLite log (embedded
// mode), with the same topics, keys and CloudEvents values, and the same delivery contract:
// a batch is committed only after its handler has resolved (at-least-once), in order per key.
import { CloudEvent } from '@creditflow/contracts';

export interface OutboundMessage {
  key: string;
  value: CloudEvent<unknown>;
}

/** Messages for one topic, in order. */
export interface TopicMessages {
  topic: string;
  messages: OutboundMessage[];
}

export interface MessagePublisher {
  publish(topic: string, messages: OutboundMessage[]): Promise<void>;
  /** Several topics at once (Kafka: one produce request where they fit); each topic's messages in order. */
  publishAll?(batches: TopicMessages[]): Promise<void>;
}

/** The batches through the publisher's publishAll where it has one, else topic after topic. */
export async function publishAll(publisher: MessagePublisher, batches: TopicMessages[]): Promise<void> {
  const nonEmpty = batches.filter((b) => b.messages.length);
  if (!nonEmpty.length) return;
  if (publisher.publishAll) return publisher.publishAll(nonEmpty);
  for (const { topic, messages } of nonEmpty) await publisher.publish(topic, messages);
}

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  /**
   * Published by the platform process itself on its embedded bus (an envelope its own code built with
   * cloudEvent(), never one parsed from outside): consumers skip validating the envelope again.
   */
  fromPlatform?: true;
}

export interface ConsumeOptions {
  groupId: string;
  topics: string[];
  /** Called with batches of one topic (and partition) in order; resolving commits the batch. */
  handle: (batch: ConsumedMessage[]) => Promise<void>;
}

/** `running`: consuming (Kafka: joined its group); `crashed`: died and is being restarted; `stopped`: stop() was called. */
export type ConsumerState = 'starting' | 'running' | 'crashed' | 'stopped';

export interface ConsumerStatus {
  state: ConsumerState;
  /** When it entered this state. */
  since: Date;
  /** How many times it died since it was started. */
  crashes: number;
  /** The error of the last death; null if it never died. */
  lastError: string | null;
}

export interface BusConsumer {
  status(): ConsumerStatus;
  stop(): Promise<void>;
}

/** How far a consumer group is behind on one partition: messages written and not yet committed by the group. */
export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

export interface MessageBus extends MessagePublisher {
  consume(options: ConsumeOptions): Promise<BusConsumer>;
  /** Resolves if the bus can be reached now (Kafka: the cluster answers a metadata request); throws why not. */
  health(): Promise<void>;
  /** The group's lag on every partition of `topics`; throws if the bus cannot be asked. */
  lag(groupId: string, topics: string[]): Promise<PartitionLag[]>;
  close(): Promise<void>;
}

/** Where the adapters report what happens to them (a consumer's death and restart, the client's own warnings): pino's shape. */
export interface BusLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Reports to stderr, one line each: for adapters made without a logger (scripts, tests). */
export const consoleBusLog: BusLog = {
  info: () => undefined,
  warn: (fields, message) => console.warn(message, JSON.stringify(fields)),
  error: (fields, message) => console.error(message, JSON.stringify(fields)),
};

/** A consumer's state as its adapter sees it: deaths are counted, never forgotten. */
export class ConsumerStatusTracker {
  private current: ConsumerStatus = { state: 'starting', since: new Date(), crashes: 0, lastError: null };

  status(): ConsumerStatus {
    return { ...this.current };
  }

  running(): void {
    if (this.current.state !== 'running' && this.current.state !== 'stopped') this.current = { ...this.current, state: 'running', since: new Date() };
  }

  crashed(error: unknown): void {
    if (this.current.state === 'stopped') return;
    this.current = { state: 'crashed', since: new Date(), crashes: this.current.crashes + 1, lastError: error instanceof Error ? error.message : String(error) };
  }

  stopped(): void {
    this.current = { ...this.current, state: 'stopped', since: new Date() };
  }
}

/** Rejects with a timeout error if `promise` has not settled within `ms` (it keeps running). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

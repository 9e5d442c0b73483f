// The message bus port. Two adapters: Kafka (distributed mode) and a durable SQLite log (embedded
// mode), with the same topics, keys and CloudEvents values, and the same delivery contract:
// a batch is committed only after its handler has resolved (at-least-once), in order per key.
import { CloudEvent } from '@creditflow/contracts';

export interface OutboundMessage {
  key: string;
  value: CloudEvent<unknown>;
}

export interface MessagePublisher {
  publish(topic: string, messages: OutboundMessage[]): Promise<void>;
}

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string;
}

export interface ConsumeOptions {
  groupId: string;
  topics: string[];
  /** Called with batches of one topic (and partition) in order; resolving commits the batch. */
  handle: (batch: ConsumedMessage[]) => Promise<void>;
}

export interface BusConsumer {
  stop(): Promise<void>;
}

export interface MessageBus extends MessagePublisher {
  consume(options: ConsumeOptions): Promise<BusConsumer>;
  close(): Promise<void>;
}

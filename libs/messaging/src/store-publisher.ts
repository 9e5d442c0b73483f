// Events leave a service from its event store: a catch-up subscription with a checkpoint maps stored
// events to messages and publishes them; the checkpoint moves only after the publish succeeded, so
// a crash republishes (consumers dedupe) and never loses.
import type { EventStore, RecordedEvent, Subscription } from '@creditflow/event-store';
import { MessagePublisher, OutboundMessage, publishAll } from './bus';

/** Events read and published per store read. */
export const PUBLISH_BATCH = 500;

export interface StorePublisherOptions {
  store: EventStore;
  publisher: MessagePublisher;
  subscriptionId: string;
  category: string;
  toMessages: (event: RecordedEvent) => { topic: string; message: OutboundMessage }[];
  /** One replica at a time publishes (see SubscribeOptions.exclusive). */
  exclusive?: { leaseMs: number };
}

export async function publishFromStore(options: StorePublisherOptions): Promise<Subscription> {
  const { store, publisher, subscriptionId, category, toMessages, exclusive } = options;
  return store.subscribe({
    subscriptionId,
    category,
    // A publisher behind (after a burst, a restart) catches up in requests of up to 500 events.
    batchSize: PUBLISH_BATCH,
    ...(exclusive ? { exclusive } : {}),
    onEvents: async (events) => {
      const byTopic = new Map<string, OutboundMessage[]>();
      for (const event of events) {
        for (const { topic, message } of toMessages(event)) {
          const list = byTopic.get(topic);
          if (list) list.push(message);
          else byTopic.set(topic, [message]);
        }
      }
      // Every topic of the batch in one produce request (Kafka), each topic's messages in store order.
      await publishAll(publisher, [...byTopic].map(([topic, messages]) => ({ topic, messages })));
    },
  });
}

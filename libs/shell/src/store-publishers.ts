// Events leave a service only from its event store: each context registers what it publishes
// (StorePublishers.forFeature), and this module runs one checkpointed subscription per registration
// from application bootstrap until the module is destroyed. The subscriptions are exclusive: with
// several replicas on one store, one publishes each event, and another takes over within the lease
// when it stops or dies (so each stored event is published once per deployment, not per replica).
// Every message carries the correlation its stored event recorded: `traceparent` (the trace of the
// request or message that caused it) and `causationid` (that message's id), unless the context's
// mapping set them itself; each is logged at debug with its trace.
import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { EventStore, RecordedEvent, Subscription } from '@creditflow/event-store';
import { MessagePublisher, OutboundMessage, StorePublisherOptions, publishFromStore } from '@creditflow/messaging';
import { Observability } from './observability/observability';
import { EVENT_STORE, MESSAGE_BUS } from './providers';

export type StorePublication = Pick<StorePublisherOptions, 'subscriptionId' | 'category' | 'toMessages'>;

const PUBLICATIONS = Symbol('PUBLICATIONS');
/** How long a replica that died holds its publisher before another takes over. */
const PUBLISHER_LEASE_MS = 5_000;

@Injectable()
class StorePublisherRunner implements OnApplicationBootstrap, OnModuleDestroy {
  private running: Subscription[] = [];

  constructor(
    @Inject(PUBLICATIONS) private readonly publications: StorePublication[],
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessagePublisher,
    private readonly observability: Observability,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const publication of this.publications) {
      const logger = this.observability.logger.child({ publication: publication.subscriptionId });
      const toMessages = (recorded: RecordedEvent) =>
        publication.toMessages(recorded).map(({ topic, message }) => {
          const correlated = correlate(recorded, message);
          const { id, type, traceparent, causationid } = correlated.value;
          logger.debug({ topic, messageId: id, type, ...(causationid ? { causationId: causationid } : {}), ...(traceparent ? { traceparent } : {}) }, 'message published');
          return { topic, message: correlated };
        });
      this.running.push(await publishFromStore({ ...publication, toMessages, store: this.store, publisher: this.bus, exclusive: { leaseMs: PUBLISHER_LEASE_MS } }));
    }
  }

  async onModuleDestroy(): Promise<void> {
    for (const subscription of this.running.splice(0)) await subscription.stop();
  }
}

/** The message with its stored event's traceparent and causation, where the mapping did not set them. */
export function correlate(recorded: Pick<RecordedEvent, 'metadata'>, message: OutboundMessage): OutboundMessage {
  const { traceparent, causationId } = recorded.metadata as { traceparent?: unknown; causationId?: unknown };
  const value = { ...message.value };
  if (value.traceparent === undefined && typeof traceparent === 'string') value.traceparent = traceparent;
  if (value.causationid === undefined && typeof causationId === 'string') value.causationid = causationId;
  return { ...message, value };
}

@Module({})
export class StorePublishers {
  static forFeature(...publications: StorePublication[]): DynamicModule {
    return { module: StorePublishers, providers: [{ provide: PUBLICATIONS, useValue: publications }, StorePublisherRunner] };
  }
}

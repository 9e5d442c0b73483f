// Events leave a service only from its event store: each context registers what it publishes
// (StorePublishers.forFeature), and this module runs one checkpointed subscription per registration
// from application bootstrap until the module is destroyed. The subscriptions are exclusive: with
// several replicas on one store, one publishes each event, and another takes over within the lease
// when it stops or dies (so each stored event is published once per deployment, not per replica).
import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { EventStore, Subscription } from '@creditflow/event-store';
import { MessagePublisher, StorePublisherOptions, publishFromStore } from '@creditflow/messaging';
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
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const publication of this.publications) {
      this.running.push(await publishFromStore({ ...publication, store: this.store, publisher: this.bus, exclusive: { leaseMs: PUBLISHER_LEASE_MS } }));
    }
  }

  async onModuleDestroy(): Promise<void> {
    for (const subscription of this.running.splice(0)) await subscription.stop();
  }
}

@Module({})
export class StorePublishers {
  static forFeature(...publications: StorePublication[]): DynamicModule {
    return { module: StorePublishers, providers: [{ provide: PUBLICATIONS, useValue: publications }, StorePublisherRunner] };
  }
}

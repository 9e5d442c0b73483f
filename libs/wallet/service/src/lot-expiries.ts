// Keeps the wallet's index of lots with an expiry (SqliteLotExpiryIndex) fed from the store: one
// checkpointed subscription for the daily reset and the expiry-notice sweep, which only read it.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import type { EventStore, Subscription } from '@creditflow/event-store';
import { EVENT_STORE } from '@creditflow/shell';
import { LOT_EXPIRY_SUBSCRIPTION, SqliteLotExpiryIndex, WALLET_CATEGORY } from '@creditflow/wallet-application';

@Injectable()
export class LotExpiries implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly log = new Logger('wallet-lot-expiries');
  private subscription: Subscription | null = null;

  constructor(
    readonly index: SqliteLotExpiryIndex,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.store.subscribe({
      subscriptionId: LOT_EXPIRY_SUBSCRIPTION,
      category: WALLET_CATEGORY,
      checkpoints: this.index.checkpoints,
      onEvents: async (events) => this.index.apply(events),
      onError: (error) => this.log.warn(`lot expiry index: ${String(error)}`),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.stop();
  }

  /** After every module's destroy hook: a sweep the expiry notices wait for there may still read the index. */
  onApplicationShutdown(): void {
    this.index.close();
  }
}

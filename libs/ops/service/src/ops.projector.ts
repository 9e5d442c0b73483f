// Keeps the ops read models up to date from the wallet's event store (a checkpointed catch-up
// subscription) and publishes each touched account's latest balance on the compacted
// creditflow.balances.v1 topic.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { BalanceSnapshotData, TOPICS, cloudEvent, messageKey } from '@creditflow/contracts';
import type { EventStore, Subscription } from '@creditflow/event-store';
import { OpsProjections } from '@creditflow/ops-projections';
import { EVENT_STORE, MESSAGE_BUS } from '@creditflow/shell';
import type { MessagePublisher } from '@creditflow/messaging';
import { WALLET_CATEGORY, walletStateAt } from '@creditflow/wallet-application';
import { WalletState } from '@creditflow/wallet-domain';

/** The wallet state of one account as of a store position: what a projection resumes from (from the account's snapshot where it can). */
export function stateLoader(store: EventStore) {
  return (tenantId: string, accountId: string, upTo: bigint): Promise<WalletState> => walletStateAt(store, tenantId, accountId, upTo);
}

@Injectable()
export class OpsProjector implements OnApplicationBootstrap, OnModuleDestroy {
  private subscription: Subscription | null = null;

  constructor(
    readonly projections: OpsProjections,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessagePublisher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.projections.rebuiltFromStart) {
      new Logger('ops').warn('the ops read model file was written by an older version: emptied, it is rebuilt from the start of the store (GET /v1/projections/status shows what is pending)');
    }
    this.subscription = await this.store.subscribe({
      subscriptionId: 'ops-projections',
      category: WALLET_CATEGORY,
      // The projections store their position with each batch: each copy resumes where its data is.
      checkpoints: { load: async () => this.projections.position(), save: async () => undefined },
      onEvents: async (events) => {
        const { touched } = await this.projections.apply(events);
        await this.publishBalances(touched);
      },
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.stop();
    this.projections.close();
  }

  private async publishBalances(accounts: { tenantId: string; accountId: string }[]): Promise<void> {
    const messages = [];
    for (const { tenantId, accountId } of accounts) {
      const row = this.projections.balance(tenantId, accountId);
      if (!row) continue;
      const data: BalanceSnapshotData = { accountId, revision: row.revision, available: row.available, held: row.held, byType: row.byType, at: row.updatedAt };
      messages.push({
        key: messageKey(tenantId, accountId),
        value: cloudEvent({ id: `balance:${tenantId}:${accountId}:${row.revision}`, source: 'creditflow/ops', type: 'creditflow.balance.snapshot', subject: accountId, time: row.updatedAt, tenantid: tenantId, data }),
      });
    }
    await this.bus.publish(TOPICS.balances, messages);
  }
}

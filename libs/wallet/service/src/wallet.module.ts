import { Module } from '@nestjs/common';
import { join } from 'node:path';
import type { EventStore } from '@creditflow/event-store';
import { Deployment, EVENT_STORE, HttpContextModule, StorePublishers } from '@creditflow/shell';
import { Tenants } from '@creditflow/tenancy';
import { SqliteLotExpiryIndex, UsageClaims, WALLET_CATEGORY, WalletAccounts, walletEventMessages } from '@creditflow/wallet-application';
import { AccountsController } from './accounts.controller';
import { DailyResets } from './daily-resets';
import { ExpiryNotices } from './expiry-notices';
import { LotExpiries } from './lot-expiries';
import { PurchasesController } from './purchases.controller';
import { UsageController } from './usage.controller';
import { WalletService } from './wallet.service';
import { WalletConsumer } from './wallet.consumer';
import { WalletObservations } from './wallet.observations';
import { WALLET_ERROR_STATUS } from './wallet.http-errors';
import { WALLET_SCHEMAS } from './wallet.openapi';
import { WebhookOutbox } from './webhooks/webhook-outbox';
import { WebhookRegistry } from './webhooks/webhook-registry';
import { WebhooksController } from './webhooks/webhooks.controller';

@Module({
  imports: [
    HttpContextModule.forFeature({ errorStatus: WALLET_ERROR_STATUS, schemas: WALLET_SCHEMAS }),
    StorePublishers.forFeature({ subscriptionId: 'wallet-publisher', category: WALLET_CATEGORY, toMessages: walletEventMessages }),
  ],
  controllers: [AccountsController, UsageController, PurchasesController, WalletConsumer, WebhooksController],
  providers: [
    WalletService,
    WalletObservations,
    LotExpiries,
    DailyResets,
    ExpiryNotices,
    WebhookRegistry,
    WebhookOutbox,
    {
      provide: WalletAccounts,
      useFactory: (store: EventStore, tenants: Tenants, d: Deployment) =>
        new WalletAccounts(store, (tenantId) => tenants.get(tenantId).walletPolicy, {
          ...(d.wallet.cachedAccounts !== null ? { cacheLimit: d.wallet.cachedAccounts } : {}),
          ...(d.wallet.closedUsagesKept !== null ? { closedUsagesKept: d.wallet.closedUsagesKept } : {}),
        }),
      inject: [EVENT_STORE, Tenants, Deployment],
    },
    { provide: UsageClaims, useFactory: (store: EventStore) => new UsageClaims(store), inject: [EVENT_STORE] },
    { provide: SqliteLotExpiryIndex, useFactory: (d: Deployment) => new SqliteLotExpiryIndex(join(d.dataDir, 'wallet-lot-expiries.sqlite')), inject: [Deployment] },
  ],
})
export class WalletModule {}

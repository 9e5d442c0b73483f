import { Module } from '@nestjs/common';
import { join } from 'node:path';
import { Deployment, HttpContextModule, StorePublishers } from '@creditflow/shell';
import { REFUND_CATEGORY, refundMessages } from './refund.records';
import { RefundService, RefundStreams } from './refund.service';
import { SqliteRefundIndex } from './sqlite.refund-index';
import { SqliteWalletFacts } from './sqlite.wallet-facts';
import { RefundConsumer } from './refund.consumer';
import { RefundController } from './refund.controller';
import { REFUND_ERROR_STATUS } from './refund.http-errors';

@Module({
  imports: [
    HttpContextModule.forFeature({ errorStatus: REFUND_ERROR_STATUS }),
    StorePublishers.forFeature({ subscriptionId: 'refund-publisher', category: REFUND_CATEGORY, toMessages: refundMessages }),
  ],
  controllers: [RefundController, RefundConsumer],
  providers: [
    RefundService,
    RefundStreams,
    { provide: SqliteWalletFacts, useFactory: (d: Deployment) => new SqliteWalletFacts(join(d.dataDir, 'refund-wallet-facts.sqlite')), inject: [Deployment] },
    { provide: SqliteRefundIndex, useFactory: (d: Deployment) => new SqliteRefundIndex(join(d.dataDir, 'refund-index.sqlite')), inject: [Deployment] },
  ],
})
export class RefundModule {}

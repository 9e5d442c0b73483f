import { Module } from '@nestjs/common';
import { HttpContextModule } from '@creditflow/shell';
import { AccountsController } from './accounts.controller';
import { DailyResets } from './daily-resets';
import { PurchasesController } from './purchases.controller';
import { UsageController } from './usage.controller';
import { WalletApp } from './wallet.app';
import { WalletConsumer } from './wallet.consumer';
import { WALLET_ERROR_STATUS } from './wallet.http-errors';
import { WALLET_SCHEMAS } from './wallet.openapi';

@Module({
  imports: [HttpContextModule.forFeature({ errorStatus: WALLET_ERROR_STATUS, schemas: WALLET_SCHEMAS })],
  controllers: [AccountsController, UsageController, PurchasesController, WalletConsumer],
  providers: [WalletApp, DailyResets],
})
export class WalletModule {}

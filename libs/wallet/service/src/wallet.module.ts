import { Module } from '@nestjs/common';
import { HttpContextModule } from '@creditflow/shell';
import { AccountsController } from './accounts.controller';
import { DailyResets } from './daily-resets';
import { PurchasesController } from './purchases.controller';
import { UsageController } from './usage.controller';
import { WalletApp } from './wallet.app';
import { WalletConsumer } from './wallet.consumer';
import { WALLET_ERROR_STATUS } from './wallet.http-errors';

@Module({
  imports: [HttpContextModule.forFeature({ errorStatus: WALLET_ERROR_STATUS })],
  controllers: [AccountsController, UsageController, PurchasesController, WalletConsumer],
  providers: [WalletApp, DailyResets],
})
export class WalletModule {}

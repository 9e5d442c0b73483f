import { Module } from '@nestjs/common';
import { AccountsController } from './accounts.controller';
import { DailyResets } from './daily-resets';
import { PurchasesController } from './purchases.controller';
import { UsageController } from './usage.controller';
import { WalletApp } from './wallet.app';
import { WalletConsumer } from './wallet.consumer';

@Module({
  controllers: [AccountsController, UsageController, PurchasesController, WalletConsumer],
  providers: [WalletApp, DailyResets],
})
export class WalletModule {}

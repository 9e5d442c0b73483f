import { Module } from '@nestjs/common';
import { HttpContextModule, StorePublishers } from '@creditflow/shell';
import { DAILY_RESET_CATEGORY, SUBSCRIPTION_CATEGORY, schedulerMessages } from './scheduler.records';
import { DailyResetStreams, SchedulerService, SubscriptionStreams } from './scheduler.service';
import { SchedulerConsumer } from './scheduler.consumer';
import { SchedulerObservations } from './scheduler.observations';
import { SchedulerController } from './scheduler.controller';
import { SCHEDULER_ERROR_STATUS } from './scheduler.http-errors';

@Module({
  imports: [
    HttpContextModule.forFeature({ errorStatus: SCHEDULER_ERROR_STATUS }),
    StorePublishers.forFeature(
      { subscriptionId: 'scheduler-publisher', category: SUBSCRIPTION_CATEGORY, toMessages: schedulerMessages },
      { subscriptionId: 'scheduler-dailyreset-publisher', category: DAILY_RESET_CATEGORY, toMessages: schedulerMessages },
    ),
  ],
  controllers: [SchedulerController, SchedulerConsumer],
  providers: [SchedulerService, SubscriptionStreams, DailyResetStreams, SchedulerObservations],
})
export class SchedulerModule {}

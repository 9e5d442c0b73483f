import { Module } from '@nestjs/common';
import { HttpContextModule } from '@creditflow/shell';
import { DailyResetStreams, SchedulerService, SubscriptionStreams } from './scheduler.service';
import { SchedulerConsumer } from './scheduler.consumer';
import { SchedulerController } from './scheduler.controller';
import { SCHEDULER_ERROR_STATUS } from './scheduler.http-errors';

@Module({
  imports: [HttpContextModule.forFeature({ errorStatus: SCHEDULER_ERROR_STATUS })],
  controllers: [SchedulerController, SchedulerConsumer],
  providers: [SchedulerService, SubscriptionStreams, DailyResetStreams],
})
export class SchedulerModule {}

import { Module } from '@nestjs/common';
import { SchedulerApp } from './scheduler.app';
import { SchedulerConsumer } from './scheduler.consumer';
import { SchedulerController } from './scheduler.controller';

@Module({ controllers: [SchedulerController, SchedulerConsumer], providers: [SchedulerApp] })
export class SchedulerModule {}

// The subscription-scheduler service as its own process (distributed mode).
import 'reflect-metadata';
import { SchedulerModule } from '@creditflow/scheduler-service';
import { runService } from '@creditflow/shell';

runService('subscription-scheduler', SchedulerModule, 3003);

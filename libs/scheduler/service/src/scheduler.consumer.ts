import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { SCHEDULER_TYPES, SchedulerTickRequest, TOPICS, validatePayload } from '@creditflow/contracts';
import { DeadLetter, DeliveredEvent } from '@creditflow/messaging';
import { TRANSPORT } from '@creditflow/shell';
import { SchedulerApp } from './scheduler.app';

/** Cron triggers on creditflow.scheduler-triggers.v1: each emits everything due up to its time. */
@Controller()
export class SchedulerConsumer {
  constructor(private readonly scheduler: SchedulerApp) {}

  @EventPattern(TOPICS.schedulerTriggers, TRANSPORT['subscription-scheduler'])
  async triggers(@Payload() batch: DeliveredEvent[]): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    for (const { event, message } of batch) {
      if (event.type !== SCHEDULER_TYPES.tick) {
        letters.push({ message, reason: `unknown trigger type "${event.type}"` });
        continue;
      }
      const checked = validatePayload(SchedulerTickRequest, event.data);
      if (!checked.ok) {
        letters.push({ message, reason: checked.problems.join('; ') });
        continue;
      }
      await this.scheduler.tick(new Date(checked.value.at ?? event.time ?? this.scheduler.now().toISOString()));
    }
    return letters;
  }
}

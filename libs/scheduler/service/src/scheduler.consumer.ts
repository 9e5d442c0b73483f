import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  PAYMENT_TYPES, SCHEDULER_TYPES, SchedulerTickRequest, SubscriptionCancelledData, SubscriptionStartedData, TOPICS, WALLET_PAYMENT_TYPES, validatePayload,
} from '@creditflow/contracts';
import { DomainError } from '@creditflow/kernel';
import { DeadLetter, DeliveredEvent } from '@creditflow/messaging';
import { TRANSPORT, inMessageContext, wireCode } from '@creditflow/shell';
import { SchedulerService } from './scheduler.service';

@Controller()
export class SchedulerConsumer {
  constructor(private readonly scheduler: SchedulerService) {}

  /** Cron triggers on creditflow.scheduler-triggers.v1: each emits everything due up to its time. */
  @EventPattern(TOPICS.schedulerTriggers, TRANSPORT['subscription-scheduler'])
  async triggers(@Payload() batch: DeliveredEvent[]): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    for (const delivered of batch) {
      const { event, message } = delivered;
      if (event.type !== SCHEDULER_TYPES.tick) {
        letters.push({ message, reason: `unknown trigger type "${event.type}"` });
        continue;
      }
      const checked = validatePayload(SchedulerTickRequest, event.data);
      if (!checked.ok) {
        letters.push({ message, reason: checked.problems.join('; ') });
        continue;
      }
      await inMessageContext(delivered, () => this.scheduler.tick(new Date(checked.value.at ?? event.time ?? this.scheduler.now().toISOString())));
    }
    return letters;
  }

  /**
   * Subscription changes from the payment side on creditflow.payments.v1 do what PUT and DELETE
   * /v1/accounts/{id}/subscription do, at the scheduler's clock; the message id makes a redelivery a
   * no-op. Purchases are the wallet's. A message that is invalid or refused goes to the DLQ.
   */
  @EventPattern(TOPICS.payments, TRANSPORT['subscription-scheduler'])
  async payments(@Payload() batch: DeliveredEvent[]): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    for (const delivered of batch) {
      const { event, message } = delivered;
      if (WALLET_PAYMENT_TYPES.includes(event.type)) continue; // purchases and automatic top-up options are the wallet's
      const requestId = `payment:${event.id}`;
      try {
        if (event.type === PAYMENT_TYPES.subscriptionStarted) {
          const checked = validatePayload(SubscriptionStartedData, event.data);
          if (!checked.ok) letters.push({ message, reason: checked.problems.join('; ') });
          else await inMessageContext(delivered, () => this.scheduler.subscribe(event.tenantid, checked.value.accountId, checked.value.planId, checked.value.billingPeriod, this.scheduler.now(), requestId));
        } else if (event.type === PAYMENT_TYPES.subscriptionCancelled) {
          const checked = validatePayload(SubscriptionCancelledData, event.data);
          if (!checked.ok) letters.push({ message, reason: checked.problems.join('; ') });
          else await inMessageContext(delivered, () => this.scheduler.cancel(event.tenantid, checked.value.accountId, this.scheduler.now(), requestId));
        } else {
          letters.push({ message, reason: `unknown payment type "${event.type}"` });
        }
      } catch (error) {
        // The code a PUT or DELETE answers with (unknown_plan, custom_plan, ...).
        if (error instanceof DomainError) letters.push({ message, reason: `${wireCode(error.code)}: ${error.message}` });
        else throw error;
      }
    }
    return letters;
  }
}

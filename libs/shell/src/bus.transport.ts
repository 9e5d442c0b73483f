// A NestJS microservice transport over our MessageBus port: the same @EventPattern(topic) handlers
// run on Kafka (distributed) or on the embedded SQLite log, in batches, with DLQ routing.
// Observability: every consumed message gets the consumer's span of its trace (continuing the
// message's `traceparent`, or starting one) and one log line with its CloudEvent id, causation and
// trace; the batch is handled in a context (observed-context.ts) whose logger names the group, topic
// and partition, and in which events appended for a message carry that message's trace. Messages
// consumed and dead-lettered are counted; the consumer's state is what readiness reports.
import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { BusConsumer, DeadLetter, DeliveredEvent, MessageBus, batchProcessor } from '@creditflow/messaging';
import { DomainError } from '@creditflow/kernel';
import { isObservable, lastValueFrom } from 'rxjs';
import type { Observability } from './observability/observability';
import { messagePrincipal, runObserved } from './observability/observed-context';
import { TraceContext, continueTrace, formatTraceparent, traceFields } from './observability/trace-context';

export class BusTransport extends Server implements CustomTransportStrategy {
  private consumer: BusConsumer | null = null;
  private readonly log = new Logger(BusTransport.name);
  /** Each message's span, kept while the message is handled (a message retried alone keeps its span). */
  private readonly spans = new WeakMap<DeliveredEvent, TraceContext>();

  constructor(
    private readonly bus: MessageBus,
    private readonly groupId: string,
    private readonly observability?: Observability,
  ) {
    super();
  }

  async listen(callback: (...args: unknown[]) => void): Promise<void> {
    const topics = [...this.getHandlers().keys()];
    if (!topics.length) return callback();
    const observability = this.observability;
    const processors = new Map(
      topics.map((topic) => {
        const handler = this.getHandlerByPattern(topic)!;
        const process = batchProcessor({
          source: `creditflow/${this.groupId}`,
          publisher: this.bus,
          handler: async (events: DeliveredEvent[]) => {
            const run = async () => {
              const result = await handler(events);
              return (isObservable(result) ? await lastValueFrom(result) : result) as DeadLetter[] | void;
            };
            return observability ? this.observed(observability, events, run) : run();
          },
          onError: (error, message) => {
            const where = `${topic}${message ? `@${message.partition}:${message.offset}` : ''}`;
            // A refusal is an outcome, not a failure: no stack. An unexpected error keeps its stack.
            if (error instanceof DomainError || !(error instanceof Error)) this.log.warn(`${where}: ${String(error)}`);
            else this.log.warn({ err: error, msg: `${where}: ${error.message}` });
          },
          onDeadLetters: (letters) => {
            for (const { topic: from, reason } of letters) observability?.metrics.deadLetters.inc({ topic: from, reason });
            this.log.warn({ msg: `${letters.length} message(s) sent to the dead-letter topic`, reasons: letters.map((l) => l.reason) });
          },
        });
        return [topic, process] as const;
      }),
    );
    try {
      this.consumer = await this.bus.consume({
        groupId: this.groupId,
        topics,
        handle: (batch) => {
          observability?.metrics.messagesConsumed.inc({ group: this.groupId, topic: batch[0].topic }, batch.length);
          const logger = observability?.logger.child({ groupId: this.groupId, topic: batch[0].topic, partition: batch[0].partition });
          const process = () => processors.get(batch[0].topic)!(batch);
          return logger ? runObserved({ logger }, process) : process();
        },
      });
      observability?.consumers.add({ groupId: this.groupId, topics, status: () => this.consumer?.status() ?? null });
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /**
   * Gives each message its span (once: a message retried alone keeps it), logs it, and runs the
   * handler in a context where an event appended with a message's id as its causation gets that
   * message's trace; a batch of one is that message's context outright.
   */
  private observed<T>(observability: Observability, events: DeliveredEvent[], run: () => Promise<T>): Promise<T> {
    for (const delivered of events) {
      if (this.spans.has(delivered)) continue;
      const { event, message } = delivered;
      const trace = continueTrace(event.traceparent);
      this.spans.set(delivered, trace);
      delivered.traceparent = formatTraceparent(trace);
      observability.logger.info(
        {
          groupId: this.groupId, topic: message.topic, partition: message.partition, offset: message.offset,
          messageId: event.id, type: event.type, tenant: event.tenantid, ...(event.subject ? { subject: event.subject } : {}),
          ...(event.causationid ? { causationId: event.causationid } : {}), ...traceFields(trace),
        },
        'message consumed',
      );
    }
    const causes = new Map(events.map((d) => [d.event.id, { traceparent: d.traceparent!, principal: messagePrincipal(d) }]));
    const single = events.length === 1 ? this.spans.get(events[0]) : undefined;
    const where = events.length ? { groupId: this.groupId, topic: events[0].message.topic, partition: events[0].message.partition } : { groupId: this.groupId };
    const logger = observability.logger.child(single ? { ...where, messageId: events[0].event.id, ...traceFields(single) } : where);
    return runObserved({ logger, causes, ...(single ? { trace: single, principal: messagePrincipal(events[0]) } : {}) }, run);
  }

  async close(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
  }

  on(): never {
    throw new Error('BusTransport has no events to listen to');
  }

  unwrap<T>(): T {
    return this.bus as T;
  }
}

// A NestJS microservice transport over our MessageBus port: the same @EventPattern(topic) handlers
// run on Kafka (distributed) or on the embedded SQLite log, in batches, with DLQ routing.
import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { BusConsumer, DeadLetter, DeliveredEvent, MessageBus, batchProcessor } from '@creditflow/messaging';
import { isObservable, lastValueFrom } from 'rxjs';

export class BusTransport extends Server implements CustomTransportStrategy {
  private consumer: BusConsumer | null = null;
  private readonly log = new Logger(BusTransport.name);

  constructor(private readonly bus: MessageBus, private readonly groupId: string) {
    super();
  }

  async listen(callback: (...args: unknown[]) => void): Promise<void> {
    const topics = [...this.getHandlers().keys()];
    if (!topics.length) return callback();
    const processors = new Map(
      topics.map((topic) => {
        const handler = this.getHandlerByPattern(topic)!;
        const process = batchProcessor({
          source: `creditflow/${this.groupId}`,
          publisher: this.bus,
          handler: async (events: DeliveredEvent[]) => {
            const result = await handler(events);
            return (isObservable(result) ? await lastValueFrom(result) : result) as DeadLetter[] | void;
          },
          onError: (error, message) => this.log.warn(`${topic}${message ? `@${message.offset}` : ''}: ${String(error)}`),
        });
        return [topic, process] as const;
      }),
    );
    try {
      this.consumer = await this.bus.consume({ groupId: this.groupId, topics, handle: (batch) => processors.get(batch[0].topic)!(batch) });
      callback();
    } catch (error) {
      callback(error);
    }
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

// From raw messages to valid CloudEvents, and everything that cannot be processed to `<topic>.dlq`
// with the reason, so a poison message never blocks its partition and is never silently dropped.
import { CloudEvent, CloudEventEnvelope, TENANT_ID, cloudEvent, dlqTopic, validatePayload } from '@creditflow/contracts';
import { DomainError, sleep } from '@creditflow/kernel';
import { ConsumedMessage, MessagePublisher } from './bus';

export interface DeliveredEvent {
  message: ConsumedMessage;
  event: CloudEvent<Record<string, unknown>>;
}

export interface DeadLetter {
  message: ConsumedMessage;
  reason: string;
}

/**
 * Handles valid events in order and returns those it could not process. Throwing means an
 * infrastructure failure (store down): the events are retried, one by one, and only a message that
 * keeps failing on its own is dead-lettered.
 */
export type EventBatchHandler = (events: DeliveredEvent[]) => Promise<DeadLetter[] | void>;

export interface BatchProcessorOptions {
  source: string;
  publisher: MessagePublisher;
  handler: EventBatchHandler;
  /** Attempts for a single message whose handler throws an unexpected error. */
  maxAttempts?: number;
  backoffMs?: number;
  onError?: (error: unknown, message?: ConsumedMessage) => void;
}

export function batchProcessor(options: BatchProcessorOptions): (batch: ConsumedMessage[]) => Promise<void> {
  const { publisher, handler, source, maxAttempts = 4, backoffMs = 100, onError } = options;

  const deadLetter = async (letters: DeadLetter[]) => {
    const byTopic = new Map<string, DeadLetter[]>();
    for (const l of letters) byTopic.set(l.message.topic, [...(byTopic.get(l.message.topic) ?? []), l]);
    for (const [topic, group] of byTopic) {
      await publisher.publish(
        dlqTopic(topic),
        group.map(({ message, reason }) => ({
          key: message.key ?? '',
          value: cloudEvent({
            id: `dlq:${topic}:${message.partition}:${message.offset}`,
            source,
            type: 'creditflow.dlq.message',
            time: new Date().toISOString(),
            tenantid: tenantOf(message),
            data: { reason, topic, partition: message.partition, offset: message.offset, key: message.key, value: message.value },
          }),
        })),
      );
    }
  };

  const handleOne = async (delivered: DeliveredEvent): Promise<DeadLetter[]> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await handler([delivered])) ?? [];
      } catch (error) {
        onError?.(error, delivered.message);
        if (error instanceof DomainError || attempt >= maxAttempts) {
          return [{ message: delivered.message, reason: `handler failed after ${attempt} attempt(s): ${describe(error)}` }];
        }
        await sleep(backoffMs * 2 ** (attempt - 1));
      }
    }
  };

  return async (batch) => {
    const letters: DeadLetter[] = [];
    const valid: DeliveredEvent[] = [];
    for (const message of batch) {
      const parsed = parseCloudEvent(message);
      if ('reason' in parsed) letters.push(parsed);
      else valid.push(parsed);
    }
    if (valid.length) {
      try {
        letters.push(...((await handler(valid)) ?? []));
      } catch (error) {
        onError?.(error);
        // Isolate the failing message: the handler is idempotent, so replaying the others is safe.
        for (const delivered of valid) letters.push(...(await handleOne(delivered)));
      }
    }
    if (letters.length) await deadLetter(letters);
  };
}

export function parseCloudEvent(message: ConsumedMessage): DeliveredEvent | DeadLetter {
  let json: unknown;
  try {
    json = JSON.parse(message.value);
  } catch {
    return { message, reason: 'value is not JSON' };
  }
  const checked = validatePayload(CloudEventEnvelope, json);
  if (!checked.ok) return { message, reason: `not a valid CloudEvent: ${checked.problems.join('; ')}` };
  return { message, event: json as CloudEvent<Record<string, unknown>> };
}

function tenantOf(message: ConsumedMessage): string {
  const tenant = message.key?.split(':')[0] ?? '';
  return TENANT_ID.test(tenant) ? tenant : 'unknown';
}

function describe(error: unknown): string {
  if (error instanceof DomainError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

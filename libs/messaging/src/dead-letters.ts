// From raw messages to valid CloudEvents, and everything that cannot be processed to `<topic>.dlq`
// with the reason, so a poison message never blocks its partition and is never silently dropped.
// Nothing a producer can put in a message makes this throw, and a dead-letter record stays far
// below the broker's message size limit whatever the size of the original: it keeps the original's
// topic, partition and offset (where the whole message still is, until retention) and a bounded excerpt.
import { CloudEvent, TENANT_ID, cloudEvent, dlqTopic, messageKey, parseMessageKey, validateEnvelope } from '@creditflow/contracts';
import { DomainError, sleep } from '@creditflow/kernel';
import { ConsumedMessage, MessagePublisher } from './bus';

export interface DeliveredEvent {
  message: ConsumedMessage;
  event: CloudEvent<Record<string, unknown>>;
  /**
   * The consumer's span for this message (W3C traceparent): the message's own trace continued, or a
   * new trace when it came without one. What it causes carries this on. Set by the host's transport.
   */
  traceparent?: string;
}

export interface DeadLetter {
  message: ConsumedMessage;
  reason: string;
}

/** What a dead-letter record keeps of the original value, key and reason, in characters. */
export const DEAD_LETTER_LIMITS = { value: 64 * 1024, key: 1024, reason: 2048 } as const;

/** The data of a `creditflow.dlq.message` record. */
export interface DeadLetterData {
  reason: string;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** The original value, or its first DEAD_LETTER_LIMITS.value characters when `truncated`. */
  value: string;
  /** The original value's length in characters. */
  valueLength: number;
  truncated: boolean;
}

export function deadLetterData({ message, reason }: DeadLetter): DeadLetterData {
  const truncated = message.value.length > DEAD_LETTER_LIMITS.value;
  return {
    reason: excerpt(reason, DEAD_LETTER_LIMITS.reason),
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.key === null ? null : excerpt(message.key, DEAD_LETTER_LIMITS.key),
    value: truncated ? message.value.slice(0, DEAD_LETTER_LIMITS.value) : message.value,
    valueLength: message.value.length,
    truncated,
  };
}

function excerpt(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit)}...` : text;
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
  /** Called after dead letters were published, with each one's reason class (see deadLetterReason). */
  onDeadLetters?: (letters: { topic: string; reason: string }[]) => void;
}

/**
 * A dead letter's reason as a short class, for counting (a metric label must not carry free text):
 * `not_json`, `invalid_cloudevent`, `address_mismatch`, `handler_failed`, the domain error code a
 * refusal names (`WALLET.ACCOUNT_NOT_FOUND`), or `rejected` for any other reason a handler gave.
 */
export function deadLetterReason(reason: string): string {
  if (reason === 'value is not JSON') return 'not_json';
  if (reason.startsWith('not a valid CloudEvent')) return 'invalid_cloudevent';
  if (reason.startsWith('handler failed after')) return 'handler_failed';
  if (/^(key names|subject ".*" and data\.accountId|a message about account|data\.accountId must be)/.test(reason)) return 'address_mismatch';
  const code = /^([A-Z][A-Z_]*\.[A-Z][A-Z_]*): /.exec(reason);
  return code ? code[1] : 'rejected';
}

export function batchProcessor(options: BatchProcessorOptions): (batch: ConsumedMessage[]) => Promise<void> {
  const { publisher, handler, source, maxAttempts = 4, backoffMs = 100, onError, onDeadLetters } = options;

  const deadLetter = async (letters: DeadLetter[]) => {
    const byTopic = new Map<string, DeadLetter[]>();
    for (const l of letters) byTopic.set(l.message.topic, [...(byTopic.get(l.message.topic) ?? []), l]);
    for (const [topic, group] of byTopic) {
      await publisher.publish(
        dlqTopic(topic),
        group.map((letter) => ({
          key: excerpt(letter.message.key ?? '', DEAD_LETTER_LIMITS.key),
          value: cloudEvent({
            id: `dlq:${topic}:${letter.message.partition}:${letter.message.offset}`,
            source,
            type: 'creditflow.dlq.message',
            time: new Date().toISOString(),
            tenantid: tenantOf(letter.message),
            data: deadLetterData(letter),
          }),
        })),
      );
    }
    onDeadLetters?.(letters.map((l) => ({ topic: l.message.topic, reason: deadLetterReason(l.reason) })));
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
    // In the order of their messages: a message refused on receipt (not JSON, not a CloudEvent) and one
    // its handler refused are found at different steps, but go to the DLQ as they came.
    letters.sort((a, b) => compareOffsets(a.message, b.message));
    if (letters.length) await deadLetter(letters);
  };
}

function compareOffsets(a: ConsumedMessage, b: ConsumedMessage): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.partition !== b.partition) return a.partition - b.partition;
  const [x, y] = [BigInt(a.offset), BigInt(b.offset)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A valid CloudEvent, or the reason it is not one. Never throws, whatever the value. */
export function parseCloudEvent(message: ConsumedMessage): DeliveredEvent | DeadLetter {
  let json: unknown;
  try {
    json = JSON.parse(message.value);
  } catch {
    return { message, reason: 'value is not JSON' };
  }
  try {
    const checked = message.fromPlatform ? null : validateEnvelope(json);
    if (checked && !checked.ok) return { message, reason: `not a valid CloudEvent: ${checked.problems.join('; ')}` };
  } catch (error) {
    return { message, reason: `not a valid CloudEvent: ${describe(error)}` };
  }
  const event = json as CloudEvent<Record<string, unknown>>;
  const disagreement = addressDisagreement(message.key, event);
  return disagreement ? { message, reason: disagreement } : { message, event };
}

/**
 * A message about an account is keyed `<tenant>:<account>` (its partition orders the account's
 * messages), and its key, `tenantid`, `subject` and `data.accountId` must name the same tenant and
 * account: otherwise whichever one a consumer read would decide where it applies. Tenant-wide
 * messages (no subject, no data.accountId: daily resets, triggers) may be keyed otherwise.
 */
export function addressDisagreement(key: string | null, event: CloudEvent<Record<string, unknown>>): string | null {
  const dataAccount = event.data.accountId;
  if (dataAccount !== undefined && typeof dataAccount !== 'string') return 'data.accountId must be a string';
  if (event.subject !== undefined && dataAccount !== undefined && event.subject !== dataAccount) {
    return `subject "${event.subject}" and data.accountId "${dataAccount}" name different accounts`;
  }
  const account = event.subject ?? dataAccount;
  const keyed = parseMessageKey(key);
  if (!keyed) return account === undefined ? null : `a message about account "${account}" must be keyed "${messageKey(event.tenantid, account)}"`;
  if (keyed.tenantId !== event.tenantid) return `key names tenant "${keyed.tenantId}", tenantid says "${event.tenantid}"`;
  if (account !== undefined && keyed.accountId !== account) return `key names account "${keyed.accountId}", the message is about "${account}"`;
  return null;
}

function tenantOf(message: ConsumedMessage): string {
  const tenant = message.key?.split(':')[0] ?? '';
  return TENANT_ID.test(tenant) ? tenant : 'unknown';
}

function describe(error: unknown): string {
  if (error instanceof DomainError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

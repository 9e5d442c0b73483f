// What the work in progress is, for whatever it logs, stores or publishes: an HTTP request or a batch
// of consumed messages. Kept in an AsyncLocalStorage entered by the HTTP middleware, the bus
// transport and the store publishers, so code deep in a call (the Nest logger of a consumer, the
// event store's append) finds its logger and trace without anything being passed along. Each Nest
// application enters its own contexts: tests that host several services in one process keep their
// logs and traces apart.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import { TraceContext, formatTraceparent, parseTraceparent, traceFields } from './trace-context';

export interface ObservedContext {
  /** The logger of this work: the service's, with the request's or batch's fields bound. */
  logger: Logger;
  /** The span of this work when it is one piece (a request, a single message). */
  trace?: TraceContext;
  /** A batch of messages: each message's CloudEvent id -> the consumer's traceparent for it. */
  causes?: ReadonlyMap<string, string>;
}

const storage = new AsyncLocalStorage<ObservedContext>();

export function runObserved<T>(context: ObservedContext, work: () => T): T {
  return storage.run(context, work);
}

export function observedContext(): ObservedContext | undefined {
  return storage.getStore();
}

/**
 * The traceparent to record with a command this work builds: the span of the message it names as its
 * cause (a batch's `causes`), else the span of the work itself; undefined outside any. Read it where
 * the command is built, in the request's or message's own flow: an append may happen later, elsewhere
 * (a group commit appends several requests' commands in one call).
 */
export function traceparentFor(causationId?: unknown): string | undefined {
  const context = storage.getStore();
  if (!context) return undefined;
  return causedTraceparent(causationId) ?? (context.trace ? formatTraceparent(context.trace) : undefined);
}

/** `{traceparent}` for a command's metadata (see traceparentFor), or nothing. */
export function traceMetadata(causationId?: unknown): { traceparent?: string } {
  const traceparent = traceparentFor(causationId);
  return traceparent ? { traceparent } : {};
}

/** The consumer's span of the message `causationId` names, if it is one of the batch being handled. */
export function causedTraceparent(causationId: unknown): string | undefined {
  return typeof causationId === 'string' ? storage.getStore()?.causes?.get(causationId) : undefined;
}

/**
 * Runs `work` as the handling of one message of a batch (a consumer that handles its batch message by
 * message): what it logs and records carries that message's span.
 */
export function inMessageContext<T>(delivered: { traceparent?: string; event: { id: string } }, work: () => T): T {
  const context = storage.getStore();
  const parsed = parseTraceparent(delivered.traceparent);
  if (!context || !parsed) return work();
  const trace: TraceContext = { traceId: parsed.traceId, spanId: parsed.parentId, parentId: null, flags: parsed.flags };
  return storage.run({ ...context, trace, logger: context.logger.child({ messageId: delivered.event.id, ...traceFields(trace) }) }, work);
}

// What the work in progress is, for whatever it logs, stores or publishes: an HTTP request or a batch
// of consumed messages. Kept in an AsyncLocalStorage entered by the HTTP middleware, the bus
// transport and the store publishers, so code deep in a call (the Nest logger of a consumer, the
// event store's append) finds its logger and trace without anything being passed along. Each Nest
// application enters its own contexts: tests that host several services in one process keep their
// logs and traces apart.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import { TraceContext, formatTraceparent } from './trace-context';

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
 * The traceparent to record with what this work causes: the span of the message it names as its
 * cause (a batch's `causes`), else the span of the work itself; undefined outside any.
 */
export function traceparentFor(causationId?: unknown): string | undefined {
  const context = storage.getStore();
  if (!context) return undefined;
  if (typeof causationId === 'string') {
    const cause = context.causes?.get(causationId);
    if (cause) return cause;
  }
  return context.trace ? formatTraceparent(context.trace) : undefined;
}

// What the work in progress is, for whatever it logs, stores or publishes: an HTTP request or a batch
// of consumed messages. Kept in an AsyncLocalStorage entered by the HTTP middleware, the bus
// transport and the store publishers, so code deep in a call (the Nest logger of a consumer, the
// event store's append) finds its logger and trace without anything being passed along. Each Nest
// application enters its own contexts: tests that host several services in one process keep their
// logs and traces apart.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import { TraceContext, formatTraceparent, parseTraceparent, traceFields } from './trace-context';

/**
 * Who or what caused a stored event, recorded in its metadata as `principal` (never a secret): an
 * API key (its id: the first 12 hex digits of its SHA-256, as in the logs), a consumed message, or
 * the scheduler's tick (with what triggered the tick, when something did).
 */
export type RecordedPrincipal =
  | { kind: 'api-key'; keyId: string; tenant: string; role: string }
  | { kind: 'message'; topic: string; partition: number; offset: string; messageId: string; source: string; type: string }
  | { kind: 'scheduler'; service: string; tick: string; trigger?: RecordedPrincipal };

/** What a message of a batch brings to what it causes: the consumer's span for it and the message as principal. */
export interface Cause {
  traceparent: string;
  principal: RecordedPrincipal;
}

export interface ObservedContext {
  /** The logger of this work: the service's, with the request's or batch's fields bound. */
  logger: Logger;
  /** The span of this work when it is one piece (a request, a single message). */
  trace?: TraceContext;
  /**
   * Who this work acts for when it is one piece: a request's API key (set by the key guard), a single
   * message, a scheduler tick.
   */
  principal?: RecordedPrincipal;
  /** A batch of messages: each message's CloudEvent id -> its span and principal. */
  causes?: ReadonlyMap<string, Cause>;
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
  return causeOf(causationId)?.traceparent ?? (context.trace ? formatTraceparent(context.trace) : undefined);
}

/** The principal to record with a command this work builds: the message it names as its cause, else the work's own (see traceparentFor). */
export function principalFor(causationId?: unknown): RecordedPrincipal | undefined {
  return causeOf(causationId)?.principal ?? storage.getStore()?.principal;
}

/** `{traceparent, principal}` for a command's metadata (see traceparentFor and principalFor), each when known. */
export function commandMetadata(causationId?: unknown): { traceparent?: string; principal?: RecordedPrincipal } {
  const traceparent = traceparentFor(causationId);
  const principal = principalFor(causationId);
  return { ...(traceparent ? { traceparent } : {}), ...(principal ? { principal } : {}) };
}

/** The span and principal of the message `causationId` names, if it is one of the batch being handled. */
export function causeOf(causationId: unknown): Cause | undefined {
  return typeof causationId === 'string' ? storage.getStore()?.causes?.get(causationId) : undefined;
}

/** The message a consumer handles, as the principal of what it causes. */
export function messagePrincipal(delivered: { message: { topic: string; partition: number; offset: string }; event: { id: string; source: string; type: string } }): RecordedPrincipal {
  const { message: { topic, partition, offset }, event: { id, source, type } } = delivered;
  return { kind: 'message', topic, partition, offset, messageId: id, source, type };
}

/** Runs `work` on behalf of `principal` (a scheduler tick), keeping the current logger and trace; a context of its own outside any. */
export function asPrincipal<T>(principal: RecordedPrincipal, logger: Logger, work: () => T): T {
  const context = storage.getStore();
  return storage.run({ logger: context?.logger ?? logger, ...(context?.trace ? { trace: context.trace } : {}), principal }, work);
}

/**
 * Runs `work` as the handling of one message of a batch (a consumer that handles its batch message by
 * message): what it logs and records carries that message's span and principal.
 */
export function inMessageContext<T>(delivered: { traceparent?: string; event: { id: string } }, work: () => T): T {
  const context = storage.getStore();
  const parsed = parseTraceparent(delivered.traceparent);
  if (!context || !parsed) return work();
  const trace: TraceContext = { traceId: parsed.traceId, spanId: parsed.parentId, parentId: null, flags: parsed.flags };
  const principal = context.causes?.get(delivered.event.id)?.principal;
  return storage.run({ ...context, trace, ...(principal ? { principal } : {}), logger: context.logger.child({ messageId: delivered.event.id, ...traceFields(trace) }) }, work);
}

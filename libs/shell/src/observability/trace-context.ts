// W3C trace context (https://www.w3.org/TR/trace-context/): `traceparent` is
// `<version>-<trace id: 32 hex>-<parent id: 16 hex>-<flags: 2 hex>`. A request or message that brings a
// valid one continues its trace with a new span of ours; anything else (absent, malformed, all-zero
// ids, version ff) starts a new trace, as the recommendation says: a bad header is never an error.
import { randomFillSync } from 'node:crypto';

export interface TraceContext {
  /** 32 lower-case hex digits, shared by every span of the trace. */
  traceId: string;
  /** Our span: 16 lower-case hex digits. */
  spanId: string;
  /** The span we continue (the caller's or the producer's); null when the trace started here. */
  parentId: string | null;
  /** Trace flags, 2 hex digits (01: sampled). */
  flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The trace id, parent span and flags of a valid traceparent; null for anything else. */
export function parseTraceparent(value: unknown): { traceId: string; parentId: string; flags: string } | null {
  if (typeof value !== 'string' || value.length > 512) return null;
  const match = TRACEPARENT.exec(value.trim());
  if (!match) return null;
  const [, version, traceId, parentId, flags, rest] = match;
  // Version ff is invalid; version 00 has exactly four fields; a later version may append fields.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return null;
  return { traceId, parentId, flags };
}

/** Our span of the trace `traceparent` names, or of a new trace when it names none. */
export function continueTrace(traceparent?: unknown): TraceContext {
  const parent = parseTraceparent(traceparent);
  const spanId = randomHex(8);
  if (parent) return { traceId: parent.traceId, spanId, parentId: parent.parentId, flags: parent.flags };
  return { traceId: randomHex(16), spanId, parentId: null, flags: '01' };
}

// Random ids from a pool refilled 4 KiB at a time: a call into the system's generator per id cost
// ~3% of the server's CPU at saturation (two or three ids per request and per consumed message).
const pool = Buffer.alloc(4096);
let used = pool.length;

function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += bytes;
  return pool.toString('hex', used - bytes, used);
}

/** The traceparent that makes our span the parent of what it causes. */
export function formatTraceparent({ traceId, spanId, flags }: TraceContext): string {
  return `00-${traceId}-${spanId}-${flags}`;
}

/** The fields a log line carries for a span. */
export function traceFields(trace: TraceContext): { traceId: string; spanId: string; parentSpanId?: string } {
  return { traceId: trace.traceId, spanId: trace.spanId, ...(trace.parentId ? { parentSpanId: trace.parentId } : {}) };
}

// The HTTP edge of observability: one log line per request (method, route pattern, status, latency,
// tenant, API key id, trace) and the request-duration histogram. The key is never logged: its id is
// the first 12 hex digits of its SHA-256. Client errors (4xx) are logged at info without any error
// object; a 5xx at error, and its stack comes from the error filter, once. Probes and scrapes
// (/health..., /metrics) are measured but not logged. The request's trace continues the caller's
// `traceparent` or starts one; `requestContext` then makes it the context of everything the request does.
import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { PlatformMetrics } from './metrics';
import { runObserved } from './observed-context';
import { TraceContext, continueTrace, traceFields } from './trace-context';

export interface RequestObservation {
  id: string;
  trace: TraceContext;
  keyId: string | null;
  log: Logger;
}

type ObservedRequest = Request & { observation?: RequestObservation; principal?: { tenant: string; role: string } };

/** Ids of the keys seen last: a handful of keys make nearly every request, so each is hashed once (bounded: any string may come). */
const keyIds = new Map<string, string>();
const KEY_IDS_KEPT = 1024;

/** A short, stable id of an API key for logs: never the key itself. */
export function keyIdOf(authorization: unknown): string | null {
  const match = typeof authorization === 'string' ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
  if (!match) return null;
  let id = keyIds.get(match[1]);
  if (id === undefined) {
    id = createHash('sha256').update(match[1]).digest('hex').slice(0, 12);
    if (keyIds.size >= KEY_IDS_KEPT) keyIds.clear();
    keyIds.set(match[1], id);
  }
  return id;
}

/** The route pattern Express matched (`/v1/usage/:usageId/complete`), never the raw path: a bounded label. */
export function routeOf(req: Request): string {
  const path: unknown = req.route?.path;
  return typeof path === 'string' ? `${req.baseUrl ?? ''}${path}` : '(unmatched)';
}

const QUIET = /^\/(health(\/live|\/ready)?|metrics)\/?(\?|$)/;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Express middleware, installed before everything else (body parsing included) so every request is measured. */
export function httpObservability(root: Logger, metrics: PlatformMetrics) {
  return (req: ObservedRequest, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const trace = continueTrace(req.headers.traceparent);
    const keyId = keyIdOf(req.headers.authorization);
    const incomingId = req.headers['x-request-id'];
    const id = typeof incomingId === 'string' && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    const log = root.child({ reqId: id, ...traceFields(trace), ...(keyId ? { keyId } : {}) });
    req.observation = { id, trace, keyId, log };
    res.setHeader('x-request-id', id);

    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req);
      const status = res.statusCode;
      metrics.httpRequestDuration.observe({ method: req.method, route, status: String(status) }, seconds);
      if (QUIET.test(req.originalUrl)) return;
      const fields = {
        method: req.method, route, url: req.originalUrl, status, latencyMs: Math.round(seconds * 1e6) / 1e3,
        tenant: req.principal?.tenant ?? null, role: req.principal?.role ?? null,
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      if (status >= 500) log.error(fields, 'request');
      else log.info(fields, 'request');
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };
}

/**
 * Makes the request's logger and trace the context of its handling (guards, pipes, handlers, the
 * error filter). A Nest middleware, so it runs after the body parser, whose callbacks would lose an
 * AsyncLocalStorage context entered before them.
 */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  use(req: ObservedRequest, _res: Response, next: NextFunction): void {
    const observation = req.observation;
    if (!observation) return next();
    runObserved({ logger: observation.log, trace: observation.trace }, next);
  }
}

// One mapping from our errors to the HTTP error shape {error, message, details?}: a domain error's
// status comes from the table its context registered (http-context.ts).
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { DomainError } from '@creditflow/kernel';
import { HttpContextRegistry } from './http-context';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

/**
 * An error answer whose body is already in its public shape, with fields of its own beside `error`
 * (the wallet's 402 names the credits required and available). Answered as is.
 */
export class ErrorAnswer extends HttpException {
  constructor(status: number, body: { error: string; message?: string } & Record<string, unknown>) {
    super(body, status);
  }
}

/** "PRICING.UNKNOWN_FEATURE" -> "unknown_feature": the wire code. */
export function wireCode(code: string): string {
  const [area, rule] = [code.slice(0, code.indexOf('.')), code.slice(code.indexOf('.') + 1)];
  return (rule === 'INVALID' ? `invalid_${area}` : rule).toLowerCase();
}

export function domainErrorBody(error: DomainError): { error: string; message: string; details?: unknown } {
  return { error: wireCode(error.code), message: error.message, ...(error.details ? { details: error.details } : {}) };
}

@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('http');

  constructor(private readonly contexts: HttpContextRegistry) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const response = host.switchToHttp().getResponse();
    const [status, body] = this.map(exception);
    // An unexpected error is logged once, with its stack; an answer given on purpose (4xx, or a 503 of
    // readiness) is not an error of ours: the request log line shows its status, without a stack.
    if (status >= 500 && !(exception instanceof ApiError || exception instanceof ErrorAnswer)) {
      this.log.error(exception instanceof Error ? exception : String(exception));
    }
    response.status(status).json(body);
  }

  private map(exception: unknown): [number, Record<string, unknown>] {
    if (exception instanceof ApiError) {
      return [exception.status, { error: exception.code, message: exception.message, ...(exception.details ? { details: exception.details } : {}) }];
    }
    if (exception instanceof DomainError) return [this.contexts.statusOf(exception.code), domainErrorBody(exception)];
    if (exception instanceof ErrorAnswer) return [exception.getStatus(), exception.getResponse() as Record<string, unknown>];
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const raw = exception.getResponse();
      const message = typeof raw === 'string' ? raw : ((raw as { message?: unknown }).message ?? exception.message);
      // Express' body parser reports malformed JSON as a 400 HttpException.
      const code = status === 404 ? 'not_found' : status === 400 ? 'malformed_request' : status === 413 ? 'payload_too_large' : 'http_error';
      return [status, { error: code, message: Array.isArray(message) ? message.join('; ') : String(message) }];
    }
    // Express' body parser fails before any route, with http-errors that carry a client status.
    const bodyParser = exception as { type?: string; status?: number; expose?: boolean; message?: string };
    if (bodyParser?.type === 'entity.parse.failed') return [400, { error: 'malformed_json', message: 'the request body is not valid JSON' }];
    if (bodyParser?.type === 'entity.too.large') return [413, { error: 'payload_too_large', message: 'the request body is larger than 100 KB' }];
    if (bodyParser?.expose && typeof bodyParser.status === 'number' && bodyParser.status >= 400 && bodyParser.status < 500) {
      return [bodyParser.status, { error: 'malformed_request', message: bodyParser.message ?? 'the request body cannot be read' }];
    }
    return [500, { error: 'internal', message: 'internal error' }];
  }
}

// One mapping from our errors to the HTTP error shape {error, message, details?}.
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { DomainError } from '@creditflow/kernel';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

const STATUS_BY_CODE: Record<string, number> = {
  'WALLET.ACCOUNT_NOT_FOUND': 404,
  'WALLET.USAGE_NOT_FOUND': 404,
  'WALLET.ID_REUSED': 409,
  'REFUND.INVALID_REQUEST': 400,
  'REFUND.ACCOUNT_NOT_FOUND': 404,
  'REFUND.PURCHASE_NOT_FOUND': 404,
  'REFUND.USAGE_NOT_FOUND': 404,
  'REFUND.ID_REUSED': 409,
  'WALLET.INSUFFICIENT_CREDITS': 402,
  'SCHEDULER.SUBSCRIPTION_NOT_FOUND': 404,
  // Rules moved into the wallet domain (were ApiErrors in wallet.app.ts); to move with this table into the wallet.
  'WALLET.INVALID_AMOUNT': 400,
  'WALLET.UNKNOWN_PACKAGE': 400,
  'WALLET.INVALID_CURRENCY': 400,
  // Rules moved into the scheduler domain (were ApiErrors in scheduler.app.ts); to move with this table into the scheduler.
  'SCHEDULER.UNKNOWN_PLAN': 400,
  'SCHEDULER.INVALID_REQUEST': 400,
  'SCHEDULER.CUSTOM_PLAN': 422,
  'SCHEDULER.BILLING_PERIOD_UNAVAILABLE': 422,
};

export function statusOf(error: DomainError): number {
  if (STATUS_BY_CODE[error.code]) return STATUS_BY_CODE[error.code];
  if (/^(AMOUNT|PRICING|MONEY)\./.test(error.code)) return 400;
  return 422;
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

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const response = host.switchToHttp().getResponse();
    const [status, body] = this.map(exception);
    if (status >= 500) this.log.error(exception instanceof Error ? exception.stack : String(exception));
    response.status(status).json(body);
  }

  private map(exception: unknown): [number, Record<string, unknown>] {
    if (exception instanceof ApiError) {
      return [exception.status, { error: exception.code, message: exception.message, ...(exception.details ? { details: exception.details } : {}) }];
    }
    if (exception instanceof DomainError) return [statusOf(exception), domainErrorBody(exception)];
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const raw = exception.getResponse();
      const message = typeof raw === 'string' ? raw : ((raw as { message?: unknown }).message ?? exception.message);
      // Express' body parser reports malformed JSON as a 400 HttpException.
      const code = status === 404 ? 'not_found' : status === 400 ? 'malformed_request' : status === 413 ? 'payload_too_large' : 'http_error';
      return [status, { error: code, message: Array.isArray(message) ? message.join('; ') : String(message) }];
    }
    const bodyParser = exception as { type?: string; status?: number; message?: string };
    if (bodyParser?.type === 'entity.parse.failed') return [400, { error: 'malformed_json', message: 'the request body is not valid JSON' }];
    return [500, { error: 'internal', message: 'internal error' }];
  }
}

// Structured logs: pino, one JSON object a line (pretty, for people, only on a terminal or when
// LOG_FORMAT=pretty). Every line names its service; lines written during a request or a consumed
// batch carry its trace (see observed-context.ts). Nest's own Logger calls go to the same pino
// logger through PinoNestLogger; Nest's start-up chatter (modules loaded, routes mapped) is debug.
import type { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogLevel } from '../config';
import { observedContext } from './observed-context';

export interface LoggerOptions {
  /** Bound to every line as `service`. */
  service: string;
  level: LogLevel;
  /** `auto`: pretty when writing to a terminal, else JSON. */
  format: 'json' | 'pretty' | 'auto';
  /** Where lines go (default stdout); tests pass a stream to read them. */
  destination?: DestinationStream;
}

export function createLogger({ service, level, format, destination }: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: pino.stdSerializers.err },
  };
  const toTerminal = destination === undefined && process.stdout.isTTY === true;
  if (format === 'pretty' || (format === 'auto' && toTerminal)) {
    return pino(options, pretty({ colorize: toTerminal, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', destination: destination ?? 1, sync: true }));
  }
  // Synchronous: a line is out before the next statement runs, so a kill -9 loses none. Measured
  // asynchronous (sonic-boom, sync: false) on 100,000 request lines in bursts of 50: the same or more
  // CPU (the write moves to libuv's pool, it does not go away), so it stays synchronous.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}

/** Nest's levels given as a list (the HostOptions of tests): the most verbose one named. */
export function levelOfNestLevels(levels: false | string[]): LogLevel {
  if (levels === false || levels.length === 0) return 'silent';
  for (const [nest, level] of [['verbose', 'trace'], ['debug', 'debug'], ['log', 'info'], ['warn', 'warn'], ['error', 'error'], ['fatal', 'fatal']] as const) {
    if (levels.includes(nest)) return level;
  }
  return 'info';
}

/** Nest's framework start-up messages, logged at debug. */
const FRAMEWORK_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication', 'NestMicroservice']);

/**
 * Nest's LoggerService on pino. Nest's Logger is process-wide (the last app's useLogger wins), so
 * each call writes to the logger of the work in progress (the request's or the batch's, which names
 * its service) and only outside any to this instance's root logger.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly root: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', message: unknown, rest: unknown[]): void {
    const logger = observedContext()?.logger ?? this.root;
    const params = [...rest];
    // Nest passes the logger's context last, and for errors a stack before it.
    const context = params.length && typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    if (level === 'info' && context && FRAMEWORK_CONTEXTS.has(context)) level = 'debug';
    let text: string;
    if (message instanceof Error) {
      fields.err = message;
      text = message.message;
    } else if (message !== null && typeof message === 'object') {
      Object.assign(fields, message);
      text = typeof (message as { msg?: unknown }).msg === 'string' ? String((message as { msg: string }).msg) : '';
      delete fields.msg;
    } else {
      text = String(message);
    }
    if (level === 'error' && typeof params[0] === 'string' && /\n\s+at /.test(params[0])) fields.stack = params.shift();
    if (params.length) fields.details = params;
    logger[level](fields, text);
  }
}

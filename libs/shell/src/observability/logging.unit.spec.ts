import pino from 'pino';
import { keyIdOf } from './http-observability';
import { PinoNestLogger, levelOfNestLevels } from './logging';
import { runObserved } from './observed-context';

function capture() {
  const lines: Record<string, any>[] = [];
  const logger = pino({ level: 'trace', base: { service: 'test' } }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('PinoNestLogger', () => {
  it("writes Nest's calls as structured lines with their context, and Nest's start-up chatter at debug", () => {
    const { logger, lines } = capture();
    const nest = new PinoNestLogger(logger);
    nest.log('listening', 'creditflow');
    nest.log('Mapped {/health, GET} route', 'RouterExplorer');
    nest.warn('3 refused', 'wallet-consumer');
    expect(lines.map((l) => [l.level, l.context, l.msg])).toEqual([[30, 'creditflow', 'listening'], [20, 'RouterExplorer', 'Mapped {/health, GET} route'], [40, 'wallet-consumer', '3 refused']]);
  });

  it('keeps an error as `err` with its stack, and fields given as an object', () => {
    const { logger, lines } = capture();
    const nest = new PinoNestLogger(logger);
    nest.error(new Error('store down'), 'http');
    nest.warn({ msg: 'dead letters', reasons: ['not_json'] }, 'BusTransport');
    expect(lines[0]).toMatchObject({ level: 50, context: 'http', msg: 'store down', err: { type: 'Error', message: 'store down', stack: expect.stringContaining('store down') } });
    expect(lines[1]).toMatchObject({ level: 40, context: 'BusTransport', msg: 'dead letters', reasons: ['not_json'] });
  });

  it('writes to the logger of the work in progress (its request or batch) when there is one', () => {
    const root = capture();
    const request = capture();
    const nest = new PinoNestLogger(root.logger);
    runObserved({ logger: request.logger.child({ reqId: 'r1' }) }, () => nest.log('inside', 'x'));
    nest.log('outside', 'x');
    expect(request.lines.map((l) => [l.msg, l.reqId])).toEqual([['inside', 'r1']]);
    expect(root.lines.map((l) => l.msg)).toEqual(['outside']);
  });
});

describe('log settings and key ids', () => {
  it("maps Nest's level lists to the most verbose level named", () => {
    expect(levelOfNestLevels(['error'])).toBe('error');
    expect(levelOfNestLevels(['error', 'warn', 'log'])).toBe('info');
    expect(levelOfNestLevels(['debug', 'error'])).toBe('debug');
    expect(levelOfNestLevels(false)).toBe('silent');
  });

  it('names a key by a short hash, never the key, and nothing for a header that is no bearer token', () => {
    const id = keyIdOf('Bearer apinfer-service-key');
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(keyIdOf('bearer apinfer-service-key')).toBe(id);
    expect(keyIdOf('Bearer another-key')).not.toBe(id);
    expect(keyIdOf('Basic abc')).toBeNull();
    expect(keyIdOf(undefined)).toBeNull();
  });
});

import pino from 'pino';
import { inMessageContext, observedContext, runObserved, traceMetadata, traceparentFor } from './observed-context';
import { continueTrace, formatTraceparent } from './trace-context';

const logger = pino({ level: 'silent' });

describe('the trace a command records', () => {
  it('is nothing outside any request or message', () => {
    expect(traceparentFor('m1')).toBeUndefined();
    expect(traceMetadata()).toEqual({});
  });

  it("is the request's span in a request", () => {
    const trace = continueTrace();
    runObserved({ logger, trace }, () => expect(traceMetadata()).toEqual({ traceparent: formatTraceparent(trace) }));
  });

  it("is the span of the message a command names as its cause, in a batch; the batch's own trace otherwise", () => {
    const m1 = formatTraceparent(continueTrace());
    runObserved({ logger, causes: new Map([['m1', m1]]) }, () => {
      expect(traceMetadata('m1')).toEqual({ traceparent: m1 });
      expect(traceMetadata('other')).toEqual({});
    });
  });

  it('is one message\'s span while a consumer handles that message of its batch', () => {
    const m1 = formatTraceparent(continueTrace());
    const m2 = formatTraceparent(continueTrace());
    runObserved({ logger, causes: new Map([['m1', m1], ['m2', m2]]) }, () => {
      expect(traceMetadata()).toEqual({});
      inMessageContext({ traceparent: m2, event: { id: 'm2' } }, () => {
        expect(traceMetadata()).toEqual({ traceparent: m2 });
        expect(observedContext()?.causes?.get('m1')).toBe(m1);
      });
      inMessageContext({ event: { id: 'm3' } }, () => expect(traceMetadata()).toEqual({}));
    });
  });
});

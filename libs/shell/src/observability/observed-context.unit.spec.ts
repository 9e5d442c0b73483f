import pino from 'pino';
import { RecordedPrincipal, asPrincipal, commandMetadata, inMessageContext, messagePrincipal, observedContext, runObserved, traceparentFor } from './observed-context';
import { continueTrace, formatTraceparent } from './trace-context';

const logger = pino({ level: 'silent' });
const key: RecordedPrincipal = { kind: 'api-key', keyId: 'abcdef012345', tenant: 'apinfer', role: 'admin' };
const delivered = (id: string, offset: string) => ({ message: { topic: 'creditflow.payments.v1', partition: 1, offset }, event: { id, source: 'payments', type: 'creditflow.payment.purchase' } });
const cause = (id: string, offset: string) => ({ traceparent: formatTraceparent(continueTrace()), principal: messagePrincipal(delivered(id, offset)) });

describe('the trace and principal a command records', () => {
  it('are nothing outside any request or message', () => {
    expect(traceparentFor('m1')).toBeUndefined();
    expect(commandMetadata()).toEqual({});
  });

  it("are the request's span and key in a request", () => {
    const trace = continueTrace();
    runObserved({ logger, trace, principal: key }, () => expect(commandMetadata()).toEqual({ traceparent: formatTraceparent(trace), principal: key }));
  });

  it('name a message by topic, partition, offset, CloudEvent id, source and type', () => {
    expect(messagePrincipal(delivered('m1', '42'))).toEqual({
      kind: 'message', topic: 'creditflow.payments.v1', partition: 1, offset: '42', messageId: 'm1', source: 'payments', type: 'creditflow.payment.purchase',
    });
  });

  it("are those of the message a command names as its cause, in a batch; the batch's own otherwise", () => {
    const m1 = cause('m1', '1');
    runObserved({ logger, causes: new Map([['m1', m1]]) }, () => {
      expect(commandMetadata('m1')).toEqual(m1);
      expect(commandMetadata('other')).toEqual({});
    });
  });

  it("are one message's while a consumer handles that message of its batch", () => {
    const m1 = cause('m1', '1');
    const m2 = cause('m2', '2');
    runObserved({ logger, causes: new Map([['m1', m1], ['m2', m2]]) }, () => {
      expect(commandMetadata()).toEqual({});
      inMessageContext({ traceparent: m2.traceparent, event: { id: 'm2' } }, () => {
        expect(commandMetadata()).toEqual(m2);
        expect(observedContext()?.causes?.get('m1')).toBe(m1);
      });
      inMessageContext({ event: { id: 'm3' } }, () => expect(commandMetadata()).toEqual({}));
    });
  });

  it('are a tick\'s principal under asPrincipal, keeping the trace, inside or outside any context', () => {
    const tick: RecordedPrincipal = { kind: 'scheduler', service: 'subscription-scheduler', tick: '2031-01-01T00:00:00.000Z', trigger: key };
    expect(asPrincipal(tick, logger, () => commandMetadata())).toEqual({ principal: tick });
    const trace = continueTrace();
    runObserved({ logger, trace, principal: key }, () => {
      expect(asPrincipal(tick, logger, () => commandMetadata())).toEqual({ traceparent: formatTraceparent(trace), principal: tick });
      expect(commandMetadata().principal).toBe(key);
    });
  });
});

import { createHmac } from 'node:crypto';
import type { RecordedEvent } from '@creditflow/event-store';
import { MAX_ATTEMPTS, MAX_RETRY_DELAY_MS, retryDelayMs } from './webhook-backoff';
import { CLAIM_TIMEOUT_MS, Delivery, WebhookEvent, evolveDelivery, isDue } from './webhook-deliveries';
import { signatureHeaders } from './webhook-signature';

describe('webhook signatures', () => {
  it('reproduces the Standard Webhooks specification test vector', () => {
    const headers = signatureHeaders('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    expect(headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(headers['webhook-id']).toBe('msg_p5jXN8AQM9LWM0D4loKWxJek');
    expect(headers['webhook-timestamp']).toBe('1614265330');
  });

  it('signs "<t>.<body>" in X-Creditflow-Signature with the secret as UTF-8 (SPEC 1.1)', () => {
    const body = '{"id":"alert:1","amount":"2.625"}';
    const headers = signatureHeaders('plain-secret', 'alert:1', 1700000000, body);
    const expected = createHmac('sha256', Buffer.from('plain-secret', 'utf8')).update(`1700000000.${body}`).digest('hex');
    expect(headers['x-creditflow-signature']).toBe(`t=1700000000,v1=${expected}`);
  });

  it('changes with the body, the timestamp, the id and the secret', () => {
    const base = signatureHeaders('s', 'a', 1, 'x');
    for (const other of [signatureHeaders('s', 'a', 1, 'y'), signatureHeaders('s', 'a', 2, 'x'), signatureHeaders('t', 'a', 1, 'x')]) {
      expect(other['webhook-signature']).not.toBe(base['webhook-signature']);
      expect(other['x-creditflow-signature']).not.toBe(base['x-creditflow-signature']);
    }
    expect(signatureHeaders('s', 'b', 1, 'x')['webhook-signature']).not.toBe(base['webhook-signature']);
  });
});

describe('webhook retry schedule', () => {
  it('doubles from the first delay, caps at an hour and gives up after MAX_ATTEMPTS failures', () => {
    const schedule = Array.from({ length: MAX_ATTEMPTS }, (_, i) => retryDelayMs(i + 1, 5_000));
    expect(schedule.slice(0, 5)).toEqual([5_000, 10_000, 20_000, 40_000, 80_000]);
    expect(schedule[MAX_ATTEMPTS - 2]).toBe(MAX_RETRY_DELAY_MS);
    expect(schedule[MAX_ATTEMPTS - 1]).toBeNull();
    expect(retryDelayMs(3, 100)).toBe(400);
  });
});

describe('the delivery log fold', () => {
  const fold = (...events: WebhookEvent[]) =>
    events.reduce<Delivery | null>((d, e, i) => evolveDelivery(d, { ...e, revision: BigInt(i) } as unknown as RecordedEvent), null)!;
  const scheduled: WebhookEvent = {
    type: 'WebhookDeliveryScheduled',
    data: { tenantId: 't', webhookId: 'w', deliveryId: 'w.1', url: 'http://x', alertId: 'alert:1', alertType: 'creditflow.alert.low-balance', accountId: 'a', body: '{}', scheduledAt: '2026-01-01T00:00:00.000Z' },
  };
  const started = (attempt: number): WebhookEvent => ({ type: 'WebhookAttemptStarted', data: { attempt, startedAt: '2026-01-01T00:00:01.000Z' } });
  const finished = (attempt: number, responseCode: number | null, nextAttemptAt: string | null): WebhookEvent => ({
    type: 'WebhookAttemptFinished',
    data: { attempt, outcome: responseCode === 200 ? 'delivered' : 'failed', responseCode, error: responseCode ? null : 'ECONNREFUSED', latencyMs: 3, finishedAt: '2026-01-01T00:00:02.000Z', nextAttemptAt },
  });

  it('is pending and due at once when scheduled', () => {
    expect(fold(scheduled)).toMatchObject({ status: 'pending', nextAttemptAt: scheduled.data.scheduledAt, failures: 0, attempts: [], revision: 0n });
  });

  it('counts failures in a row for the backoff, and is delivered after a 2xx', () => {
    const retrying = fold(scheduled, started(1), finished(1, 500, '2026-01-01T00:00:07.000Z'), started(2), finished(2, null, '2026-01-01T00:00:12.000Z'));
    expect(retrying).toMatchObject({ status: 'pending', failures: 2, nextAttemptAt: '2026-01-01T00:00:12.000Z', revision: 4n });
    expect(retrying.attempts.map((a) => [a.attempt, a.outcome, a.responseCode])).toEqual([[1, 'failed', 500], [2, 'failed', null]]);
    expect(fold(scheduled, started(1), finished(1, 200, null))).toMatchObject({ status: 'delivered', failures: 0, nextAttemptAt: null });
  });

  it('gives up when a failure has no next attempt, and a replay makes it due again with a fresh backoff', () => {
    const gaveUp = fold(scheduled, started(1), finished(1, 500, null));
    expect(gaveUp).toMatchObject({ status: 'gave_up', nextAttemptAt: null });
    const replayed = fold(scheduled, started(1), finished(1, 500, null), { type: 'WebhookReplayRequested', data: { replayId: 'r', requestedAt: '2026-01-02T00:00:00.000Z' } });
    expect(replayed).toMatchObject({ status: 'pending', failures: 0, nextAttemptAt: '2026-01-02T00:00:00.000Z', replays: ['r'] });
  });

  it('shows an attempt whose process died as started without an outcome', () => {
    expect(fold(scheduled, started(1)).attempts).toEqual([expect.objectContaining({ attempt: 1, outcome: null, responseCode: null })]);
  });

  it('is due when pending and its next attempt has come; an attempt cut short is tried again after the claim timeout', () => {
    const ms = (iso: string) => Date.parse(iso);
    expect(isDue(fold(scheduled), ms('2026-01-01T00:00:00.000Z'))).toBe(true);
    const retrying = fold(scheduled, started(1), finished(1, 500, '2026-01-01T00:00:07.000Z'));
    expect(isDue(retrying, ms('2026-01-01T00:00:06.999Z'))).toBe(false);
    expect(isDue(retrying, ms('2026-01-01T00:00:07.000Z'))).toBe(true);
    const open = fold(scheduled, started(1));
    expect(isDue(open, ms('2026-01-01T00:00:01.000Z') + CLAIM_TIMEOUT_MS - 1)).toBe(false);
    expect(isDue(open, ms('2026-01-01T00:00:01.000Z') + CLAIM_TIMEOUT_MS)).toBe(true);
    expect(isDue(fold(scheduled, started(1), finished(1, 200, null)), ms('2030-01-01T00:00:00.000Z'))).toBe(false);
    expect(isDue(fold(scheduled, started(1), finished(1, 500, null)), ms('2030-01-01T00:00:00.000Z'))).toBe(false);
  });
});

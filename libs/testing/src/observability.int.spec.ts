// Issue 12, items 1-3 on the embedded platform: JSON log lines (one per request with tenant, key id,
// route, status and latency; no stack for a client error; every consumed message and decision with
// its chain), /metrics before and after a workload with counts that match it, and health that means
// something (/health/live, /health/ready and /health going red for a stuck read model or a dead consumer).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { TOPICS, USAGE_COMMAND_TYPES, cloudEvent, messageKey } from '@creditflow/contracts';
import { waitFor } from '@creditflow/kernel/testing';
import { SqliteBus } from '@creditflow/messaging';
import { apiKey } from './embedded-platform';
import { LogCapture, declaredMetrics, parseMetrics, sumOf } from './observability.fixture';
import { platformFor, tenantClient, uniqueId } from './tenant-client';

const WAIT_MS = 15_000;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const traceparent = (span: string) => `00-${TRACE_ID}-${span}-01`;

describe('observability of the embedded platform', () => {
  const logs = new LogCapture();
  const platform = platformFor({ logger: ['log'], logDestination: logs, env: { CREDITFLOW_READY_MAX_PROJECTION_LAG: '5' } });
  const apinfer = tenantClient(platform, 'apinfer', { waitMs: WAIT_MS });
  const scrape = async () => {
    const r = await platform().request('GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    return { text: r.body as string, samples: parseMetrics(r.body as string) };
  };
  const ready = () => waitFor('the platform to be ready', async () => ((await platform().request('GET', '/health/ready')).status === 200 ? true : undefined), WAIT_MS);

  it('answers /health/live, /health/ready and /health without a key, naming every check', async () => {
    await ready();
    expect(await platform().request('GET', '/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
    for (const path of ['/health/ready', '/health']) {
      const r = await platform().request('GET', path);
      expect(r).toMatchObject({ status: 200, body: { status: 'ok', mode: 'embedded', now: expect.any(String) } });
      expect(r.body.checks).toMatchObject({
        store: { status: 'ok' }, bus: { status: 'ok' }, readModels: { status: 'ok', projections: { 'ops-projections': { lagEvents: expect.any(Number), bound: 5 } } },
        consumers: { status: 'ok', groups: { 'creditflow-pricing': { state: 'running' }, 'creditflow-wallet': { state: 'running' }, 'creditflow-subscription-scheduler': { state: 'running' }, 'creditflow-refund': { state: 'running' } } },
      });
    }
  });

  it('counts a workload in /metrics: decisions, credits, holds, held credits, requests and store appends match what was done', async () => {
    await ready();
    const before = (await scrape()).samples;
    const accountId = await apinfer.openAccount();
    const broke = await apinfer.openAccount();
    await apinfer.ok(apinfer.call('admin', 'POST', '/v1/purchases', { purchaseId: uniqueId('pur'), accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' }));
    const usage = () => ({ usageId: uniqueId('u'), accountId, feature: 'qwen-image', quality: 'high' }); // 2.625 credits each
    const [u1, u2, u3, u4] = [usage(), usage(), usage(), usage()];
    for (const u of [u1, u2, u3, u4]) await apinfer.ok(apinfer.authorize(u));
    await apinfer.ok(apinfer.step(u1.usageId, 'complete'));
    await apinfer.ok(apinfer.step(u2.usageId, 'complete'));
    await apinfer.ok(apinfer.step(u3.usageId, 'fail', { reason: 'cancelled' }));
    expect((await apinfer.authorize({ ...usage(), accountId: broke })).status).toBe(402);
    expect((await apinfer.authorize({ ...usage(), feature: 'no-such-feature' })).status).toBe(400);

    // The held-credits gauges read the ops read model, which follows the store: wait for it to show u4's hold.
    const after = await waitFor('the read model to show the open hold', async () => {
      const { samples } = await scrape();
      return sumOf(samples, 'creditflow_held_credits', { tenant: 'apinfer' }) === 2.625 ? samples : undefined;
    }, WAIT_MS);
    const delta = (name: string, labels: Record<string, string> = {}) => sumOf(after, name, labels) - sumOf(before, name, labels);
    const apinferOnly = { tenant: 'apinfer' };

    expect({
      authorized: delta('creditflow_usage_decisions_total', { ...apinferOnly, outcome: 'authorized' }),
      completed: delta('creditflow_usage_decisions_total', { ...apinferOnly, outcome: 'completed' }),
      failed: delta('creditflow_usage_decisions_total', { ...apinferOnly, outcome: 'failed', reason: 'cancelled' }),
      denied: delta('creditflow_usage_decisions_total', { ...apinferOnly, outcome: 'denied', reason: 'insufficient_credits' }),
      granted: delta('creditflow_credits_total', { ...apinferOnly, flow: 'granted' }),
      spent: delta('creditflow_credits_total', { ...apinferOnly, flow: 'spent' }),
      placed: delta('creditflow_holds_total', { ...apinferOnly, event: 'placed' }),
      captured: delta('creditflow_holds_total', { ...apinferOnly, event: 'captured' }),
      released: delta('creditflow_holds_total', { ...apinferOnly, event: 'released' }),
      heldCredits: sumOf(after, 'creditflow_held_credits', apinferOnly),
      accountsHolding: sumOf(after, 'creditflow_accounts_with_open_holds', apinferOnly),
    }).toEqual({ authorized: 4, completed: 2, failed: 1, denied: 1, granted: 100, spent: 5.25, placed: 4, captured: 2, released: 1, heldCredits: 2.625, accountsHolding: 1 });

    const requests = (route: string, status: string) => delta('creditflow_http_request_duration_seconds_count', { method: 'POST', route, status });
    expect({
      authorized: requests('/v1/usage/authorize', '200'), paymentRequired: requests('/v1/usage/authorize', '402'), invalid: requests('/v1/usage/authorize', '400'),
      completed: requests('/v1/usage/:usageId/complete', '200'), failed: requests('/v1/usage/:usageId/fail', '200'), purchases: requests('/v1/purchases', '200'),
    }).toEqual({ authorized: 4, paymentRequired: 1, invalid: 1, completed: 2, failed: 1, purchases: 1 });

    // Every command that changed the account appended; each append is timed and sized.
    expect(delta('creditflow_store_append_duration_seconds_count', { outcome: 'ok' })).toBeGreaterThanOrEqual(9);
    expect(delta('creditflow_store_appended_events_total', { category: 'wallet' })).toBeGreaterThanOrEqual(11);
    expect(delta('creditflow_store_append_batch_events_count')).toBeGreaterThanOrEqual(9);
    // Every sample names the service; the consumer gauges show each group; the projection catches up.
    expect(after.every((s) => s.labels.service === 'platform')).toBe(true);
    expect(after.filter((s) => s.name === 'creditflow_consumer_up').map((s) => [s.labels.group, s.value]).sort()).toEqual([
      ['creditflow-pricing', 1], ['creditflow-refund', 1], ['creditflow-subscription-scheduler', 1], ['creditflow-wallet', 1],
    ]);
    expect(after.some((s) => s.name === 'creditflow_consumer_lag' && s.labels.group === 'creditflow-refund' && s.labels.topic === TOPICS.walletEvents)).toBe(true);
    const caughtUp = await waitFor('the projection to catch up', async () => {
      const { samples } = await scrape();
      return sumOf(samples, 'creditflow_projection_lag_events', { projection: 'ops-projections' }) === 0 ? samples : undefined;
    }, WAIT_MS);
    expect(caughtUp.filter((s) => s.name === 'creditflow_projection_lag_seconds').map((s) => [s.labels.projection, s.value])).toEqual([['ops-projections', 0]]);
  });

  it('declares every metric of the catalogue, with or without samples', async () => {
    const declared = declaredMetrics((await scrape()).text);
    for (const name of [
      'creditflow_http_request_duration_seconds', 'creditflow_usage_decisions_total', 'creditflow_credits_total', 'creditflow_holds_total', 'creditflow_held_credits',
      'creditflow_accounts_with_open_holds', 'creditflow_store_append_duration_seconds', 'creditflow_store_append_batch_events', 'creditflow_consumer_lag',
      'creditflow_consumer_up', 'creditflow_consumer_crashes_total', 'creditflow_dead_letters_total', 'creditflow_scheduler_events_total',
      'creditflow_projection_lag_events', 'creditflow_projection_lag_seconds', 'process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds',
    ]) expect({ name, declared: declared.has(name) }).toEqual({ name, declared: true });
  });

  it('logs one JSON line per request with tenant, key id, route, status, latency and trace; never the key; no stack for a client error', async () => {
    await ready();
    const key = apiKey('apinfer', 'service');
    const accountId = await apinfer.openAccount();
    const usageId = uniqueId('u');
    const headers = { traceparent: traceparent('00f067aa0ba902b7') };
    const refused = await platform().request('POST', '/v1/usage/authorize', { key, headers, body: { usageId, accountId, feature: 'qwen-image' } });
    expect(refused.status).toBe(402);
    const malformed = await platform().request('POST', '/v1/usage/authorize', { key, headers, rawBody: '{"usageId": ' });
    expect(malformed.status).toBe(400);

    const keyId = createHash('sha256').update(key).digest('hex').slice(0, 12);
    const lines = await waitFor('the request lines', async () => {
      const found = logs.where({ msg: 'request', traceId: TRACE_ID });
      return found.length >= 2 ? found : undefined;
    }, WAIT_MS);
    expect(lines).toEqual(expect.arrayContaining([
      expect.objectContaining({ level: 'info', service: 'platform', method: 'POST', route: '/v1/usage/authorize', status: 402, tenant: 'apinfer', role: 'service', keyId, latencyMs: expect.any(Number), reqId: expect.any(String), spanId: expect.stringMatching(/^[0-9a-f]{16}$/), parentSpanId: '00f067aa0ba902b7', time: expect.any(String) }),
      // The body parser refused it before any route matched.
      expect.objectContaining({ level: 'info', route: '(unmatched)', status: 400, keyId, tenant: null }),
    ]));
    // The denial is a decision of the chain: it carries the request's trace.
    expect(logs.where({ msg: 'usage decision', usageId })).toEqual([expect.objectContaining({ outcome: 'denied', reason: 'insufficient_credits', tenant: 'apinfer', accountId, traceId: TRACE_ID })]);
    const ours = logs.raw.filter((line) => line.includes(TRACE_ID));
    expect(ours.filter((line) => /"(err|stack)"/.test(line) || /\\n\s+at /.test(line))).toEqual([]);
    expect(logs.raw.filter((line) => line.includes(key))).toEqual([]);
    expect(logs.lines.every((line) => typeof line.level === 'string' && typeof line.service === 'string' && typeof line.time === 'string')).toBe(true);
    // Probes and scrapes are measured, not logged.
    expect(logs.lines.filter((line) => line.msg === 'request' && /^\/(health|metrics)/.test(line.url))).toEqual([]);
  });

  it('follows a usage command from the bus through pricing and the wallet to its decision: one trace in every line and message', async () => {
    await ready();
    const accountId = await apinfer.openAccount();
    await apinfer.reward(accountId, '10');
    const usageId = uniqueId('u');
    const bus = new SqliteBus(join(platform().dataDir, 'bus.sqlite'));
    const decisions: Record<string, any>[] = [];
    const reader = await bus.consume({
      groupId: uniqueId('decisions-reader'),
      topics: [TOPICS.usageDecisions],
      handle: async (batch) => void decisions.push(...batch.map((m) => JSON.parse(m.value))),
    });
    try {
      const id = uniqueId('cmd');
      await bus.publish(TOPICS.usage, [{
        key: messageKey('apinfer', accountId),
        value: { ...cloudEvent({ id, source: 'test/upstream', type: USAGE_COMMAND_TYPES.authorize, subject: accountId, tenantid: 'apinfer', data: { usageId, accountId, feature: 'qwen-image' } }), traceparent: traceparent('b7ad6b7169203331') },
      }]);
      const decision = await waitFor('the decision', async () => decisions.find((d) => d.data.usageId === usageId), WAIT_MS);
      expect(decision).toMatchObject({ type: 'creditflow.usage.authorized', causationid: `priced:${id}`, traceparent: expect.stringMatching(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`)) });

      const consumed = logs.where({ msg: 'message consumed', traceId: TRACE_ID });
      expect(consumed).toEqual(expect.arrayContaining([
        expect.objectContaining({ groupId: 'creditflow-pricing', topic: TOPICS.usage, messageId: id, tenant: 'apinfer', subject: accountId, parentSpanId: 'b7ad6b7169203331' }),
        expect.objectContaining({ groupId: 'creditflow-wallet', topic: TOPICS.pricedUsage, messageId: `priced:${id}`, causationId: id }),
      ]));
      expect(logs.where({ msg: 'usage decision', usageId })).toEqual([expect.objectContaining({ outcome: 'authorized', causationId: `priced:${id}`, traceId: TRACE_ID })]);
      // The refund service reads the wallet's events: the hold's message continues the same trace.
      await waitFor('the refund service to consume the hold', async () =>
        logs.where({ msg: 'message consumed', groupId: 'creditflow-refund', traceId: TRACE_ID }).length ? true : undefined, WAIT_MS);
    } finally {
      await reader.stop();
      await bus.close();
    }
  });

  it('goes red on /health/ready and /health while a read model is too far behind or a consumer is dead, and stays live', async () => {
    await ready();
    const { observability } = platform().runtime;
    let stuckAt = 0n;
    observability.registerReadModel({ name: 'stuck-model', category: 'wallet', position: () => stuckAt });
    try {
      const notReady = await waitFor('readiness to fail', async () => {
        const r = await platform().request('GET', '/health/ready');
        return r.status === 503 ? r : undefined;
      }, WAIT_MS);
      expect(notReady.body).toMatchObject({ error: 'not_ready', status: 'unavailable', message: expect.stringMatching(/readModels: stuck-model more than 5 events behind/), checks: { readModels: { status: 'failing' }, store: { status: 'ok' } } });
      expect((await platform().request('GET', '/health')).status).toBe(503);
      expect((await platform().request('GET', '/health/live')).status).toBe(200);
      const lag = sumOf((await scrape()).samples, 'creditflow_projection_lag_events', { projection: 'stuck-model' });
      expect(lag).toBe(Number(await platform().runtime.store.countEvents({ category: 'wallet', fromPosition: stuckAt }))); // every wallet event: the model applied none
      // Logged once, when the answer changed (not at every probe).
      expect(logs.lines.filter((l) => l.level === 'warn' && String(l.msg).startsWith('not ready: readModels: stuck-model more than 5 events behind'))).toHaveLength(1);
    } finally {
      stuckAt = 2n ** 62n;
    }
    await ready();
    expect(logs.where({ level: 'info', msg: 'ready again' }).length).toBeGreaterThanOrEqual(1);

    const dead = { groupId: 'creditflow-test-dead', topics: [TOPICS.usage], status: () => ({ state: 'crashed' as const, since: new Date(), crashes: 3, lastError: 'broker gone' }) };
    observability.consumers.add(dead);
    try {
      const r = await platform().request('GET', '/health/ready');
      expect(r).toMatchObject({ status: 503, body: { checks: { consumers: { status: 'failing', error: 'not running: creditflow-test-dead', groups: { 'creditflow-test-dead': { state: 'crashed', crashes: 3, lastError: 'broker gone' } } } } } });
      const samples = (await scrape()).samples;
      expect(sumOf(samples, 'creditflow_consumer_up', { group: 'creditflow-test-dead' })).toBe(0);
      expect(sumOf(samples, 'creditflow_consumer_crashes_total', { group: 'creditflow-test-dead' })).toBe(3);
    } finally {
      observability.consumers.delete(dead);
    }
    await ready();
  });
});

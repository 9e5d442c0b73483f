// Who did what (issue 12, item 7), through the public HTTP contract of the embedded platform: every
// stored event names its principal (an API key's id and role, the message that caused it, the
// scheduler's tick), the manual clock's changes are kept and readable, a key past its rate limit gets
// 429, and every answer carries the security headers.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { PAYMENT_TYPES, TOPICS, cloudEvent, messageKey } from '@creditflow/contracts';
import { sleep } from '@creditflow/kernel';
import { waitFor } from '@creditflow/kernel/testing';
import { SqliteBus } from '@creditflow/messaging';
import { apiKey, defaultApiKeys } from './embedded-platform';
import { platformFor, tenantClient, uniqueId } from './tenant-client';

const keyIdOf = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 12);
const WAIT_MS = 15_000;

describe('every stored event names its principal', () => {
  const platform = platformFor({ clock: 'manual' });
  const amisi = tenantClient(platform, 'amisi', { waitMs: WAIT_MS });
  const apinfer = tenantClient(platform, 'apinfer', { waitMs: WAIT_MS });

  it('an API key (id and role, never the key), a message (topic, partition, offset, id, source), the scheduler and its tick', async () => {
    const admin = { kind: 'api-key', keyId: keyIdOf(apiKey('amisi', 'admin')), tenant: 'amisi', role: 'admin' };
    const service = { kind: 'api-key', keyId: keyIdOf(apiKey('apinfer', 'service')), tenant: 'apinfer', role: 'service' };
    await amisi.setClock('2031-01-10T10:00:00Z');

    // HTTP: an account opened by an admin key, a usage authorized and completed by a service key.
    const buyer = await apinfer.openAccount();
    const purchaseId = uniqueId('p');
    await apinfer.ok(apinfer.call('admin', 'POST', '/v1/purchases', { purchaseId, accountId: buyer, packageId: 'basic', amountPaid: '10', currency: 'CNY' }));
    const { usageId } = await apinfer.charge(buyer, { feature: 'qwen-image' });
    // A refund (admin key) decided by the refund service, clawed back by the wallet from its decision message.
    const refundId = uniqueId('ref');
    expect((await apinfer.ok(apinfer.call('admin', 'POST', '/v1/refunds', { refundId, accountId: buyer, purchaseId, reason: 'unused_credits' }))).status).toBe('approved');
    await waitFor('the claw-back to settle', async () => ((await apinfer.call('ops', 'GET', `/v1/refunds/${refundId}`)).body.settlement === 'settled' ? true : undefined), WAIT_MS);

    // A message: a purchase from the payment side on the bus.
    const paid = await apinfer.openAccount();
    const message = cloudEvent({
      id: uniqueId('pay'), source: 'payments-test', type: PAYMENT_TYPES.purchase, subject: paid, tenantid: 'apinfer', time: new Date().toISOString(),
      data: { purchaseId: uniqueId('p'), accountId: paid, packageId: 'basic', amountPaid: '10', currency: 'CNY' },
    });
    const bus = new SqliteBus(join(platform().dataDir, 'bus.sqlite'));
    try {
      await bus.publish(TOPICS.payments, [{ key: messageKey('apinfer', paid), value: message }]);
    } finally {
      await bus.close();
    }
    await apinfer.balanceWhen(paid, 'the purchase from the bus', (b) => b.available === '100');

    // The scheduler: a subscription (admin key), then a tick at its boundary posted by the admin key.
    const subscriber = await amisi.openAccount();
    const { body: subscription } = await amisi.subscribe(subscriber, 'pro');
    await amisi.balanceWhen(subscriber, 'the first grant', (b) => b.available === '50');
    await amisi.setClock('2031-02-10T10:00:00Z');
    expect(await amisi.tick()).toMatchObject({ emitted: 2 });
    await amisi.balanceWhen(subscriber, 'the second grant', (b) => b.lots.some((l: { lotId: string }) => l.lotId === `monthly-grant:${subscription.subscriptionId}:1`));

    const events = await platform().runtime.store.readAll();
    // Snapshots are the handler's cache, not something anyone did.
    const recorded = events.filter((e) => !e.streamName.startsWith('snapshot-'));
    expect(recorded.filter((e) => !e.metadata.principal).map((e) => `${e.streamName} ${e.type}`)).toEqual([]);
    const of = (stream: string) => recorded.filter((e) => e.streamName === stream).map((e) => [e.type, e.metadata.principal]);

    const apinferAdmin = { ...admin, keyId: keyIdOf(apiKey('apinfer', 'admin')), tenant: 'apinfer' };
    const refundMessage = { kind: 'message', topic: TOPICS.refunds, partition: 0, offset: expect.stringMatching(/^\d+$/), messageId: expect.any(String), source: expect.any(String), type: expect.any(String) };
    // The claw-back, and the alerts it raises (below the low-balance threshold), name the refund decision.
    const history = [
      ['AccountOpened', apinferAdmin],
      ['CreditsGranted', apinferAdmin],
      ['HoldPlaced', service],
      ['HoldCaptured', service],
      ['CreditsClawedBack', refundMessage],
      ['LowBalanceAlertRaised', refundMessage],
      ['AutoTopUpRequested', refundMessage],
    ];
    expect(of(`wallet-apinfer_${buyer}`)).toEqual(history);
    const refundEvents = recorded.filter((e) => e.streamName.includes(refundId));
    expect(refundEvents[0].metadata.principal).toEqual(apinferAdmin);
    // Its settlement names the wallet's message that answered.
    expect(refundEvents.slice(1).map((e) => e.metadata.principal)).toEqual(refundEvents.slice(1).map(() => expect.objectContaining({ kind: 'message', topic: TOPICS.walletEvents })));
    expect(of(`usage-apinfer_${usageId}`)).toEqual([['UsageClaimed', service]]);
    const messagePrincipal = { kind: 'message', topic: TOPICS.payments, partition: 0, offset: expect.stringMatching(/^\d+$/), messageId: message.id, source: 'payments-test', type: PAYMENT_TYPES.purchase };
    expect(of(`wallet-apinfer_${paid}`)[1]).toEqual(['CreditsGranted', messagePrincipal]);

    const tick = { kind: 'scheduler', service: 'subscription-scheduler', tick: '2031-02-10T10:00:00.000Z', trigger: admin };
    const scheduled = of(`subscription-amisi_${subscriber}`);
    expect(scheduled[0]).toEqual(['SubscriptionStarted', admin]);
    expect(scheduled.filter(([type]) => type === 'RolloverExpiryDue' || type === 'MonthlyGrantDue').slice(-2)).toEqual([['RolloverExpiryDue', tick], ['MonthlyGrantDue', tick]]);
    // The wallet's grant names the scheduler's message that caused it.
    const granted = recorded.filter((e) => e.streamName === `wallet-amisi_${subscriber}`).pop()!;
    expect(granted.metadata.principal).toMatchObject({ kind: 'message', topic: TOPICS.scheduler, source: expect.any(String), messageId: expect.any(String) });

    // The secret never reaches the store.
    const stored = JSON.stringify(events.map((e) => e.metadata));
    for (const key of [apiKey('amisi', 'admin'), apiKey('apinfer', 'admin'), apiKey('apinfer', 'service')]) expect(stored).not.toContain(key);

    // An operator sees it on the transactions answer.
    const transactions = (await apinfer.ok(apinfer.call('ops', 'GET', `/v1/accounts/${buyer}/transactions`))).transactions;
    expect(transactions.map((t: { type: string; principal: unknown }) => [t.type, t.principal])).toEqual(history);
  });
});

describe("the scheduler's own schedule", () => {
  const platform = platformFor({ clock: 'manual', env: { CREDITFLOW_SCHEDULER_INTERVAL_MS: '100' } });
  const amisi = tenantClient(platform, 'amisi', { waitMs: WAIT_MS });

  it('names the scheduler and its tick, with no trigger', async () => {
    await amisi.setClock('2031-01-10T10:00:00Z');
    const subscriber = await amisi.openAccount();
    const { body: subscription } = await amisi.subscribe(subscriber, 'pro');
    await amisi.setClock('2031-02-10T10:00:00Z');
    await amisi.balanceWhen(subscriber, 'the grant of the own schedule', (b) => b.lots.some((l: { lotId: string }) => l.lotId === `monthly-grant:${subscription.subscriptionId}:1`));
    const due = (await platform().runtime.store.readStream(`subscription-amisi_${subscriber}`)).filter((e) => e.type === 'MonthlyGrantDue').pop()!;
    expect(due.metadata.principal).toEqual({ kind: 'scheduler', service: 'subscription-scheduler', tick: '2031-02-10T10:00:00.000Z' });
  });
});

describe('the manual clock', () => {
  const platform = platformFor({ clock: 'manual' });
  const apinfer = tenantClient(platform, 'apinfer');

  it('keeps every change (who, from, to, when) and shows them to ops and admin', async () => {
    const before = Date.now();
    await apinfer.setClock('2031-05-05T12:00:00Z');
    await apinfer.setClock('2031-05-06T12:00:00Z');
    expect((await apinfer.call('admin', 'POST', '/v1/admin/clock', { now: '2031-05-01T00:00:00Z' })).status).toBe(422);

    const history = await apinfer.ok(apinfer.call('ops', 'GET', '/v1/admin/clock'));
    const principal = { kind: 'api-key', keyId: keyIdOf(apiKey('apinfer', 'admin')), tenant: 'apinfer', role: 'admin' };
    expect(history).toEqual({
      now: '2031-05-06T12:00:00.000Z',
      manual: true,
      changes: [
        { now: '2031-05-05T12:00:00.000Z', previous: null, by: 'apinfer/admin', principal, recordedAt: expect.any(String) },
        { now: '2031-05-06T12:00:00.000Z', previous: '2031-05-05T12:00:00.000Z', by: 'apinfer/admin', principal, recordedAt: expect.any(String) },
      ],
    });
    for (const change of history.changes) expect(Date.parse(change.recordedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect((await apinfer.call('admin', 'GET', '/v1/admin/clock')).status).toBe(200);
    expect((await apinfer.call('service', 'GET', '/v1/admin/clock')).status).toBe(403);
    expect((await platform().request('GET', '/v1/admin/clock')).status).toBe(401);
  });
});

describe('per-key rate limits', () => {
  const limited = 'apinfer-limited-service-key';
  const roleLimited = 'apinfer-limited-ops-key';
  const platform = platformFor({
    keys: {
      ...defaultApiKeys(),
      // A token every 2 s: slow enough that a loaded machine never refills one between two requests of a test.
      [limited]: { tenant: 'apinfer', role: 'service', rateLimit: { rate: 0.5, burst: 3 } },
      [roleLimited]: { tenant: 'apinfer', role: 'ops' },
    },
    // Every ops key gets the role's default; the default keys of the other roles none.
    env: { CREDITFLOW_RATE_LIMITS: JSON.stringify({ ops: { rate: 0.2, burst: 2 } }) },
  });
  const catalog = (key: string) => platform().request('GET', '/v1/catalog', { key });

  it("answers 429 with Retry-After and the error shape once a key's burst is spent, and lets it through again at its rate", async () => {
    expect(await Promise.all([1, 2, 3].map(async () => (await catalog(limited)).status))).toEqual([200, 200, 200]);
    const refused = await catalog(limited);
    expect({ status: refused.status, retryAfter: refused.headers.get('retry-after'), body: refused.body }).toEqual({
      status: 429,
      retryAfter: '2',
      body: { error: 'rate_limited', message: expect.stringContaining('0.5 requests a second (bursts of 3)'), details: { retryAfterSeconds: 2 } },
    });
    // Other keys of the same tenant keep their own buckets.
    expect((await catalog(apiKey('apinfer', 'service'))).status).toBe(200);
    // A refused request does nothing: an authorization refused for the rate records nothing (not even a denial).
    const apinfer = tenantClient(platform, 'apinfer');
    const account = await apinfer.openAccount();
    const authorize = await platform().request('POST', '/v1/usage/authorize', { key: limited, body: { usageId: uniqueId('u'), accountId: account, feature: 'qwen-image' } });
    expect(authorize.status).toBe(429);
    expect((await apinfer.ok(apinfer.call('ops', 'GET', `/v1/accounts/${account}/transactions`))).transactions.map((t: { type: string }) => t.type)).toEqual(['AccountOpened']);

    // Waiting as long as Retry-After said lets one more through.
    await sleep(Number((await catalog(limited)).headers.get('retry-after')) * 1000 + 100);
    expect((await catalog(limited)).status).toBe(200);
    expect((await catalog(limited)).status).toBe(429);
  });

  it("gives a key its role's default from CREDITFLOW_RATE_LIMITS", async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await platform().request('GET', '/v1/projections/status', { key: roleLimited })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('never limits the probes and the scrape, whatever key they carry', async () => {
    for (let i = 0; i < 5; i++) await catalog(limited);
    for (const path of ['/health', '/health/live', '/health/ready', '/metrics']) {
      const statuses = await Promise.all(Array.from({ length: 10 }, async () => (await platform().request('GET', path, { key: limited })).status));
      expect({ path, statuses: [...new Set(statuses)] }).toEqual({ path, statuses: [200] });
    }
  });
});

describe('security headers', () => {
  const platform = platformFor();

  it.each([
    ['an API answer', '/v1/catalog', 200],
    ['an error', '/v1/accounts/nobody/balance', 404],
    ['a refusal without a key', '/v1/catalog', 401],
    ['a probe', '/health/live', 200],
    ['the dashboard', '/dashboard', 200],
    ['Swagger UI', '/docs', 200],
    ['no route at all', '/nowhere', 404],
  ])('are on %s, without X-Powered-By', async (_what, path, status) => {
    const key = status === 401 ? undefined : apiKey('apinfer', 'admin');
    const r = await platform().request('GET', path, { key });
    expect(r.status).toBe(status);
    expect(r.headers.get('x-powered-by')).toBeNull();
    expect(Object.fromEntries(['x-content-type-options', 'x-frame-options', 'strict-transport-security', 'referrer-policy', 'cross-origin-opener-policy'].map((h) => [h, r.headers.get(h)]))).toEqual({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
    });
    // The dashboard keeps its own, stricter policy (default-src 'none').
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(path === '/dashboard' ? /^default-src 'none';/ : /^default-src 'self';/);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
  });

  it('are on an answer the body parser refuses', async () => {
    const r = await platform().request('POST', '/v1/usage/authorize', { key: apiKey('apinfer', 'service'), rawBody: '{"usageId": ' });
    expect(r.status).toBe(400);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-powered-by')).toBeNull();
  });
});

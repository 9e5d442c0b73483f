// Who did what (issue 12, item 7), through the public HTTP contract of the embedded platform: every
// stored event names its principal (an API key's id and role, the message that caused it, the
// scheduler's tick), the manual clock's changes are kept and readable, a key past its rate limit gets
// 429, and every answer carries the security headers.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { PAYMENT_TYPES, TOPICS, cloudEvent, messageKey } from '@creditflow/contracts';
import { SqliteBus } from '@creditflow/messaging';
import { apiKey } from './embedded-platform';
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
    await apinfer.ok(apinfer.call('admin', 'POST', '/v1/purchases', { purchaseId: uniqueId('p'), accountId: buyer, packageId: 'basic', amountPaid: '10', currency: 'CNY' }));
    const { usageId } = await apinfer.charge(buyer, { feature: 'qwen-image' });

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

    expect(of(`wallet-apinfer_${buyer}`)).toEqual([
      ['AccountOpened', { ...admin, keyId: keyIdOf(apiKey('apinfer', 'admin')), tenant: 'apinfer' }],
      ['CreditsGranted', { ...admin, keyId: keyIdOf(apiKey('apinfer', 'admin')), tenant: 'apinfer' }],
      ['HoldPlaced', service],
      ['HoldCaptured', service],
    ]);
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
    expect(transactions.map((t: { type: string; principal: unknown }) => [t.type, t.principal])).toEqual([
      ['AccountOpened', expect.objectContaining({ kind: 'api-key', role: 'admin' })],
      ['CreditsGranted', expect.objectContaining({ kind: 'api-key', role: 'admin' })],
      ['HoldPlaced', service],
      ['HoldCaptured', service],
    ]);
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

// Alert webhooks end to end in embedded mode: a real node:http receiver verifies every delivery with
// the algorithm README.md documents, the platform raises each kind of alert through its public HTTP
// API, and the receiver sees each alert once by webhook-id, also across a restart on the same data
// directory; a 500 is retried; a replay redelivers under the same webhook-id. Credits expiring soon
// are noticed by the wallet's sweep when the (manual) platform clock reaches their window.
import { randomUUID } from 'node:crypto';
import { sleep } from '@creditflow/kernel';
import { waitFor } from '@creditflow/kernel/testing';
import { startEmbeddedPlatform } from './embedded-platform';
import { tenantClient, uniqueId } from './tenant-client';
import { webhookPlatforms } from './webhook-platforms';
import { ALERTS, Receiver, WEBHOOK_SECRET as SECRET } from './webhook-receiver';

const T = new Date(Math.floor(Date.now() / 60_000) * 60_000);

jest.setTimeout(60_000);

describe('alert webhooks (embedded)', () => {
  const { receiver, platforms, tenantsDir } = webhookPlatforms({ clock: 'manual', env: { CREDITFLOW_SCHEDULER_INTERVAL_MS: '250', CREDITFLOW_WEBHOOK_PRIVATE_TARGETS: 'true' } });
  const platform = () => platforms[0];
  const apinfer = tenantClient(platform, 'apinfer');

  beforeAll(() => apinfer.setClock(T));

  /** An account with the basic package (100 credits) drawn down to 9: below the low-balance and auto top-up thresholds (10). */
  const drained = async () => {
    const accountId = await apinfer.openAccount();
    const purchaseId = uniqueId('pur');
    await apinfer.ok(apinfer.call('admin', 'POST', '/v1/purchases', { purchaseId, accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' }));
    await apinfer.charge(accountId, { feature: 'qwen-image', quantity: 52 }); // 52 x 1.75 = 91
    return { accountId, purchaseId };
  };
  const types = (accountId: string) => receiver.of(accountId).map((r) => r.body.type).sort();
  const deliveries = async (query = '') => apinfer.ok(apinfer.call('ops', 'GET', `/v1/webhooks/deliveries${query}`));

  let first: { accountId: string; purchaseId: string };

  it('delivers each kind of alert once, signed, with the alert CloudEvent as body and its id as webhook-id', async () => {
    first = await drained();
    const refund = await apinfer.ok(apinfer.call('admin', 'POST', '/v1/refunds', { refundId: uniqueId('ref'), accountId: first.accountId, purchaseId: first.purchaseId, reason: 'unused_credits' }));
    expect(refund.status).toBe('approved');

    await waitFor('three alerts delivered', () => (receiver.of(first.accountId).length >= 3 ? true : undefined), 15_000);
    await sleep(1_000); // anything doubled would arrive meanwhile
    expect(types(first.accountId)).toEqual(['creditflow.alert.auto-top-up-requested', 'creditflow.alert.low-balance', 'creditflow.alert.refund-decided']);
    for (const r of receiver.of(first.accountId)) {
      expect(r.id).toBe(r.body.id);
      expect(r.body).toMatchObject({ specversion: '1.0', tenantid: 'apinfer', subject: first.accountId });
    }
    expect(receiver.of(first.accountId).find((r) => r.body.type === 'creditflow.alert.low-balance')!.body.data).toMatchObject({ accountId: first.accountId, available: '9', threshold: '10' });
    expect(receiver.of(first.accountId).find((r) => r.body.type === 'creditflow.alert.refund-decided')!.body.data).toMatchObject({
      refundId: refund.refundId, status: 'approved', outcome: 'credits_clawed_back', amount: '9',
    });
    expect(receiver.badSignatures).toEqual([]);

    const log = await waitFor('the log shows three delivered', async () => {
      const rows = (await deliveries()).filter((d: any) => d.accountId === first.accountId);
      return rows.length === 3 && rows.every((d: any) => d.status === 'delivered') ? rows : undefined;
    });
    for (const d of log) {
      expect(d.attempts).toEqual([expect.objectContaining({ attempt: 1, outcome: 'delivered', responseCode: 200, latencyMs: expect.any(Number), nextAttemptAt: null })]);
    }
  });

  it('after a restart on the same data directory, delivers nothing old again and delivers a new alert', async () => {
    const before = receiver.received.length;
    await platform().restart();
    await sleep(1_500);
    expect(receiver.received.length).toBe(before);

    const second = await drained();
    await waitFor('the new alerts delivered', () => (receiver.of(second.accountId).length >= 2 ? true : undefined), 15_000);
    await sleep(1_000);
    expect(types(second.accountId)).toEqual(['creditflow.alert.auto-top-up-requested', 'creditflow.alert.low-balance']);
    expect(receiver.received.length).toBe(before + 2);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(receiver.received.length);
  });

  it('retries an alert the receiver answered 500 to, under the same webhook-id, and logs both attempts', async () => {
    const accountId = await apinfer.openAccount();
    receiver.failFirstFor.add(accountId);
    await apinfer.ok(apinfer.call('admin', 'POST', '/v1/purchases', { purchaseId: uniqueId('pur'), accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' }));
    await apinfer.charge(accountId, { feature: 'qwen-image', quantity: 52 });

    await waitFor('both alerts delivered after a retry', () => (receiver.of(accountId).filter((r) => r.status === 200).length === 2 ? true : undefined), 15_000);
    const lowBalance = receiver.of(accountId).filter((r) => r.body.type === 'creditflow.alert.low-balance');
    expect(lowBalance.map((r) => r.status)).toEqual([500, 200]);
    expect(lowBalance[0].id).toBe(lowBalance[1].id);

    const log = await waitFor('the log shows the retry', async () => {
      const row = (await deliveries('?status=delivered')).find((d: any) => d.alertId === lowBalance[0].id);
      return row?.attempts.length === 2 ? row : undefined;
    });
    expect(log.attempts[0]).toMatchObject({ attempt: 1, outcome: 'failed', responseCode: 500, nextAttemptAt: expect.any(String) });
    expect(log.attempts[1]).toMatchObject({ attempt: 2, outcome: 'delivered', responseCode: 200, nextAttemptAt: null });
    const metrics = (await platform().request('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/creditflow_webhook_deliveries_total\{tenant="apinfer",outcome="failed",service="platform"\} [1-9]/);
    expect(metrics).toMatch(/creditflow_webhook_deliveries_total\{tenant="apinfer",outcome="delivered",service="platform"\} [1-9]/);
  });

  it('keeps retrying across a restart: the outbox is the store', async () => {
    const accountId = await apinfer.openAccount();
    receiver.failAllFor.add(accountId);
    await apinfer.ok(apinfer.call('admin', 'POST', '/v1/purchases', { purchaseId: uniqueId('pur'), accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' }));
    await apinfer.charge(accountId, { feature: 'qwen-image', quantity: 52 });
    await waitFor('both alerts refused once', () => (new Set(receiver.of(accountId).map((r) => r.id)).size === 2 ? true : undefined), 15_000);
    await platform().restart();
    receiver.failAllFor.delete(accountId);
    await waitFor('both alerts delivered after the restart', () => (receiver.of(accountId).filter((r) => r.status === 200).length === 2 ? true : undefined), 15_000);
    await sleep(1_000);
    for (const id of new Set(receiver.of(accountId).map((r) => r.id))) {
      expect(receiver.received.filter((r) => r.id === id && r.status === 200)).toHaveLength(1);
    }
  });

  it('sends again, under the same webhook-id, an attempt a dying process left open (at least once)', async () => {
    const accountId = await apinfer.openAccount();
    receiver.failAllFor.add(accountId);
    await apinfer.ok(apinfer.call('admin', 'POST', '/v1/purchases', { purchaseId: uniqueId('pur'), accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' }));
    await apinfer.charge(accountId, { feature: 'qwen-image', quantity: 52 });
    // Four failures: the next attempt is 2.4 s away, time to play a replica that claims one and dies.
    const row = await waitFor('four failed attempts', async () => {
      const d = (await deliveries()).find((x: any) => x.accountId === accountId && x.alertType === 'creditflow.alert.low-balance');
      return d?.attempts.length === 4 && d.attempts[3].outcome === 'failed' ? d : undefined;
    }, 15_000);
    const stream = `webhook-apinfer_${row.deliveryId}`;
    const [last] = await platform().runtime.store.readStream(stream, { direction: 'backwards', maxCount: 1 });
    const startedAt = new Date(Date.now() - 31_000).toISOString(); // its claim ran out a second ago
    await platform().runtime.store.appendToStream(stream, [{ id: randomUUID(), type: 'WebhookAttemptStarted', data: { attempt: 5, startedAt } }], { expectedRevision: last.revision });
    receiver.failAllFor.delete(accountId);

    await waitFor('the alert delivered after the open attempt', () => (receiver.received.some((r) => r.id === row.alertId && r.status === 200) ? true : undefined), 15_000);
    const log = await waitFor('the log', async () => {
      const d = await apinfer.ok(apinfer.call('ops', 'GET', `/v1/webhooks/deliveries/${row.deliveryId}`));
      return d.status === 'delivered' ? d : undefined;
    });
    expect(log.attempts.map((a: any) => [a.attempt, a.outcome])).toEqual([[1, 'failed'], [2, 'failed'], [3, 'failed'], [4, 'failed'], [5, null], [6, 'delivered']]);
    expect(new Set(receiver.received.filter((r) => r.body.subject === accountId && r.body.type === 'creditflow.alert.low-balance').map((r) => r.id)).size).toBe(1);
  });

  it('replays a delivery on request (admin), once per replayId, under the same webhook-id', async () => {
    const row = (await deliveries()).find((d: any) => d.accountId === first.accountId && d.alertType === 'creditflow.alert.low-balance');
    const path = `/v1/webhooks/deliveries/${row.deliveryId}/replays`;
    expect((await apinfer.call('ops', 'POST', path, { replayId: 'r-1' })).status).toBe(403);
    expect(await apinfer.ok(apinfer.call('admin', 'POST', path, { replayId: 'r-1' }), 202)).toEqual({ deliveryId: row.deliveryId, replayId: 'r-1', status: 'pending' });
    await waitFor('the replay delivered', () => (receiver.received.filter((r) => r.id === row.alertId).length === 2 ? true : undefined));
    await apinfer.ok(apinfer.call('admin', 'POST', path, { replayId: 'r-1' }), 202); // the same replay again: nothing more
    await sleep(1_000);
    expect(receiver.received.filter((r) => r.id === row.alertId)).toHaveLength(2);
    const replayed = await waitFor('the log shows the replay', async () => {
      const d = await apinfer.ok(apinfer.call('ops', 'GET', `/v1/webhooks/deliveries/${row.deliveryId}`));
      return d.attempts.length === 2 && d.status === 'delivered' ? d : undefined;
    });
    expect(replayed.replays).toEqual(['r-1']);
    expect((await apinfer.call('admin', 'POST', '/v1/webhooks/deliveries/ops-alerts.nope/replays', { replayId: 'r-2' })).status).toBe(404);
    expect(await deliveries('?limit=2')).toHaveLength(2);
    expect((await apinfer.call('ops', 'GET', '/v1/webhooks/deliveries?limit=0')).status).toBe(400);
    expect((await apinfer.call('ops', 'GET', '/v1/webhooks/deliveries?status=lost')).status).toBe(400);
  });

  it('notices credits expiring soon when the clock enters their window, with no command on the account', async () => {
    const accountId = await apinfer.openAccount();
    const expiresAt = new Date(T.getTime() + 72 * 3_600_000).toISOString();
    await apinfer.ok(apinfer.call('admin', 'POST', `/v1/accounts/${accountId}/grants`, { grantId: uniqueId('grant'), type: 'reward', amount: '5', expiresAt }));
    await sleep(1_000); // 72 h ahead: outside the 48 h window, nothing to say yet
    expect(receiver.of(accountId)).toEqual([]);
    await apinfer.setClock(new Date(T.getTime() + 30 * 3_600_000));
    const [notice] = await waitFor('the expiring-soon alert', () => (receiver.of(accountId).length ? receiver.of(accountId) : undefined), 15_000);
    expect(notice.body).toMatchObject({ type: 'creditflow.alert.credits-expiring-soon', data: { accountId, lotType: 'reward', amount: '5', expiresAt } });
    await sleep(1_000); // the sweep goes on: the lot is noticed once
    expect(receiver.of(accountId)).toHaveLength(1);
  });

  it('takes a webhook an admin sets over HTTP, keeps it across a restart, and stops when it is removed', async () => {
    const second = new Receiver('a plain secret of 24 chars');
    await second.start();
    try {
      const path = '/v1/webhooks/api-hook';
      const body = { url: second.url, alerts: ['low-balance'], secret: second.secret };
      expect((await apinfer.call('ops', 'PUT', path, body)).status).toBe(403);
      expect((await apinfer.call('admin', 'PUT', path, { ...body, alerts: ['balance-high'] })).status).toBe(400);
      expect((await apinfer.call('admin', 'PUT', path, { ...body, secret: 'short' })).status).toBe(400);
      expect((await apinfer.call('admin', 'PUT', '/v1/webhooks/ops-alerts', body)).status).toBe(409);
      const set = await apinfer.ok(apinfer.call('admin', 'PUT', path, body));
      expect(set).toEqual({ id: 'api-hook', url: second.url, alerts: ['low-balance'], source: 'api', secretHint: '…hars' });
      expect(JSON.stringify(await apinfer.ok(apinfer.call('ops', 'GET', '/v1/webhooks')))).not.toContain(second.secret);

      const { accountId } = await drained();
      await waitFor('the low-balance alert at the HTTP-set webhook', () => (second.of(accountId).length ? true : undefined), 15_000);
      await platform().restart();
      const after = await drained();
      await waitFor('after the restart too', () => (second.of(after.accountId).length ? true : undefined), 15_000);
      await sleep(500);
      expect(second.received.map((r) => r.body.type)).toEqual(['creditflow.alert.low-balance', 'creditflow.alert.low-balance']);
      expect(second.badSignatures).toEqual([]);

      expect((await apinfer.call('admin', 'DELETE', path)).status).toBe(204);
      expect((await apinfer.call('admin', 'DELETE', path)).status).toBe(404);
      const gone = await drained();
      await waitFor('the file webhook still gets alerts', () => (receiver.of(gone.accountId).length >= 2 ? true : undefined), 15_000);
      await sleep(500);
      expect(second.of(gone.accountId)).toEqual([]);
    } finally {
      await second.stop();
    }
  });

  it("refuses to start when a webhook's secret variable is not set", async () => {
    await expect(startEmbeddedPlatform({ tenantsDir: tenantsDir() })).rejects.toThrow(/CREDITFLOW_WEBHOOK_SECRET_APINFER is not set: apinfer's webhook "ops-alerts" signs with it/);
  });

  it('shows the webhooks without their secret, and no other tenant sees them', async () => {
    const listed = await apinfer.ok(apinfer.call('ops', 'GET', '/v1/webhooks'));
    expect(listed).toEqual([{ id: 'ops-alerts', url: receiver.url, alerts: ALERTS, source: 'file', secretEnv: 'CREDITFLOW_WEBHOOK_SECRET_APINFER', secretHint: `…${SECRET.slice(-4)}` }]);
    expect(JSON.stringify(listed)).not.toContain(SECRET);
    const visual = tenantClient(platform, 'visualgpt');
    expect(await visual.ok(visual.call('ops', 'GET', '/v1/webhooks/deliveries'))).toEqual([]);
  });
});

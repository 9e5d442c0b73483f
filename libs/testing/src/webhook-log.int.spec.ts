// The webhook delivery log keeps in memory every pending delivery and each tenant's newest finished
// ones (CREDITFLOW_WEBHOOK_LOG_KEPT, 2 here); an older delivery leaves the list but is still answered
// by id from its stream, and replayed, also after a restart that reads the log again.
import { waitFor } from '@creditflow/kernel/testing';
import { tenantClient, uniqueId } from './tenant-client';
import { webhookPlatforms } from './webhook-platforms';

jest.setTimeout(60_000);

describe('the webhook delivery log, bounded', () => {
  const { receiver, platforms } = webhookPlatforms({ env: { CREDITFLOW_WEBHOOK_PRIVATE_TARGETS: 'true', CREDITFLOW_WEBHOOK_LOG_KEPT: '2' } });
  const apinfer = tenantClient(() => platforms[0], 'apinfer');
  const deliveries = async () => apinfer.ok(apinfer.call('ops', 'GET', '/v1/webhooks/deliveries?limit=1000'));

  /** Two alerts (low balance, automatic top-up requested) for a new account, delivered. */
  const twoAlerts = async () => {
    const accountId = await apinfer.openAccount();
    await apinfer.ok(apinfer.call('admin', 'POST', '/v1/purchases', { purchaseId: uniqueId('pur'), accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' }));
    await apinfer.charge(accountId, { feature: 'qwen-image', quantity: 52 });
    await waitFor('both delivered', () => (receiver.of(accountId).length === 2 ? true : undefined), 15_000);
    return accountId;
  };

  it('lists at most twice the kept number, yet answers and replays an older delivery by id, also after a restart', async () => {
    const first = await twoAlerts();
    const oldest = await waitFor('the first deliveries logged as delivered', async () => {
      const rows = (await deliveries()).filter((d: any) => d.accountId === first && d.status === 'delivered');
      return rows.length === 2 ? rows[0] : undefined;
    });
    for (let i = 0; i < 3; i++) await twoAlerts();
    // 8 deliveries, all finished: pruned to the newest 2 at the 5th, then 3 more came in.
    const listed = await waitFor('every delivery finished', async () => {
      const rows = await deliveries();
      return rows.every((d: any) => d.status === 'delivered') ? rows : undefined;
    });
    expect(listed.length).toBeLessThanOrEqual(4);
    expect(listed.map((d: any) => d.deliveryId)).not.toContain(oldest.deliveryId);

    const byId = async () => apinfer.ok(apinfer.call('ops', 'GET', `/v1/webhooks/deliveries/${oldest.deliveryId}`));
    expect(await byId()).toMatchObject({ deliveryId: oldest.deliveryId, status: 'delivered', attempts: [expect.objectContaining({ outcome: 'delivered' })] });
    await apinfer.ok(apinfer.call('admin', 'POST', `/v1/webhooks/deliveries/${oldest.deliveryId}/replays`, { replayId: 'again' }), 202);
    await waitFor('the replay delivered', () => (receiver.received.filter((r) => r.id === oldest.alertId).length === 2 ? true : undefined), 15_000);
    await waitFor('the replay logged', async () => ((await byId()).attempts.length === 2 ? true : undefined));

    await platforms[0].restart();
    expect(await byId()).toMatchObject({ status: 'delivered', replays: ['again'], attempts: [expect.anything(), expect.anything()] });
    // Read again from the store at the start and pruned on the way (the replayed one came back with its replay).
    expect((await deliveries()).length).toBeLessThan(8);
    expect(receiver.received.filter((r) => r.id === oldest.alertId)).toHaveLength(2); // nothing sent again by the restart
  });
});

// Two wallet replicas on one store both see every pending webhook delivery and both try to send it:
// each attempt is claimed in the delivery's stream at the revision the sender read, so one replica
// sends it and the other backs off. A receiver sees each alert once, and both replicas' logs agree.
import { sleep } from '@creditflow/kernel';
import { waitFor } from '@creditflow/kernel/testing';
import { tenantClient, uniqueId } from './tenant-client';
import { webhookPlatforms } from './webhook-platforms';

jest.setTimeout(60_000);

describe('alert webhooks from two replicas on one store', () => {
  const { receiver, platforms } = webhookPlatforms({ replicas: 2, env: { CREDITFLOW_WEBHOOK_PRIVATE_TARGETS: 'true' } });
  const clients = [tenantClient(() => platforms[0], 'apinfer'), tenantClient(() => platforms[1], 'apinfer')];

  it('sends each alert once although both replicas race for every attempt, a retried one included', async () => {
    const accounts: string[] = [];
    for (let i = 0; i < 6; i++) {
      const client = clients[i % 2]; // alerts raised on both replicas
      const accountId = await client.openAccount();
      if (i === 0) receiver.failFirstFor.add(accountId); // its first attempts answer 500: the retries are raced for too
      await client.ok(client.call('admin', 'POST', '/v1/purchases', { purchaseId: uniqueId('pur'), accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' }));
      await client.charge(accountId, { feature: 'qwen-image', quantity: 52 }); // low balance and an automatic top-up request
      accounts.push(accountId);
    }
    await waitFor(() => `12 alerts delivered: ${JSON.stringify(accounts.map((a) => receiver.of(a).map((r) => r.status)))}`, () => (accounts.every((a) => receiver.of(a).filter((r) => r.status === 200).length === 2) ? true : undefined), 20_000);
    await sleep(1_000); // a doubled attempt would arrive meanwhile

    const delivered = receiver.received.filter((r) => accounts.includes(r.body.subject) && r.status === 200);
    expect(delivered).toHaveLength(12);
    expect(new Set(delivered.map((r) => r.id)).size).toBe(12);
    // The failing account: one 500 and one 200 per alert, never two requests for one attempt.
    expect(receiver.of(accounts[0]).map((r) => r.status).sort()).toEqual([200, 200, 500, 500]);
    expect(receiver.badSignatures).toEqual([]);

    const logs = await Promise.all(clients.map((c) => waitFor('both logs final', async () => {
      const rows = (await c.ok(c.call('ops', 'GET', '/v1/webhooks/deliveries?limit=1000'))).filter((d: any) => accounts.includes(d.accountId));
      return rows.length === 12 && rows.every((d: any) => d.status === 'delivered') ? rows : undefined;
    })));
    const attempts = (rows: any[]) => Object.fromEntries(rows.map((d) => [d.deliveryId, d.attempts.map((a: any) => a.outcome)]));
    expect(attempts(logs[0])).toEqual(attempts(logs[1]));
    for (const [deliveryId, outcomes] of Object.entries(attempts(logs[0]))) {
      expect({ deliveryId, outcomes }).toEqual({ deliveryId, outcomes: logs[0].find((d: any) => d.deliveryId === deliveryId).accountId === accounts[0] ? ['failed', 'delivered'] : ['delivered'] });
    }
  });
});

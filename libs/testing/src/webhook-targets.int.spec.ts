// Alert webhooks only reach public addresses by default (server-side request forgery): the admin API
// refuses a URL that names this machine, a private or link-local address, or carries credentials, and
// the outbox sends nothing to a receiver on a private address, even one a tenant file names, logging
// why. CREDITFLOW_WEBHOOK_PRIVATE_TARGETS=true (webhooks.int.spec.ts) lets them through.
import { sleep } from '@creditflow/kernel';
import { waitFor } from '@creditflow/kernel/testing';
import { tenantClient, uniqueId } from './tenant-client';
import { webhookPlatforms } from './webhook-platforms';
import { WEBHOOK_SECRET } from './webhook-receiver';

jest.setTimeout(60_000);

describe('alert webhooks reach public addresses only (default)', () => {
  const { receiver, platforms } = webhookPlatforms(); // the tenant file names a receiver on 127.0.0.1
  const apinfer = tenantClient(() => platforms[0], 'apinfer');

  it('refuses to set a webhook on this machine, a private or link-local address, or with credentials in its URL', async () => {
    const put = (url: string) => apinfer.call('admin', 'PUT', '/v1/webhooks/api-hook', { url, alerts: ['low-balance'], secret: WEBHOOK_SECRET });
    for (const url of [
      receiver.url, 'http://localhost:8080/hook', 'http://10.1.2.3/hook', 'http://169.254.169.254/latest/meta-data', 'http://[::1]:9000/',
      'http://[::ffff:192.168.0.1]/', 'http://100.64.0.1/', 'https://user:secret@hooks.example.com/',
    ]) {
      const answer = await put(url);
      expect({ url, status: answer.status, error: answer.body.error }).toEqual({ url, status: 422, error: 'target_refused' });
      expect(answer.body.message).toContain('CREDITFLOW_WEBHOOK_PRIVATE_TARGETS');
    }
    expect(await apinfer.ok(apinfer.call('admin', 'GET', '/v1/webhooks'))).toEqual([expect.objectContaining({ id: 'ops-alerts', source: 'file' })]);
    // A public name is taken as it is: it is resolved, and checked again, at every delivery.
    expect((await put('https://hooks.example.com/creditflow')).status).toBe(200);
  });

  it("sends nothing to the tenant file's receiver on 127.0.0.1, and logs why", async () => {
    const accountId = await apinfer.openAccount();
    await apinfer.ok(apinfer.call('admin', 'POST', '/v1/purchases', { purchaseId: uniqueId('pur'), accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' }));
    await apinfer.charge(accountId, { feature: 'qwen-image', quantity: 52 }); // 9 left: a low-balance alert
    const attempts = await waitFor('a refused attempt in the delivery log', async () => {
      const rows = (await apinfer.ok(apinfer.call('ops', 'GET', '/v1/webhooks/deliveries'))).filter((d: any) => d.accountId === accountId && d.webhookId === 'ops-alerts');
      return rows.length && rows.every((d: any) => d.attempts.length > 0) ? rows.flatMap((d: any) => d.attempts) : undefined;
    }, 15_000);
    for (const attempt of attempts) {
      expect(attempt).toMatchObject({ outcome: 'failed', responseCode: null, error: expect.stringMatching(/^not sent: 127\.0\.0\.1 is not a public address/) });
    }
    await sleep(500);
    expect(receiver.of(accountId)).toEqual([]);
  });
});

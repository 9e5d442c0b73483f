// Alert webhooks in distributed mode: the wallet service (it owns the alerts' events) delivers them
// from its own store, the refund service's decisions reach it over a real Kafka broker. A real
// receiver verifies every delivery; each alert arrives once, with the same id and body as on
// creditflow.alerts.v1; after a restart of the wallet nothing old comes again and a new alert does.
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOPICS } from '@creditflow/contracts';
import { sleep } from '@creditflow/kernel';
import { waitFor } from '@creditflow/kernel/testing';
import { E2E_WAIT_MS, callService, distributedFor } from './distributed-services';
import { Receiver, WEBHOOK_SECRET, tenantsWithWebhooks } from './webhook-receiver';

const run = randomUUID().slice(0, 8);
const key = `admin-apinfer-hooks-${run}`;
const receiver = new Receiver();
// The services' environment is fixed when the suite is declared, before the receiver has a port: the
// tenant file names a placeholder, replaced by the receiver's URL before the services start (this
// file-level hook runs before the describe block's).
const PLACEHOLDER = 'http://127.0.0.1:9/receiver-not-started';
const tenantsDir = tenantsWithWebhooks(PLACEHOLDER);

beforeAll(async () => {
  await receiver.start();
  const file = join(tenantsDir, 'apinfer.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(PLACEHOLDER, receiver.url));
});
afterAll(async () => {
  await receiver.stop();
  rmSync(tenantsDir, { recursive: true, force: true });
});

describe('alert webhooks over a real Kafka broker', () => {
  const { services, seen, restart } = distributedFor({
    name: `e2e-webhooks-${run}`,
    services: ['wallet', 'refund'],
    keys: { [key]: { tenant: 'apinfer', role: 'admin' } },
    topics: [TOPICS.alerts],
    env: { CREDITFLOW_TENANTS_DIR: tenantsDir, CREDITFLOW_WEBHOOK_SECRET_APINFER: WEBHOOK_SECRET, CREDITFLOW_WEBHOOK_RETRY_MS: '300', CREDITFLOW_WEBHOOK_PRIVATE_TARGETS: 'true' },
  });
  const http = (service: 'wallet' | 'refund', method: string, path: string, body?: unknown) => callService(services[service]!, key, method, path, body);

  /** An account with the basic package drawn down to 9 credits: below the low-balance and auto top-up thresholds. */
  async function drained(accountId: string, purchaseId: string) {
    expect((await http('wallet', 'PUT', `/v1/accounts/${accountId}`, { type: 'personal' })).status).toBe(200);
    expect((await http('wallet', 'POST', '/v1/purchases', { purchaseId, accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' })).status).toBe(200);
    const usageId = `u-${accountId}`;
    expect((await http('wallet', 'POST', '/v1/usage/authorize', { usageId, accountId, feature: 'qwen-image', quantity: 52 })).status).toBe(200);
    expect((await http('wallet', 'POST', `/v1/usage/${usageId}/complete`)).status).toBe(200);
  }

  it('delivers each alert once, signed, with the id and body creditflow.alerts.v1 carries, also across a wallet restart', async () => {
    const accountId = `acc-hooks-${run}`;
    const purchaseId = `p-hooks-${run}`;
    await drained(accountId, purchaseId);
    // The refund service decides on the wallet events it has processed: wait until it has them all.
    const { transactions } = (await http('wallet', 'GET', `/v1/accounts/${accountId}/transactions`)).body;
    const head = transactions[transactions.length - 1].revision;
    await waitFor('the refund service to catch up with the wallet', async () => {
      const r = await http('refund', 'GET', `/v1/accounts/${accountId}/purchases`);
      return r.status === 200 && r.body.walletRevision === head ? true : undefined;
    }, E2E_WAIT_MS);
    const refund = await http('refund', 'POST', '/v1/refunds', { refundId: `r-hooks-${run}`, accountId, purchaseId, reason: 'unused_credits' });
    expect(refund.body).toMatchObject({ status: 'approved', creditsClawedBack: '9' });

    await waitFor('three alerts delivered', () => (receiver.of(accountId).length >= 3 ? true : undefined), E2E_WAIT_MS);
    const onKafka = await waitFor('the same three alerts on creditflow.alerts.v1', () => {
      const alerts = seen.filter((s) => s.topic === TOPICS.alerts && s.event?.subject === accountId);
      return alerts.length >= 3 ? alerts : undefined;
    }, E2E_WAIT_MS);
    await sleep(1_000);
    const delivered = receiver.of(accountId);
    expect(delivered.map((r) => r.body.type).sort()).toEqual(['creditflow.alert.auto-top-up-requested', 'creditflow.alert.low-balance', 'creditflow.alert.refund-decided']);
    expect(receiver.badSignatures).toEqual([]);
    for (const r of delivered) {
      const published = onKafka.find((s) => s.event!.id === r.id);
      expect(published).toBeDefined();
      expect(r.body).toEqual(published!.event);
    }

    const before = receiver.received.length;
    await restart('wallet');
    await sleep(1_500);
    expect(receiver.received.length).toBe(before);
    const next = `acc-hooks-2-${run}`;
    await drained(next, `p-hooks-2-${run}`);
    await waitFor('the new alerts delivered', () => (receiver.of(next).length >= 2 ? true : undefined), E2E_WAIT_MS);
    await sleep(1_000);
    expect(receiver.received.length).toBe(before + 2);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(receiver.received.length);
  });
});

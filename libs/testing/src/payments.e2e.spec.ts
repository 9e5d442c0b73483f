// Payment-side messages for the wallet over a real Kafka broker (issue 10 defect 9, issue 13 rules 1
// and 4): a purchase paid another price than its package's without a reason is dead-lettered with
// it, one that says why is granted with its reason; an account's automatic top-up options arrive as
// creditflow.payment.auto-top-up-configured. The scheduler consumes the same topic and leaves them alone.
// Each stored event names its principal: the key, or the Kafka message by topic, partition and offset.
import { createHash, randomUUID } from 'node:crypto';
import { PAYMENT_TYPES, TOPICS, cloudEvent, dlqTopic, messageKey } from '@creditflow/contracts';
import { waitFor } from '@creditflow/kernel/testing';
import { E2E_WAIT_MS, callService, distributedFor } from './distributed-services';

const run = randomUUID().slice(0, 8);
const key = `admin-apinfer-pay-${run}`;

describe('payment-side messages for the wallet over a real Kafka broker', () => {
  const { services, seen, send } = distributedFor({
    name: `e2e-payments-${run}`,
    services: ['wallet', 'subscription-scheduler'],
    keys: { [key]: { tenant: 'apinfer', role: 'admin' } },
    topics: [dlqTopic(TOPICS.payments), TOPICS.alerts],
  });
  const http = (method: string, path: string, body?: unknown) => callService(services.wallet!, key, method, path, body);
  const payment = (accountId: string, type: string, data: Record<string, unknown>) => ({
    key: messageKey('apinfer', accountId),
    value: cloudEvent({ id: `pay-${randomUUID()}`, source: 'e2e-payments', type, subject: accountId, tenantid: 'apinfer', time: new Date().toISOString(), data }),
  });
  const deadLetterOf = (id: string) =>
    waitFor(`the dead letter of ${id}`, () => seen.find((s) => s.topic === dlqTopic(TOPICS.payments) && JSON.parse(s.event?.data.value ?? '{}').id === id)?.event ?? undefined, E2E_WAIT_MS);

  it('dead-letters a purchase paid 999999999999999 for the CNY 10 package, and grants one with its discount code', async () => {
    const accountId = `acc-price-${run}`;
    expect((await http('PUT', `/v1/accounts/${accountId}`, { type: 'personal' })).status).toBe(200);
    const base = { accountId, packageId: 'basic', currency: 'CNY' };
    const wrong = payment(accountId, PAYMENT_TYPES.purchase, { ...base, purchaseId: `p-wrong-${run}`, amountPaid: '999999999999999' });
    const right = payment(accountId, PAYMENT_TYPES.purchase, { ...base, purchaseId: `p-right-${run}`, amountPaid: '8.00', discountCode: 'SPRING20' });
    await send(TOPICS.payments, [wrong, right]);

    const dead = await deadLetterOf(wrong.value.id);
    expect(dead.data.reason).toMatch(/^WALLET\.PRICE_MISMATCH: package "basic" costs CNY 10\.00, not CNY 999999999999999\.00/);
    const balance = await waitFor('the discounted purchase', async () => {
      const b = (await http('GET', `/v1/accounts/${accountId}/balance`)).body;
      return b.available === '100' ? b : undefined;
    }, E2E_WAIT_MS);
    expect(balance.lots).toEqual([expect.objectContaining({ lotId: `purchase:p-right-${run}`, costBasis: expect.objectContaining({ paidMinor: '800', listPriceMinor: '1000', discountCode: 'SPRING20' }) })]);

    // Who did what: the key that opened the account (its id, never the key), the Kafka message that paid.
    const { transactions } = (await http('GET', `/v1/accounts/${accountId}/transactions`)).body;
    expect(transactions.map((t: { type: string; principal: unknown }) => [t.type, t.principal])).toEqual([
      ['AccountOpened', { kind: 'api-key', keyId: createHash('sha256').update(key).digest('hex').slice(0, 12), tenant: 'apinfer', role: 'admin' }],
      ['CreditsGranted', {
        kind: 'message', topic: TOPICS.payments, partition: expect.any(Number), offset: expect.stringMatching(/^\d+$/),
        messageId: right.value.id, source: 'e2e-payments', type: PAYMENT_TYPES.purchase,
      }],
    ]);
  });

  it('sets an account’s automatic top-up from the payment side; the next crossing asks for its package', async () => {
    const accountId = `acc-topup-${run}`;
    expect((await http('PUT', `/v1/accounts/${accountId}`, { type: 'personal' })).status).toBe(200);
    expect((await http('POST', '/v1/purchases', { purchaseId: `p-topup-${run}`, accountId, packageId: 'basic', amountPaid: '10.00', currency: 'CNY' })).status).toBe(200);
    const bad = payment(accountId, PAYMENT_TYPES.autoTopUpConfigured, { accountId, enabled: true, packageId: 'platinum' });
    const good = payment(accountId, PAYMENT_TYPES.autoTopUpConfigured, { accountId, enabled: true, threshold: '95', packageId: 'standard' });
    await send(TOPICS.payments, [bad, good]);

    expect((await deadLetterOf(bad.value.id)).data.reason).toMatch(/^WALLET\.UNKNOWN_PACKAGE/);
    const settings = await waitFor('the settings', async () => {
      const r = await http('GET', `/v1/accounts/${accountId}/auto-top-up`);
      return r.body.packageId === 'standard' ? r.body : undefined;
    }, E2E_WAIT_MS);
    expect(settings).toEqual({ accountId, enabled: true, threshold: '95', packageId: 'standard', source: 'account' });
    expect(seen.filter((s) => s.topic === dlqTopic(TOPICS.payments) && JSON.parse(s.event?.data.value ?? '{}').id === good.value.id)).toEqual([]);

    const usageId = `u-topup-${run}`;
    expect((await http('POST', '/v1/usage/authorize', { usageId, accountId, feature: 'qwen-image', quantity: 4 })).status).toBe(200); // 7: 93 left
    const request = await waitFor('the top-up request on creditflow.alerts.v1', () =>
      seen.find((s) => s.topic === TOPICS.alerts && s.event?.type === 'creditflow.alert.auto-top-up-requested' && s.event.data.accountId === accountId)?.event ?? undefined,
      E2E_WAIT_MS,
    );
    expect(request.data).toMatchObject({ packageId: 'standard', threshold: '95', available: '93' });
  });
});

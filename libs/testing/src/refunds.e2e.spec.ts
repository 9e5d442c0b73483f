// Refunds in distributed mode: the wallet and the refund service as separate applications with their
// own stores, over a real Kafka broker (KAFKA_BROKERS). The refund service learns purchases and usage
// from creditflow.wallet-events.v1; its decisions travel on creditflow.refunds.v1 to the wallet, whose
// claw-back travels back and settles the refund.
import { randomUUID } from 'node:crypto';
import { REFUND_TYPES, TOPICS, cloudEvent, messageKey } from '@creditflow/contracts';
import { waitFor } from '@creditflow/kernel/testing';
import { E2E_WAIT_MS, callService, distributedFor } from './distributed-services';

const run = randomUUID().slice(0, 8);
const key = `admin-apinfer-${run}`;

describe('refunds over a real Kafka broker', () => {
  const { services, seen, send } = distributedFor({
    name: `e2e-refunds-${run}`,
    services: ['wallet', 'refund'],
    keys: { [key]: { tenant: 'apinfer', role: 'admin' } },
    topics: [TOPICS.refunds],
  });

  const http = (service: 'wallet' | 'refund', method: string, path: string, body?: unknown) => callService(services[service]!, key, method, path, body);
  /** The event of `type` about `refundId` on creditflow.refunds.v1, once the observer has it. */
  const refundEvent = (what: string, type: string, refundId: string) =>
    waitFor(what, () => seen.find((s) => s.event?.type === type && s.event.data.refundId === refundId)?.event ?? undefined, E2E_WAIT_MS);

  const available = async (accountId: string) => (await http('wallet', 'GET', `/v1/accounts/${accountId}/balance`)).body.available as string;

  /** An apinfer account with the basic package (100 credits, CNY 10) and one 1.75-credit image, known to the refund service. */
  async function accountWithUsedPurchase(accountId: string, purchaseId: string) {
    expect((await http('wallet', 'PUT', `/v1/accounts/${accountId}`, { type: 'personal' })).status).toBe(200);
    expect((await http('wallet', 'POST', '/v1/purchases', { purchaseId, accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' })).status).toBe(200);
    const usageId = `u-${accountId}`;
    expect((await http('wallet', 'POST', '/v1/usage/authorize', { usageId, accountId, feature: 'qwen-image' })).status).toBe(200);
    expect((await http('wallet', 'POST', `/v1/usage/${usageId}/complete`)).status).toBe(200);
    // The refund service decides on the wallet events it has processed: wait until it has them all.
    const { transactions } = (await http('wallet', 'GET', `/v1/accounts/${accountId}/transactions`)).body;
    const head = transactions[transactions.length - 1].revision;
    await waitFor('the refund service to catch up with the wallet', async () => {
      const r = await http('refund', 'GET', `/v1/accounts/${accountId}/purchases`);
      return r.status === 200 && r.body.walletRevision === head ? true : undefined;
    }, E2E_WAIT_MS);
  }

  it('carries an approved refund refund -> wallet; the balance follows and the claw-back settles the refund', async () => {
    const accountId = `acc-refund-http-${run}`;
    const purchaseId = `p-http-${run}`;
    await accountWithUsedPurchase(accountId, purchaseId);
    expect(await available(accountId)).toBe('98.25');

    const refundId = `r-http-${run}`;
    const decision = await http('refund', 'POST', '/v1/refunds', { refundId, accountId, purchaseId, reason: 'unused_credits' });
    expect(decision).toMatchObject({
      status: 200,
      body: { refundId, status: 'approved', money: { amount: '9.82', currency: 'CNY' }, creditsClawedBack: '98.25', settlement: 'pending' },
    });

    const decided = await refundEvent('the decision on creditflow.refunds.v1', REFUND_TYPES.decided, refundId);
    expect(decided).toMatchObject({ subject: accountId, tenantid: 'apinfer', data: { creditsClawedBack: { lotId: `purchase:${purchaseId}`, amount: '98.25' } } });
    await waitFor('the claw-back in the wallet', async () => ((await available(accountId)) === '0' ? true : undefined), E2E_WAIT_MS);

    const settled = await refundEvent('the settlement on creditflow.refunds.v1', REFUND_TYPES.settled, refundId);
    expect(settled.data).toMatchObject({ settlement: 'settled', money: { amount: '9.82', currency: 'CNY' } });
    expect((await http('refund', 'GET', `/v1/refunds/${refundId}`)).body).toMatchObject({ settlement: 'settled' });

    // Asked again: the first decision, nothing paid twice.
    const again = await http('refund', 'POST', '/v1/refunds', { refundId, accountId, purchaseId, reason: 'unused_credits' });
    expect(again.body).toEqual({ ...decision.body, settlement: 'settled' });
    const { transactions } = (await http('wallet', 'GET', `/v1/accounts/${accountId}/transactions`)).body;
    expect(transactions.filter((t: { type: string }) => t.type === 'CreditsClawedBack')).toHaveLength(1);
  });

  it('decides a creditflow.refund.requested message from Kafka and the wallet applies it', async () => {
    const accountId = `acc-refund-bus-${run}`;
    const purchaseId = `p-bus-${run}`;
    await accountWithUsedPurchase(accountId, purchaseId);
    const refundId = `r-bus-${run}`;
    await send(TOPICS.refunds, [{
      key: messageKey('apinfer', accountId),
      value: cloudEvent({
        id: randomUUID(), source: 'e2e-payment-side', type: REFUND_TYPES.requested, subject: accountId, tenantid: 'apinfer', time: new Date().toISOString(),
        data: { refundId, accountId, purchaseId, reason: 'unused_credits' },
      }),
    }]);
    const decided = await refundEvent('the decision', REFUND_TYPES.decided, refundId);
    expect(decided.data).toMatchObject({ status: 'approved', money: { amount: '9.82', currency: 'CNY' } });
    await waitFor('the claw-back in the wallet', async () => ((await available(accountId)) === '0' ? true : undefined), E2E_WAIT_MS);
    await refundEvent('the settlement', REFUND_TYPES.settled, refundId);
  });
});

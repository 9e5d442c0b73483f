// Refunds in distributed mode: the wallet and the refund service as separate applications with their
// own stores, over a real Kafka broker (KAFKA_BROKERS). The refund service learns purchases and usage
// from creditflow.wallet-events.v1; its decisions travel on creditflow.refunds.v1 to the wallet, whose
// claw-back travels back and settles the refund.
import { Consumer, Kafka, Producer, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { CloudEvent, REFUND_TYPES, TOPICS, cloudEvent, messageKey } from '@creditflow/contracts';
import { waitFor } from '@creditflow/kernel/testing';
import { E2E_WAIT_MS, RunningService, startService, tempDataRoot } from './distributed-services';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
const run = randomUUID().slice(0, 8);
const key = `admin-apinfer-${run}`;
const env = {
  KAFKA_BROKERS: brokers.join(','), CREDITFLOW_API_KEYS: JSON.stringify({ [key]: { tenant: 'apinfer', role: 'admin' } }),
  CREDITFLOW_CLOCK: 'system', CREDITFLOW_GROUP_PREFIX: `e2e-refunds-${run}`,
};

describe('refunds over a real Kafka broker', () => {
  const dataRoot = tempDataRoot();
  let wallet: RunningService;
  let refund: RunningService;
  let producer: Producer;
  let observer: Consumer;
  const seen: CloudEvent<Record<string, unknown>>[] = [];

  beforeAll(async () => {
    wallet = await startService('wallet', env, dataRoot);
    refund = await startService('refund', env, dataRoot);
    const kafka = new Kafka({ clientId: `e2e-refunds-${run}`, brokers, logLevel: logLevel.NOTHING });
    producer = kafka.producer();
    await producer.connect();
    observer = kafka.consumer({ groupId: `e2e-refunds-observer-${run}`, maxWaitTimeInMs: 50 });
    await observer.connect();
    await observer.subscribe({ topic: TOPICS.refunds, fromBeginning: true });
    await observer.run({
      eachMessage: async ({ message }) => {
        try {
          seen.push(JSON.parse(message.value?.toString() ?? ''));
        } catch {
          /* not ours */
        }
      },
    });
  }, 120_000);

  afterAll(async () => {
    await observer?.disconnect();
    await producer?.disconnect();
    await refund?.stop();
    await wallet?.stop();
  }, 60_000);

  const http = async (service: RunningService, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${service.url}${path}`, {
      method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };


  const available = async (accountId: string) => (await http(wallet, 'GET', `/v1/accounts/${accountId}/balance`)).body.available as string;

  /** An apinfer account with the basic package (100 credits, CNY 10) and one 1.75-credit image, known to the refund service. */
  async function accountWithUsedPurchase(accountId: string, purchaseId: string) {
    expect((await http(wallet, 'PUT', `/v1/accounts/${accountId}`, { type: 'personal' })).status).toBe(200);
    expect((await http(wallet, 'POST', '/v1/purchases', { purchaseId, accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' })).status).toBe(200);
    const usageId = `u-${accountId}`;
    expect((await http(wallet, 'POST', '/v1/usage/authorize', { usageId, accountId, feature: 'qwen-image' })).status).toBe(200);
    expect((await http(wallet, 'POST', `/v1/usage/${usageId}/complete`)).status).toBe(200);
    // The refund service decides on the wallet events it has processed: wait until it has them all.
    const { transactions } = (await http(wallet, 'GET', `/v1/accounts/${accountId}/transactions`)).body;
    const head = transactions[transactions.length - 1].revision;
    await waitFor('the refund service to catch up with the wallet', async () => {
      const r = await http(refund, 'GET', `/v1/accounts/${accountId}/purchases`);
      return r.status === 200 && r.body.walletRevision === head ? true : undefined;
    }, E2E_WAIT_MS);
  }

  it('carries an approved refund refund -> wallet; the balance follows and the claw-back settles the refund', async () => {
    const accountId = `acc-refund-http-${run}`;
    const purchaseId = `p-http-${run}`;
    await accountWithUsedPurchase(accountId, purchaseId);
    expect(await available(accountId)).toBe('98.25');

    const refundId = `r-http-${run}`;
    const decision = await http(refund, 'POST', '/v1/refunds', { refundId, accountId, purchaseId, reason: 'unused_credits' });
    expect(decision).toMatchObject({
      status: 200,
      body: { refundId, status: 'approved', money: { amount: '9.82', currency: 'CNY' }, creditsClawedBack: '98.25', settlement: 'pending' },
    });

    const decided = await waitFor('the decision on creditflow.refunds.v1', () => seen.find((e) => e.type === REFUND_TYPES.decided && e.data.refundId === refundId), E2E_WAIT_MS);
    expect(decided).toMatchObject({ subject: accountId, tenantid: 'apinfer', data: { creditsClawedBack: { lotId: `purchase:${purchaseId}`, amount: '98.25' } } });
    await waitFor('the claw-back in the wallet', async () => ((await available(accountId)) === '0' ? true : undefined), E2E_WAIT_MS);

    const settled = await waitFor('the settlement on creditflow.refunds.v1', () => seen.find((e) => e.type === REFUND_TYPES.settled && e.data.refundId === refundId), E2E_WAIT_MS);
    expect(settled.data).toMatchObject({ settlement: 'settled', money: { amount: '9.82', currency: 'CNY' } });
    expect((await http(refund, 'GET', `/v1/refunds/${refundId}`)).body).toMatchObject({ settlement: 'settled' });

    // Asked again: the first decision, nothing paid twice.
    const again = await http(refund, 'POST', '/v1/refunds', { refundId, accountId, purchaseId, reason: 'unused_credits' });
    expect(again.body).toEqual({ ...decision.body, settlement: 'settled' });
    const { transactions } = (await http(wallet, 'GET', `/v1/accounts/${accountId}/transactions`)).body;
    expect(transactions.filter((t: { type: string }) => t.type === 'CreditsClawedBack')).toHaveLength(1);
  });

  it('decides a creditflow.refund.requested message from Kafka and the wallet applies it', async () => {
    const accountId = `acc-refund-bus-${run}`;
    const purchaseId = `p-bus-${run}`;
    await accountWithUsedPurchase(accountId, purchaseId);
    const refundId = `r-bus-${run}`;
    await producer.send({
      topic: TOPICS.refunds,
      messages: [{
        key: messageKey('apinfer', accountId),
        value: JSON.stringify(cloudEvent({
          id: randomUUID(), source: 'e2e-payment-side', type: REFUND_TYPES.requested, subject: accountId, tenantid: 'apinfer', time: new Date().toISOString(),
          data: { refundId, accountId, purchaseId, reason: 'unused_credits' },
        })),
      }],
    });
    const decided = await waitFor('the decision', () => seen.find((e) => e.type === REFUND_TYPES.decided && e.data.refundId === refundId), E2E_WAIT_MS);
    expect(decided.data).toMatchObject({ status: 'approved', money: { amount: '9.82', currency: 'CNY' } });
    await waitFor('the claw-back in the wallet', async () => ((await available(accountId)) === '0' ? true : undefined), E2E_WAIT_MS);
    await waitFor('the settlement', () => seen.find((e) => e.type === REFUND_TYPES.settled && e.data.refundId === refundId), E2E_WAIT_MS);
  });
});

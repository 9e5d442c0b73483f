// The refund service's bus edge against a real embedded runtime (SQLite store and bus): given wallet
// events, when a request or the wallet's answer to a claw-back arrives, then these records and messages.
// Wallet events are handed to the consumer directly, so the read model's state is exactly what a test gives.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudEvent, REFUND_TYPES, TOPICS, WalletEventData, cloudEvent, messageKey } from '@creditflow/contracts';
import { waitFor } from '@creditflow/kernel/testing';
import { ConsumedMessage, DeliveredEvent } from '@creditflow/messaging';
import { Test, TestingModule } from '@nestjs/testing';
import { CoreModule, Runtime, createRuntime } from '@creditflow/shell';
import { RefundService } from './refund.service';
import { RefundConsumer } from './refund.consumer';
import { RefundModule } from './refund.module';

const TENANT = 'apinfer';
const T0 = new Date('2031-03-01T00:00:00Z');
const iso = (ms = 0) => new Date(T0.getTime() + ms).toISOString();

let dir: string;
let runtime: Runtime;
let app: RefundService;
let consumer: RefundConsumer;
let testing: TestingModule;
let offset = 0;
const published: CloudEvent<Record<string, unknown>>[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'creditflow-refund-'));
  runtime = await createRuntime('embedded', undefined, { CREDITFLOW_DATA_DIR: dir, CREDITFLOW_CLOCK: 'manual' });
  (runtime.clock as { set(d: Date): void }).set(new Date(T0.getTime() + 3_600_000));
  testing = await Test.createTestingModule({ imports: [CoreModule.forRoot(runtime), RefundModule] }).compile();
  app = testing.get(RefundService);
  consumer = testing.get(RefundConsumer);
  await testing.init();
  published.length = 0;
  await runtime.bus.consume({
    groupId: 'observer', topics: [TOPICS.refunds],
    handle: async (batch) => {
      for (const m of batch) published.push(JSON.parse(m.value));
    },
  });
});

afterEach(async () => {
  await testing.close();
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

function delivered(topic: string, event: CloudEvent<unknown>): DeliveredEvent {
  const message: ConsumedMessage = { topic, partition: 0, offset: String(++offset), key: messageKey(event.tenantid, event.subject ?? ''), value: JSON.stringify(event) };
  return { message, event: event as CloudEvent<Record<string, unknown>> };
}

function walletEvent(accountId: string, revision: number, event: string, data: Record<string, unknown>): DeliveredEvent {
  const payload: WalletEventData = { accountId, revision: String(revision), event, data };
  return delivered(TOPICS.walletEvents, cloudEvent({ id: `w-${accountId}-${revision}`, source: 'test', type: 'creditflow.wallet.x', subject: accountId, tenantid: TENANT, data: payload }));
}

/** An account with one basic purchase (100 credits for CNY 10) of which `used` credits were charged. */
function history(accountId: string, purchaseId: string, used: string | null) {
  const lotId = `purchase:${purchaseId}`;
  const events = [
    walletEvent(accountId, 0, 'AccountOpened', { tenantId: TENANT, accountId, kind: 'personal', members: [], openedAt: iso() }),
    walletEvent(accountId, 1, 'CreditsGranted', {
      lotId, lotType: 'topup', amount: '100', grantedAt: iso(), expiresAt: null, costBasis: { paidMinor: '1000', currency: 'CNY', promotional: false },
      source: { kind: 'purchase', id: purchaseId }, fingerprint: 'f',
    }),
  ];
  if (used) {
    events.push(
      walletEvent(accountId, 2, 'HoldPlaced', { usageId: 'u1', lots: [{ lotId, amount: used }], credits: used, expiresAt: iso(600_000) }),
      walletEvent(accountId, 3, 'HoldCaptured', { usageId: 'u1', lots: [{ lotId, amount: used }], amount: used, capturedAt: iso(1000) }),
    );
  }
  return events;
}

const requestMessage = (data: Record<string, unknown>) =>
  delivered(TOPICS.refunds, cloudEvent({ id: `req-${++offset}`, source: 'test', type: REFUND_TYPES.requested, subject: String(data.accountId), tenantid: TENANT, data }));

describe('the read model of wallet facts', () => {
  it('follows a purchase lot through holds and charges, and applies a redelivered event once', async () => {
    const events = history('acc-1', 'p1', '30');
    expect(await consumer.walletEvents(events)).toEqual([]);
    expect(await consumer.walletEvents(events)).toEqual([]); // redelivery
    const purchase = await app.facts.purchase(TENANT, 'acc-1', 'p1', T0);
    expect(purchase).toMatchObject({ lotId: 'purchase:p1', unused: 70_000_000n, credits: 100_000_000n, isInitialPayment: true, paid: { minor: 1000n, currency: 'CNY' } });
    expect(await app.facts.usage(TENANT, 'acc-1', 'u1')).toEqual({ usageId: 'u1', charged: 30_000_000n, failedReason: null, restored: false });
    expect(await app.facts.revision(TENANT, 'acc-1')).toBe(3n);
  });

  it('counts a hold as unused again once it has timed out', async () => {
    const [opened, granted, placed] = history('acc-1', 'p1', '30');
    await consumer.walletEvents([opened, granted, placed]);
    expect((await app.facts.purchase(TENANT, 'acc-1', 'p1', new Date(Date.parse(iso(599_999)))))?.unused).toBe(70_000_000n);
    expect((await app.facts.purchase(TENANT, 'acc-1', 'p1', new Date(Date.parse(iso(600_000)))))?.unused).toBe(100_000_000n);
  });

  it('applies a batch in one go, sending an event it cannot apply to the DLQ and keeping the others', async () => {
    const [opened, granted, placed, captured] = history('acc-1', 'p1', '30');
    const broken = walletEvent('acc-1', 2, 'HoldPlaced', { usageId: 'u1', lots: [{ lotId: 'purchase:p1', amount: 'thirty' }], credits: '30', expiresAt: iso(600_000) });
    const letters = await consumer.walletEvents([opened, granted, broken, captured]);
    expect(letters).toEqual([{ message: broken.message, reason: expect.stringContaining('thirty') }]);
    expect(await app.facts.revision(TENANT, 'acc-1')).toBe(3n);
    expect(await app.facts.usage(TENANT, 'acc-1', 'u1')).toEqual({ usageId: 'u1', charged: 30_000_000n, failedReason: null, restored: false });
    const unused = (await app.facts.purchase(TENANT, 'acc-1', 'p1', T0))?.unused;
    expect(await consumer.walletEvents([placed])).toEqual([]); // at or below the account's revision: changes nothing
    expect((await app.facts.purchase(TENANT, 'acc-1', 'p1', T0))?.unused).toBe(unused);
  });

  it('sends a wallet event of an unknown tenant to the DLQ', async () => {
    const stray = delivered(TOPICS.walletEvents, cloudEvent({ id: 'x', source: 'test', type: 'creditflow.wallet.x', subject: 'a', tenantid: 'nobody', data: { accountId: 'a', revision: '0', event: 'AccountOpened', data: {} } }));
    expect(await consumer.walletEvents([stray])).toEqual([{ message: stray.message, reason: 'unknown tenant "nobody"' }]);
  });
});

describe('settling a money refund', () => {
  it('publishes the decision from the store, then settles it when the wallet reports the claw-back', async () => {
    await consumer.walletEvents(history('acc-1', 'p1', '30'));
    const record = await app.request(TENANT, { refundId: 'r1', accountId: 'acc-1', purchaseId: 'p1', reason: 'unused_credits' }, app.now(), { awaitWallet: false });
    expect(record).toMatchObject({ settlement: 'pending', decision: { status: 'approved', creditsClawedBack: { lotId: 'purchase:p1', amount: 70_000_000n } } });
    const decided = await waitFor('the decision', () => published.find((e) => e.type === REFUND_TYPES.decided), 2_000);
    expect(decided).toMatchObject({
      id: 'refund-decision:apinfer:r1', subject: 'acc-1', tenantid: TENANT,
      data: { refundId: 'r1', status: 'approved', money: { amount: '7.00', currency: 'CNY' }, creditsClawedBack: { lotId: 'purchase:p1', amount: '70' } },
    });

    await consumer.walletEvents([walletEvent('acc-1', 4, 'CreditsClawedBack', { refundId: 'r1', lotId: 'purchase:p1', amount: '70', clawedBackAt: iso(7200_000) })]);
    expect((await app.record(TENANT, 'r1')).settlement).toBe('settled');
    const settled = await waitFor('the settlement', () => published.find((e) => e.type === REFUND_TYPES.settled), 2_000);
    expect(settled.data).toEqual({ refundId: 'r1', accountId: 'acc-1', settlement: 'settled', money: { amount: '7.00', currency: 'CNY' }, at: iso(7200_000) });
    expect((await app.facts.purchase(TENANT, 'acc-1', 'p1', T0))?.unused).toBe(0n);
  });

  it('voids the refund when the wallet refused the claw-back (credits used after the decision), and judges a new request on what is unused then', async () => {
    // The refund service has seen the purchase but not yet a later charge of 30.
    const [opened, granted, placed, captured] = history('acc-1', 'p1', '30');
    await consumer.walletEvents([opened, granted]);
    const stale = await app.request(TENANT, { refundId: 'r1', accountId: 'acc-1', purchaseId: 'p1', reason: 'unused_credits' }, app.now(), { awaitWallet: false });
    expect(stale.decision).toMatchObject({ status: 'approved', money: { minor: 1000n } });

    await consumer.walletEvents([placed, captured, walletEvent('acc-1', 4, 'ClawBackRefused', { refundId: 'r1', lotId: 'purchase:p1', requested: '100', unused: '70', refusedAt: iso(7200_000) })]);
    const voided = await app.record(TENANT, 'r1');
    expect(voided).toMatchObject({ settlement: 'voided', voided: { rule: 'REFUND.CREDITS_USED_BEFORE_CLAWBACK', unused: 70_000_000n } });
    const message = await waitFor('the voiding', () => published.find((e) => e.type === REFUND_TYPES.voided), 2_000);
    expect(message.data).toMatchObject({ refundId: 'r1', settlement: 'voided', unused: '70', rule: 'REFUND.CREDITS_USED_BEFORE_CLAWBACK' });

    const again = await app.request(TENANT, { refundId: 'r2', accountId: 'acc-1', purchaseId: 'p1', reason: 'unused_credits' }, app.now(), { awaitWallet: false });
    expect(again.decision).toMatchObject({ status: 'approved', money: { minor: 700n }, creditsClawedBack: { amount: 70_000_000n } });
  });

  it('ignores a second answer from the wallet for the same refund', async () => {
    await consumer.walletEvents(history('acc-1', 'p1', null));
    await app.request(TENANT, { refundId: 'r1', accountId: 'acc-1', purchaseId: 'p1', reason: 'unused_credits' }, app.now(), { awaitWallet: false });
    const clawed = walletEvent('acc-1', 2, 'CreditsClawedBack', { refundId: 'r1', lotId: 'purchase:p1', amount: '100', clawedBackAt: iso(7200_000) });
    await consumer.walletEvents([clawed]);
    await consumer.walletEvents([clawed]);
    const stream = await runtime.store.readStream('refund-apinfer_r1');
    expect(stream.map((e) => e.type)).toEqual(['RefundDecided', 'RefundSettled']);
  });
});

describe('requests on creditflow.refunds.v1', () => {
  it('decides a creditflow.refund.requested message like POST /v1/refunds, once', async () => {
    await consumer.walletEvents(history('acc-1', 'p1', null));
    const message = requestMessage({ refundId: 'r1', accountId: 'acc-1', purchaseId: 'p1', reason: 'unused_credits' });
    expect(await consumer.requests([message])).toEqual([]);
    expect(await consumer.requests([message])).toEqual([]);
    expect((await runtime.store.readStream('refund-apinfer_r1')).map((e) => e.type)).toEqual(['RefundDecided']);
    expect((await app.record(TENANT, 'r1')).decision).toMatchObject({ status: 'approved', money: { minor: 1000n, currency: 'CNY' } });
  });

  it('sends what cannot be decided to the DLQ with the reason, and ignores its own decisions on the topic', async () => {
    await consumer.walletEvents(history('acc-1', 'p1', null));
    const malformed = requestMessage({ refundId: 'r1', accountId: 'acc-1', reason: 'bored' });
    const unknown = requestMessage({ refundId: 'r2', accountId: 'acc-1', purchaseId: 'nope', reason: 'unused_credits' });
    const own = delivered(TOPICS.refunds, cloudEvent({ id: 'd', source: 'test', type: REFUND_TYPES.decided, subject: 'acc-1', tenantid: TENANT, data: {} }));
    const letters = await consumer.requests([malformed, own, unknown]);
    expect(letters).toEqual([
      { message: malformed.message, reason: expect.stringContaining('reason') },
      { message: unknown.message, reason: expect.stringContaining('REFUND.PURCHASE_NOT_FOUND') },
    ]);
  });
});

describe('failures after completion', () => {
  it('records the restoration decision once, from the failure event, under restore:<usageId>', async () => {
    const gpt = 'gptimage2';
    const event = (revision: number, name: string, data: Record<string, unknown>) => {
      const d = walletEvent('acc-g', revision, name, data);
      (d.event as { tenantid: string }).tenantid = gpt;
      return d;
    };
    const batch = [
      event(0, 'AccountOpened', { tenantId: gpt, accountId: 'acc-g', kind: 'personal', members: [], openedAt: iso() }),
      event(1, 'HoldPlaced', { usageId: 'g1', lots: [{ lotId: 'trial:acc-g', amount: '10' }], credits: '10', expiresAt: iso(600_000) }),
      event(2, 'HoldCaptured', { usageId: 'g1', lots: [{ lotId: 'trial:acc-g', amount: '10' }], amount: '10', capturedAt: iso(1000) }),
      event(3, 'UsageFailedAfterCompletion', { usageId: 'g1', reason: 'platform_error', charged: '10', failedAt: iso(2000) }),
    ];
    await consumer.walletEvents(batch);
    await consumer.walletEvents(batch.slice(3));
    const record = await app.record(gpt, 'restore:g1');
    expect(record.decision).toMatchObject({ status: 'approved', creditsRestored: { usageId: 'g1', amount: 10_000_000n }, decidedAt: iso(2000) });
    expect((await runtime.store.readStream('refund-gptimage2_restore:g1')).length).toBe(1);
    const message = await waitFor('the decision', () => published.find((e) => e.type === REFUND_TYPES.decided), 2_000);
    expect(message.data).toMatchObject({ refundId: 'restore:g1', creditsRestored: { usageId: 'g1', amount: '10' } });
  });
});

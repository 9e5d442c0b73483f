// The subscription-scheduler and the wallet as separate applications over a real Kafka broker, on
// manual clocks (set on both runtimes together): payment-side subscription messages, cron triggers,
// scheduler events in order per account, a redelivered scheduler event, daily resets, dead letters.
import { Admin } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { CloudEvent, PAYMENT_TYPES, SCHEDULER_TYPES, TOPICS, cloudEvent, dlqTopic, messageKey } from '@creditflow/contracts';
import { localDay } from '@creditflow/kernel';
import { waitFor } from '@creditflow/kernel/testing';
import { E2E_WAIT_MS, callService, distributedFor } from './distributed-services';
import { tenantsWithDailyReset } from './tenant-variants';

const run = randomUUID().slice(0, 8);
/** A tenant of this run only, so daily resets of earlier runs on the same broker are told apart. */
const resetTenant = `vgreset-${run}`;
const adminKey = (tenant: string) => `admin-${tenant}-${run}`;
const keys = Object.fromEntries(['amisi', resetTenant].map((tenant) => [adminKey(tenant), { tenant, role: 'admin' }]));
const T0 = Date.parse('2030-01-31T10:00:00Z');
const DAY = 86_400_000;

describe('scheduler and wallet over a real Kafka broker', () => {
  const tenantsDir = tenantsWithDailyReset(resetTenant, 'Asia/Shanghai');
  const { kafka, services, seen, send: sendAll, setClocks, groupPrefix } = distributedFor({
    name: `e2e-sched-${run}`,
    services: ['wallet', 'subscription-scheduler'],
    keys,
    topics: [TOPICS.scheduler, dlqTopic(TOPICS.payments), dlqTopic(TOPICS.scheduler)],
    manualClockAt: T0,
    env: { CREDITFLOW_TENANTS_DIR: tenantsDir },
  });
  let admin: Admin;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
    rmSync(tenantsDir, { recursive: true, force: true });
  });

  const http = (service: 'wallet' | 'subscription-scheduler', method: string, path: string, tenant: string, body?: unknown) =>
    callService(services[service]!, adminKey(tenant), method, path, body);
  const balance = async (tenant: string, accountId: string) => (await http('wallet', 'GET', `/v1/accounts/${accountId}/balance`, tenant)).body;
  const history = async (tenant: string, accountId: string) =>
    (await http('wallet', 'GET', `/v1/accounts/${accountId}/transactions`, tenant)).body.transactions as Record<string, any>[];
  const openAccount = async (tenant: string, accountId: string) => expect((await http('wallet', 'PUT', `/v1/accounts/${accountId}`, tenant, { type: 'personal' })).status).toBe(200);
  const send = (topic: string, key: string, event: CloudEvent<unknown> | string) => sendAll(topic, [{ key, value: event }]);
  const trigger = (at: number) =>
    send(TOPICS.schedulerTriggers, 'cron', cloudEvent({ id: randomUUID(), source: 'e2e', type: SCHEDULER_TYPES.tick, tenantid: 'amisi', data: { at: new Date(at).toISOString() } }));
  /** Waits until the scheduler has handled every trigger on the topic (its committed offsets reach the end). */
  const triggersConsumed = () =>
    waitFor('the scheduler to consume the triggers', async () => {
      const ends = await admin.fetchTopicOffsets(TOPICS.schedulerTriggers);
      const [committed] = await admin.fetchOffsets({ groupId: `${groupPrefix}-subscription-scheduler`, topics: [TOPICS.schedulerTriggers] });
      const done = ends.every((end) => {
        const at = committed.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        return end.high === '0' || BigInt(at) >= BigInt(end.high);
      });
      return done ? true : undefined;
    }, E2E_WAIT_MS);
  const scheduled = (accountId: string) => seen.filter((s) => s.topic === TOPICS.scheduler && s.key === messageKey('amisi', accountId));


  const accounts = [1, 2, 3].map((i) => `acc-order-${i}-${run}`);
  const payAccount = `acc-pay-${run}`;
  const dailyAccount = `acc-daily-${run}`;

  it('starts a subscription from a payment-side message; the grant reaches the wallet; a redelivered message changes nothing', async () => {
    await openAccount('amisi', payAccount);
    const started = cloudEvent({
      id: `pay-${run}-1`, source: 'e2e-payments', type: PAYMENT_TYPES.subscriptionStarted, subject: payAccount, tenantid: 'amisi',
      data: { accountId: payAccount, planId: 'basic', billingPeriod: 'monthly' },
    });
    await send(TOPICS.payments, messageKey('amisi', payAccount), started);
    await waitFor('the basic grant', async () => ((await balance('amisi', payAccount)).available === '20' ? true : undefined), E2E_WAIT_MS);
    const cancelled = cloudEvent({
      id: `pay-${run}-2`, source: 'e2e-payments', type: PAYMENT_TYPES.subscriptionCancelled, subject: payAccount, tenantid: 'amisi', data: { accountId: payAccount },
    });
    await send(TOPICS.payments, messageKey('amisi', payAccount), cancelled);
    await send(TOPICS.payments, messageKey('amisi', payAccount), started); // redelivered: must not resume
    const poison = cloudEvent({
      id: `pay-${run}-3`, source: 'e2e-payments', type: PAYMENT_TYPES.subscriptionStarted, subject: payAccount, tenantid: 'amisi',
      data: { accountId: payAccount, planId: 'enterprise', billingPeriod: 'monthly' },
    });
    await send(TOPICS.payments, messageKey('amisi', payAccount), poison);
    // The poison comes after the others on the account's partition: once it is dead-lettered, they have been handled.
    const dead = await waitFor('the refused plan on the DLQ', () =>
      seen.find((s) => s.topic === dlqTopic(TOPICS.payments) && JSON.parse(s.event?.data.value ?? '{}').id === poison.id),
      E2E_WAIT_MS,
    );
    expect(dead.event!.data.reason).toMatch(/custom_plan/);
    const view = await http('subscription-scheduler', 'GET', `/v1/accounts/${payAccount}/subscription`, 'amisi');
    expect(view.body).toMatchObject({ planId: 'basic', status: 'cancelling', cancellation: { endsAt: '2030-02-28T10:00:00.000Z' } });
  });

  it('records the daily reset tenant-wide: the wallet records the expiry of the day’s daily credits at the boundary', async () => {
    // Triggers already on the topic (earlier runs on this broker, at their own times) start this tenant's
    // resets wherever they reached: take the next boundary from the scheduler's stream once they are consumed.
    await trigger(T0);
    await triggersConsumed();
    const [last] = await services['subscription-scheduler']!.runtime.store.readStream(`dailyreset-${resetTenant}`, { direction: 'backwards', maxCount: 1 });
    const boundary = Date.parse((last.data as { nextAt: string }).nextAt);
    const day = localDay(new Date(boundary), 'Asia/Shanghai');

    setClocks(boundary - 6 * 3_600_000);
    await openAccount(resetTenant, dailyAccount);
    const login = await http('wallet', 'POST', `/v1/accounts/${dailyAccount}/logins`, resetTenant, { loginId: `login-${run}` });
    expect(login.body).toMatchObject({ granted: '10', expiresAt: new Date(boundary).toISOString() }); // Shanghai midnight
    setClocks(boundary + 3_600_000);
    await trigger(boundary + 3_600_000);
    const reset = await waitFor('the reset at Shanghai midnight', () => seen.find((s) => s.topic === TOPICS.scheduler && s.event?.id === `daily-reset:${resetTenant}:${day}`), E2E_WAIT_MS);
    expect(reset.key).toBe(resetTenant);
    expect(reset.event!.data).toEqual({ eventId: `daily-reset:${resetTenant}:${day}`, day, at: new Date(boundary).toISOString(), timeZone: 'Asia/Shanghai' });
    const expired = await waitFor('the recorded expiry', async () => (await history(resetTenant, dailyAccount)).find((t) => t.type === 'LotExpired'), E2E_WAIT_MS);
    expect(expired).toMatchObject({ amount: '10', expiredAt: new Date(boundary).toISOString() });
    expect(seen.filter((s) => s.event?.id === `daily-reset:${resetTenant}:${day}`)).toHaveLength(1);
  });

  it('delivers every account’s scheduler events in order on one partition, and the wallet applies them in that order', async () => {
    setClocks(T0 + DAY);
    for (const accountId of accounts) {
      await openAccount('amisi', accountId);
      expect((await http('subscription-scheduler', 'PUT', `/v1/accounts/${accountId}/subscription`, 'amisi', { planId: 'pro', billingPeriod: 'monthly' })).status).toBe(200);
    }
    // Three months later one trigger catches up three boundaries for every account.
    const later = T0 + DAY + 90 * DAY;
    setClocks(later);
    await trigger(later);
    for (const accountId of accounts) {
      const sub = `amisi_${accountId}_1`;
      const expected = [
        `monthly-grant:${sub}:0`, `rollover-expiry:${sub}:0`, `monthly-grant:${sub}:1`, `rollover-expiry:${sub}:1`, `monthly-grant:${sub}:2`,
        `rollover-expiry:${sub}:2`, `monthly-grant:${sub}:3`,
      ];
      const mine = await waitFor(`the catch-up of ${accountId}`, () => (scheduled(accountId).length >= expected.length ? scheduled(accountId) : undefined), E2E_WAIT_MS);
      expect(mine.map((s) => s.event!.id)).toEqual(expected);
      expect(new Set(mine.map((s) => s.partition)).size).toBe(1);

      const applied = await waitFor(`the wallet of ${accountId}`, async () => {
        const h = await history('amisi', accountId);
        return h.filter((t) => t.type === 'CreditsGranted').length === 4 && h.some((t) => t.eventId === `rollover-expiry:${sub}:2`) ? h : undefined;
      }, E2E_WAIT_MS);
      const order = applied.filter((t) => t.type === 'CreditsGranted' || t.type === 'RolloverExpired').map((t) => t.lotId ?? t.eventId);
      expect(order).toEqual(expected);
      // Pro, nothing used: 50, 100, 150, then 150 -> cap 100 + 50. The oldest grant expired.
      const b = await balance('amisi', accountId);
      expect(b.available).toBe('150');
      expect(b.lots.filter((l: { remaining: string }) => l.remaining !== '0').map((l: { lotId: string }) => l.lotId.split(':').pop()).sort()).toEqual(['1', '2', '3']);
    }
  });

  it('changes nothing when a scheduler event is delivered again', async () => {
    const accountId = accounts[0];
    const grant = scheduled(accountId).find((s) => s.event?.id === `monthly-grant:amisi_${accountId}_1:3`)!;
    const before = { balance: await balance('amisi', accountId), history: await history('amisi', accountId) };
    await send(TOPICS.scheduler, grant.key!, grant.value);
    await send(TOPICS.scheduler, grant.key!, grant.value);
    // A probe behind them on the same partition: an unknown scheduler type, dead-lettered by the wallet.
    const probe = cloudEvent({ id: `probe-${run}`, source: 'e2e', type: 'creditflow.scheduler.unknown', subject: accountId, tenantid: 'amisi', data: { accountId } });
    await send(TOPICS.scheduler, grant.key!, probe);
    const dead = await waitFor('the probe on the DLQ', () =>
      seen.find((s) => s.topic === dlqTopic(TOPICS.scheduler) && JSON.parse(s.event?.data.value ?? '{}').id === probe.id),
      E2E_WAIT_MS,
    );
    expect(dead.event!.data.reason).toMatch(/unknown scheduler event type/);
    expect(await balance('amisi', accountId)).toEqual(before.balance);
    expect(await history('amisi', accountId)).toEqual(before.history);
  });

  it('runs a trigger whose time lies ahead of the platform clock only up to the clock, and pro rolls over before its next grant', async () => {
    const accountId = `acc-future-${run}`;
    const start = T0 + 120 * DAY; // after every earlier test's clock: a manual clock never goes back
    setClocks(start);
    await openAccount('amisi', accountId);
    expect((await http('subscription-scheduler', 'PUT', `/v1/accounts/${accountId}/subscription`, 'amisi', { planId: 'pro', billingPeriod: 'monthly' })).status).toBe(200);
    await waitFor('the cycle-0 grant in the wallet', async () => ((await balance('amisi', accountId)).available === '50' ? true : undefined), E2E_WAIT_MS);

    // A trigger ten years ahead used to spend ten years of grants at once.
    await trigger(start + 3650 * DAY);
    await triggersConsumed();
    expect(scheduled(accountId).map((s) => s.event!.id)).toEqual([`monthly-grant:amisi_${accountId}_1:0`]);

    // One month on by the clock: rollover-expiry of cycle 0, then cycle 1's grant; pro keeps up to 100.
    setClocks(start + 32 * DAY);
    await trigger(start + 32 * DAY);
    const cycle1 = await waitFor('the cycle-1 events', () => (scheduled(accountId).length >= 3 ? scheduled(accountId) : undefined), E2E_WAIT_MS);
    expect(cycle1.map((s) => s.event!.type)).toEqual(['creditflow.scheduler.monthly-grant', 'creditflow.scheduler.rollover-expiry', 'creditflow.scheduler.monthly-grant']);
    await waitFor('cycle 1 in the wallet', async () => ((await balance('amisi', accountId)).available === '100' ? true : undefined), E2E_WAIT_MS);
    const lots = (await balance('amisi', accountId)).lots.map((l: { lotId: string; remaining: string }) => [l.lotId.split(':').pop(), l.remaining]);
    expect(lots).toEqual([['0', '50'], ['1', '50']]);
  });
});

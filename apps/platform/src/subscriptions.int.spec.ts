// Subscriptions, cron ticks and daily resets through the public HTTP contract on the embedded
// platform with the manual clock: POST /v1/admin/clock, POST /v1/scheduler/ticks, usage through
// authorize + complete, balances through GET. Scheduler output reaches the wallet asynchronously
// (store -> bus -> wallet), so each check waits for the grant it expects, then compares exactly.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudEvent, PAYMENT_TYPES, TOPICS, cloudEvent, dlqTopic, messageKey } from '@creditflow/contracts';
import { createEventStore } from '@creditflow/event-store';
import { sleep } from '@creditflow/kernel';
import { waitFor } from '@creditflow/kernel/testing';
import { SqliteBus } from '@creditflow/messaging';
import {
  ApiKeyGrant, DAY, EmbeddedPlatform, apiKey, defaultApiKeys, platformFor, startEmbeddedPlatform, tenantClient, tenantsWithDailyReset, uniqueId,
} from '@creditflow/testing';

/** How long these tests wait (`waitFor`) for the scheduler's events to reach the wallet. */
const WAIT_MS = 15_000;

function client(platform: () => EmbeddedPlatform, tenant: string) {
  const base = tenantClient(platform, tenant, { waitMs: WAIT_MS });
  const { call, ok } = base;
  return {
    ...base,
    cancel: (accountId: string) => call('admin', 'DELETE', `/v1/accounts/${accountId}/subscription`),
    subscription: (accountId: string) => call('ops', 'GET', `/v1/accounts/${accountId}/subscription`),
    purchase: (body: object) => ok(call('admin', 'POST', '/v1/purchases', body)),
    login: (accountId: string, loginId = uniqueId('login')) => ok(call('service', 'POST', `/v1/accounts/${accountId}/logins`, { loginId })),
    transactions: async (accountId: string) => (await ok(call('ops', 'GET', `/v1/accounts/${accountId}/transactions`))).transactions as Record<string, any>[],
    /** Authorizes and completes one usage; fails the test if it is not charged. Answers the credits charged. */
    use: async (accountId: string, body: object, usageId = uniqueId('u')) => {
      const { authorized } = await base.charge(accountId, body, usageId);
      if (authorized.status !== 'authorized') throw new Error(`authorize: ${JSON.stringify(authorized)}`);
      return authorized.credits as string;
    },
    /** Waits until the account holds the lot `lotId` (a scheduler grant has landed); answers the balance. */
    lotArrived: (accountId: string, lotId: string) =>
      base.balanceWhen(accountId, `lot ${lotId} on ${accountId}`, (b) => b.lots.some((l: { lotId: string }) => l.lotId === lotId)),
  };
}

/** The repository's tenants plus `visualgpt-reset`: VisualGPT with daily credits that expire at Shanghai midnight. */
function tenantsWithResetKeys(): { dir: string; keys: Record<string, ApiKeyGrant> } {
  const keys: Record<string, ApiKeyGrant> = { ...defaultApiKeys() };
  for (const role of ['admin', 'ops', 'service'] as const) keys[apiKey('visualgpt-reset', role)] = { tenant: 'visualgpt-reset', role };
  return { dir: tenantsWithDailyReset('visualgpt-reset', 'Asia/Shanghai'), keys };
}

const subscriptionLots = (balance: { lots: { type: string; lotId: string; remaining: string }[] }) =>
  balance.lots
    .filter((l) => l.type === 'subscription' && l.remaining !== '0')
    .map((l) => [l.lotId.split(':').pop(), l.remaining])
    .sort((a, b) => Number(a[0]) - Number(b[0]));

describe('an Amisi Pro subscription over a year, anchored on Jan 31', () => {
  const platform = platformFor({ clock: 'manual' });
  const amisi = client(platform, 'amisi');

  // Boundaries of a 2027-01-31T10:00Z anchor: the last day of shorter months, back to the 31st when it can.
  const boundaries = [
    '2027-02-28', '2027-03-31', '2027-04-30', '2027-05-31', '2027-06-30', '2027-07-31',
    '2027-08-31', '2027-09-30', '2027-10-31', '2027-11-30', '2027-12-31', '2028-01-31',
  ].map((d) => `${d}T10:00:00.000Z`);
  // Hand-computed: each cycle uses `used`; at its end at most 100 roll over (`expired` is the excess),
  // then the next 50 arrive. `after` is the balance just after the boundary.
  const months = [
    { used: 10, expired: 0, after: 90 }, // 50-10=40 kept, +50
    { used: 0, expired: 0, after: 140 }, // 90 kept, +50
    { used: 5, expired: 35, after: 150 }, // 135 -> cap 100, +50
    { used: 60, expired: 0, after: 140 }, // 90 kept, +50
    { used: 0, expired: 40, after: 150 }, // 140 -> 100, +50
    { used: 150, expired: 0, after: 50 }, // all used, +50
    { used: 20, expired: 0, after: 80 },
    { used: 0, expired: 0, after: 130 },
    { used: 30, expired: 0, after: 150 }, // exactly 100 kept
    { used: 1, expired: 49, after: 150 }, // 149 -> 100, +50
    { used: 75, expired: 0, after: 125 },
    { used: 25, expired: 0, after: 150 },
  ];

  it('grants 50 a month, carries up to 100 and expires the excess, month by month', async () => {
    const accountId = await amisi.openAccount(uniqueId('amisi-pro'));
    await amisi.setClock('2027-01-31T10:00:00Z');
    const started = await amisi.subscribe(accountId, 'pro');
    expect(started.status).toBe(200);
    const subscriptionId: string = started.body.subscriptionId;
    expect(started.body).toEqual({
      subscriptionId, accountId, planId: 'pro', billingPeriod: 'monthly', status: 'active', anchor: '2027-01-31T10:00:00.000Z',
      currentCycle: { number: 0, startedAt: '2027-01-31T10:00:00.000Z', endsAt: boundaries[0] },
      nextBoundaryAt: boundaries[0], pendingChange: null, cancellation: null,
    });
    expect(await amisi.lotArrived(accountId, `monthly-grant:${subscriptionId}:0`)).toMatchObject({ available: '50', byType: { subscription: '50' } });

    for (const [i, month] of months.entries()) {
      const cycle = i + 1;
      const boundary = boundaries[i];
      // Usage in the middle of the ending cycle.
      if (month.used > 0) {
        await amisi.setClock(new Date(Date.parse(boundary) - 10 * DAY));
        expect(await amisi.use(accountId, { feature: 'chat-message', quantity: month.used })).toBe(String(month.used));
      }
      const before = (i === 0 ? 50 : months[i - 1].after) - month.used;

      // One millisecond early: nothing is due.
      await amisi.setClock(new Date(Date.parse(boundary) - 1));
      expect(await amisi.tick()).toMatchObject({ emitted: 0 });
      expect((await amisi.balance(accountId)).available).toBe(String(before));

      await amisi.setClock(boundary);
      expect(await amisi.tick()).toMatchObject({ emitted: 2 });
      const balance = await amisi.lotArrived(accountId, `monthly-grant:${subscriptionId}:${cycle}`);
      expect({ cycle, available: balance.available, subscription: balance.byType.subscription }).toEqual({
        cycle, available: String(month.after), subscription: String(month.after),
      });
      const rollover = (await amisi.transactions(accountId)).find((t) => t.type === 'RolloverExpired' && t.eventId === `rollover-expiry:${subscriptionId}:${cycle - 1}`);
      expect({ cycle, expired: rollover?.amount, cycleEnd: rollover?.cycleEnd }).toEqual({ cycle, expired: String(month.expired), cycleEnd: boundary });
    }

    // Oldest expire first and consumption takes the oldest first: the newest three grants are what is left.
    expect(subscriptionLots(await amisi.balance(accountId))).toEqual([['10', '50'], ['11', '50'], ['12', '50']]);
    const view = (await amisi.subscription(accountId)).body;
    expect(view).toMatchObject({ status: 'active', currentCycle: { number: 12, startedAt: boundaries[11] }, nextBoundaryAt: '2028-02-29T10:00:00.000Z' });
    // A repeated tick emits nothing more.
    expect(await amisi.tick()).toMatchObject({ emitted: 0 });
  });
});

describe('GPT Image 2: subscription credits refresh each cycle; one-time credits are untouched', () => {
  const platform = platformFor({ clock: 'manual' });
  const gpt = client(platform, 'gptimage2');

  it('replaces the subscription balance at each boundary and leaves trial and purchased credits alone', async () => {
    await gpt.setClock('2027-03-15T12:00:00Z');
    const accountId = await gpt.openAccount(uniqueId('gpt'));
    await gpt.purchase({ purchaseId: uniqueId('p'), accountId, packageId: 'small', amountPaid: '4.99', currency: 'USD' });
    const { body: sub } = await gpt.subscribe(accountId, 'starter');
    const lot = (cycle: number) => `monthly-grant:${sub.subscriptionId}:${cycle}`;
    const byType = async () => (await gpt.balance(accountId)).byType;

    expect(await gpt.lotArrived(accountId, lot(0))).toMatchObject({ available: '320', byType: { trial: '20', subscription: '200', topup: '100' } });
    expect((await gpt.balance(accountId)).lots.find((l: { lotId: string }) => l.lotId === lot(0)).expiresAt).toBe('2027-04-15T12:00:00.000Z');

    // At the boundary the unused 200 are gone even before a tick (the lot expires then); the tick brings the next 200.
    await gpt.setClock('2027-04-15T12:00:00Z');
    expect(await byType()).toMatchObject({ trial: '20', subscription: '0', topup: '100' });
    await gpt.tick();
    expect((await gpt.lotArrived(accountId, lot(1))).byType).toMatchObject({ trial: '20', subscription: '200', topup: '100' });

    // Cycle 1: three 1K images (30): the trial pays 20 first (consumption order), the subscription 10.
    await gpt.setClock('2027-04-20T12:00:00Z');
    for (let i = 0; i < 3; i++) await gpt.use(accountId, { feature: 'text-to-image', resolution: '1K' });
    expect(await byType()).toMatchObject({ trial: '0', subscription: '190', topup: '100' });
    await gpt.setClock('2027-05-15T12:00:00Z');
    await gpt.tick();
    expect((await gpt.lotArrived(accountId, lot(2))).byType).toMatchObject({ trial: '0', subscription: '200', topup: '100' });

    // Cycle 2: six 4K images (240): the subscription's 200, then 40 of the purchased pack.
    await gpt.setClock('2027-05-20T12:00:00Z');
    for (let i = 0; i < 6; i++) await gpt.use(accountId, { feature: 'text-to-image', resolution: '4K' });
    expect(await byType()).toMatchObject({ subscription: '0', topup: '60' });
    await gpt.setClock('2027-06-15T12:00:00Z');
    await gpt.tick();
    const after = await gpt.lotArrived(accountId, lot(3));
    expect(after).toMatchObject({ available: '260', byType: { trial: '0', subscription: '200', topup: '60' } });
    // Nothing of a refreshed cycle is kept: every rollover expiry expired what was left.
    const rollovers = (await gpt.transactions(accountId)).filter((t) => t.type === 'RolloverExpired' || t.type === 'LotExpired');
    expect(rollovers.filter((t) => t.type === 'LotExpired').map((t) => [t.lotId, t.amount])).toEqual([[lot(0), '200'], [lot(1), '190'], [lot(2), '0']]);
  });
});

describe('ticks from the future', () => {
  const platform = platformFor({ clock: 'manual' });
  const amisi = client(platform, 'amisi');

  it('never runs the schedule past the platform clock: a tick whose `at` lies ten years ahead runs up to now', async () => {
    await amisi.setClock('2027-03-10T08:00:00Z');
    const accountId = await amisi.openAccount(uniqueId('amisi-future'));
    const { body: started } = await amisi.subscribe(accountId, 'basic');
    await amisi.lotArrived(accountId, `monthly-grant:${started.subscriptionId}:0`);

    // Used to emit 238 events and move the subscription ten years ahead; the normal ticks after it then emitted nothing.
    const future = await amisi.call('admin', 'POST', '/v1/scheduler/ticks', { at: '2037-03-10T08:00:00Z' });
    expect(future.body).toMatchObject({ at: '2027-03-10T08:00:00.000Z', emitted: 0 });
    expect((await amisi.subscription(accountId)).body).toMatchObject({ currentCycle: { number: 0 }, nextBoundaryAt: '2027-04-10T08:00:00.000Z' });

    await amisi.setClock('2027-04-10T08:00:00Z');
    expect(await amisi.tick()).toMatchObject({ emitted: 2 });
    await amisi.lotArrived(accountId, `monthly-grant:${started.subscriptionId}:1`);
  });
});

describe('plan changes and cancellation over HTTP', () => {
  const platform = platformFor({ clock: 'manual' });
  const amisi = client(platform, 'amisi');

  it('switches plan at the next boundary: the ending cycle rolls over under the old cap, the grant is the new plan’s', async () => {
    await amisi.setClock('2027-05-10T08:00:00Z');
    const accountId = await amisi.openAccount(uniqueId('amisi-switch'));
    const { body: started } = await amisi.subscribe(accountId, 'basic');
    const lot = (cycle: number) => `monthly-grant:${started.subscriptionId}:${cycle}`;
    await amisi.lotArrived(accountId, lot(0));

    // Upgrade: answered at once with the change pending for the next boundary; this cycle's 20 stand.
    await amisi.setClock('2027-05-20T08:00:00Z');
    const upgrade = await amisi.subscribe(accountId, 'pro');
    expect(upgrade.status).toBe(200);
    expect(upgrade.body).toMatchObject({
      planId: 'basic', status: 'active', pendingChange: { planId: 'pro', billingPeriod: 'monthly', effectiveAt: '2027-06-10T08:00:00.000Z' }, cancellation: null,
    });
    expect((await amisi.balance(accountId)).available).toBe('20');
    await amisi.setClock('2027-06-10T08:00:00Z');
    await amisi.tick();
    expect((await amisi.lotArrived(accountId, lot(1))).available).toBe('70'); // 20 kept (basic cap 40) + 50
    expect((await amisi.subscription(accountId)).body).toMatchObject({ planId: 'pro', pendingChange: null, currentCycle: { number: 1 } });

    // Downgrade: the pro cycle ends under pro's cap (100: all 70 kept), then basic grants 20.
    expect((await amisi.subscribe(accountId, 'basic')).body.pendingChange).toMatchObject({ planId: 'basic', effectiveAt: '2027-07-10T08:00:00.000Z' });
    await amisi.setClock('2027-07-10T08:00:00Z');
    await amisi.tick();
    expect((await amisi.lotArrived(accountId, lot(2))).available).toBe('90');
    // The first basic cycle ends under basic's cap: 90 -> 40, then 20.
    await amisi.setClock('2027-08-10T08:00:00Z');
    await amisi.tick();
    expect((await amisi.lotArrived(accountId, lot(3))).available).toBe('60');

    // Cancel: at the end of the paid (monthly) period, after that cycle's rollover; no grant after it.
    await amisi.setClock('2027-08-15T08:00:00Z');
    const cancelled = await amisi.cancel(accountId);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelling', cancellation: { endsAt: '2027-09-10T08:00:00.000Z' }, nextBoundaryAt: '2027-09-10T08:00:00.000Z' });
    await amisi.setClock('2027-09-10T08:00:00Z');
    expect(await amisi.tick()).toMatchObject({ emitted: 1 });
    await waitFor('the last rollover', async () => ((await amisi.balance(accountId)).available === '40' ? true : undefined), WAIT_MS);
    expect((await amisi.subscription(accountId)).body).toMatchObject({ status: 'ended', currentCycle: null, nextBoundaryAt: null, cancellation: null });
    await amisi.setClock('2027-10-10T08:00:00Z');
    expect(await amisi.tick()).toMatchObject({ emitted: 0 });
    expect((await amisi.balance(accountId)).available).toBe('40');
  });

  it('answers the view without internals, 404 without a subscription, and clear errors for plans it cannot take', async () => {
    const accountId = await amisi.openAccount(uniqueId('amisi-errors'));
    expect((await amisi.subscription(accountId)).status).toBe(404);
    expect((await amisi.cancel(accountId)).body).toMatchObject({ error: 'subscription_not_found' });
    expect((await amisi.cancel(accountId)).status).toBe(404);
    expect((await amisi.subscribe(accountId, 'platinum')).body).toMatchObject({ error: 'unknown_plan' });
    expect((await amisi.subscribe(accountId, 'enterprise')).status).toBe(422);
    expect((await amisi.subscribe(accountId, 'pro', 'weekly')).status).toBe(400);
    const { body } = await amisi.subscribe(accountId, 'pro', 'yearly');
    expect(Object.keys(body).sort()).toEqual(
      ['accountId', 'anchor', 'billingPeriod', 'cancellation', 'currentCycle', 'nextBoundaryAt', 'pendingChange', 'planId', 'status', 'subscriptionId'],
    );
    expect(body.billingPeriod).toBe('yearly');
  });
});

describe('daily reset (a tenant whose daily credits expire at Shanghai midnight)', () => {
  const tenants = tenantsWithResetKeys();
  afterAll(() => rmSync(tenants.dir, { recursive: true, force: true }));
  const platform = platformFor({ clock: 'manual', tenantsDir: tenants.dir, keys: tenants.keys });
  const visual = client(platform, 'visualgpt-reset');

  it('records the expiry of the day’s daily credits at the boundary, once', async () => {
    await visual.setClock('2030-04-01T02:00:00Z'); // 10:00 in Shanghai
    expect(await visual.tick()).toMatchObject({ dailyResets: 1 }); // the boundary that started today
    const accountId = await visual.openAccount(uniqueId('vr'));
    const login = await visual.login(accountId);
    expect(login).toMatchObject({ granted: '10', expiresAt: '2030-04-01T16:00:00.000Z' });
    await visual.use(accountId, { feature: 'image-editor', model: 'seedream-4.0' });

    // Past midnight the balance already shows 0 (expiry is lazy); the wallet's history records it at the reset.
    await visual.setClock('2030-04-01T17:00:00Z');
    expect(await visual.balance(accountId)).toMatchObject({ available: '0', byType: { daily: '0' } });
    expect((await visual.transactions(accountId)).some((t) => t.type === 'LotExpired')).toBe(false);
    expect(await visual.tick()).toMatchObject({ dailyResets: 1 });
    const expired = await waitFor('the recorded expiry', async () => (await visual.transactions(accountId)).find((t) => t.type === 'LotExpired'), WAIT_MS);
    expect(expired).toMatchObject({ lotId: 'daily:2030-04-01', amount: '7', expiredAt: '2030-04-01T16:00:00.000Z' });

    expect(await visual.tick()).toMatchObject({ dailyResets: 0 });
    await visual.setClock('2030-04-04T17:00:00Z');
    expect(await visual.tick()).toMatchObject({ dailyResets: 3 });
    await sleep(300);
    expect((await visual.transactions(accountId)).filter((t) => t.type === 'LotExpired')).toHaveLength(1);
  });
});

describe('catch-up: three months of downtime and one trigger equal one trigger per day', () => {
  const tenants = tenantsWithResetKeys();
  const root = mkdtempSync(join(tmpdir(), 'creditflow-catchup-'));
  afterAll(() => {
    rmSync(tenants.dir, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  const T0 = Date.parse('2030-01-31T10:00:00Z');
  const amisiAccount = 'catchup-amisi';
  const resetAccount = 'catchup-daily';

  /** One platform's run: the same activity before and after, with `triggers` in between; what it ends with. */
  async function runWith(name: string, triggers: number[]) {
    const dataDir = join(root, name);
    mkdirSync(dataDir);
    const platform = await startEmbeddedPlatform({ clock: 'manual', dataDir, tenantsDir: tenants.dir, keys: tenants.keys });
    const amisi = client(() => platform, 'amisi');
    const visual = client(() => platform, 'visualgpt-reset');
    try {
      await amisi.setClock(new Date(T0));
      await amisi.tick();
      await amisi.openAccount(amisiAccount);
      const { body: sub } = await amisi.subscribe(amisiAccount, 'pro');
      await amisi.lotArrived(amisiAccount, `monthly-grant:${sub.subscriptionId}:0`);
      await amisi.use(amisiAccount, { feature: 'chat-message', quantity: 10 }, 'catchup-before-amisi');
      await visual.openAccount(resetAccount);
      await visual.login(resetAccount, 'catchup-login'); // the history records the loginId: the same in both runs
      await visual.use(resetAccount, { feature: 'image-editor', model: 'seedream-4.0' }, 'catchup-before-daily');

      for (const t of triggers) {
        await amisi.setClock(new Date(t));
        await amisi.tick();
      }
      // 90 days on: cycles 1..3 (Feb 28, Mar 31, Apr 30) are due.
      await amisi.setClock(new Date(T0 + 90 * DAY));
      await amisi.tick();
      await amisi.lotArrived(amisiAccount, `monthly-grant:${sub.subscriptionId}:3`);
      await waitFor('the daily expiry', async () => ((await visual.transactions(resetAccount)).some((t) => t.type === 'LotExpired') ? true : undefined), WAIT_MS);
      await sleep(500); // let any stray message land before comparing
      await amisi.use(amisiAccount, { feature: 'chat-message', quantity: 7 }, 'catchup-after-amisi');

      // The messages that caused the events sit at other offsets in the two runs: their principals differ.
      const history = async (client_: ReturnType<typeof client>, accountId: string) =>
        (await client_.transactions(accountId)).map(({ recordedAt: _r, revision: _v, principal: _p, ...rest }) => rest);
      const result = {
        balances: { amisi: await amisi.balance(amisiAccount), daily: await visual.balance(resetAccount) },
        history: { amisi: await history(amisi, amisiAccount), daily: await history(visual, resetAccount) },
      };
      await platform.close();
      const store = createEventStore({ kind: 'sqlite', path: join(dataDir, 'events.sqlite') });
      try {
        const scheduled = async (category: string) => (await store.readAll({ category })).map((e) => ({ stream: e.streamName, type: e.type, data: e.data }));
        return { ...result, scheduler: { subscriptions: await scheduled('subscription'), dailyResets: await scheduled('dailyreset') } };
      } finally {
        await store.close();
      }
    } catch (error) {
      await platform.close();
      throw error;
    }
  }

  it('gives the same balances, lots, wallet history and scheduler events', async () => {
    const daily = await runWith('daily', Array.from({ length: 89 }, (_, d) => T0 + (d + 1) * DAY));
    const once = await runWith('once', []);
    expect(once.balances).toEqual(daily.balances);
    expect(once.history).toEqual(daily.history);
    expect(once.scheduler).toEqual(daily.scheduler);
    // What they agree on is right: 40 + 50 at Feb 28, 90 + 50 at Mar 31, 140 -> 100 + 50 at Apr 30, then 7 used.
    expect(once.balances.amisi).toMatchObject({ available: '143', byType: { subscription: '143' } });
    expect(once.scheduler.dailyResets).toHaveLength(91);
    expect(once.history.daily.filter((t) => t.type === 'LotExpired')).toEqual([
      expect.objectContaining({ lotId: 'daily:2030-01-31', amount: '7', expiredAt: '2030-01-31T16:00:00.000Z' }),
    ]);
  }, 120_000);
});

describe('subscription messages from the payment side (creditflow.payments.v1 on the embedded bus)', () => {
  const platform = platformFor({ clock: 'manual' });
  const amisi = client(platform, 'amisi');
  let bus: SqliteBus;
  beforeAll(() => {
    bus = new SqliteBus(join(platform().dataDir, 'bus.sqlite'));
  });
  afterAll(async () => {
    await bus.close();
  });

  const payment = (id: string, type: string, accountId: string, data: Record<string, unknown>): CloudEvent<Record<string, unknown>> =>
    cloudEvent({ id, source: 'payments-test', type, subject: accountId, tenantid: 'amisi', time: new Date().toISOString(), data });
  const publish = (event: CloudEvent<Record<string, unknown>>) =>
    bus.publish(TOPICS.payments, [{ key: messageKey('amisi', event.subject!), value: event }]);

  it('starts and cancels like PUT and DELETE, applies a redelivered message once, and dead-letters bad ones', async () => {
    await amisi.setClock('2027-02-01T09:00:00Z');
    const accountId = await amisi.openAccount(uniqueId('amisi-pay'));
    const started = payment(uniqueId('pay'), PAYMENT_TYPES.subscriptionStarted, accountId, { accountId, planId: 'basic', billingPeriod: 'monthly' });
    await publish(started);
    const view = await waitFor('the subscription', async () => {
      const r = await amisi.subscription(accountId);
      return r.status === 200 ? r.body : undefined;
    }, WAIT_MS);
    expect(view).toMatchObject({ planId: 'basic', status: 'active', anchor: '2027-02-01T09:00:00.000Z' });
    expect((await amisi.lotArrived(accountId, `monthly-grant:${view.subscriptionId}:0`)).available).toBe('20');

    await publish(payment(uniqueId('pay'), PAYMENT_TYPES.subscriptionCancelled, accountId, { accountId }));
    await waitFor('the cancellation', async () => ((await amisi.subscription(accountId)).body.status === 'cancelling' ? true : undefined), WAIT_MS);

    // The start again, redelivered with its id: a new request would resume the subscription; this one changes nothing.
    await publish(started);
    const bad = [
      payment(uniqueId('pay'), PAYMENT_TYPES.subscriptionStarted, accountId, { accountId, billingPeriod: 'monthly' }),
      payment(uniqueId('pay'), PAYMENT_TYPES.subscriptionStarted, accountId, { accountId, planId: 'platinum', billingPeriod: 'monthly' }),
      payment(uniqueId('pay'), 'creditflow.payment.subscription-paused', accountId, { accountId }),
    ];
    for (const event of bad) await publish(event);
    const dead: { id: string; reason: string }[] = [];
    const consumer = await bus.consume({
      groupId: uniqueId('dlq-reader'),
      topics: [dlqTopic(TOPICS.payments)],
      handle: async (batch) => {
        for (const m of batch) {
          const { data } = JSON.parse(m.value);
          dead.push({ id: JSON.parse(data.value).id, reason: data.reason });
        }
      },
    });
    try {
      await waitFor('three dead letters', async () => (dead.length >= 3 ? true : undefined), WAIT_MS);
    } finally {
      await consumer.stop();
    }
    expect(dead.map((d) => d.id)).toEqual(bad.map((b) => b.id));
    expect(dead[0].reason).toMatch(/planId/);
    expect(dead[1].reason).toMatch(/unknown_plan/);
    expect(dead[2].reason).toMatch(/unknown payment type/);
    expect((await amisi.subscription(accountId)).body).toMatchObject({ status: 'cancelling', cancellation: { endsAt: '2027-03-01T09:00:00.000Z' } });
  });
});

// Seed fidelity (issue 13) and the price-paid check (issue 10, defect 9) through the public HTTP
// contract and the payment messages of the embedded platform, on the manual clock: what a purchase may
// be paid and why, and how the refund policies see it.
import { join } from 'node:path';
import { CloudEvent, PAYMENT_TYPES, TOPICS, cloudEvent, dlqTopic, messageKey } from '@creditflow/contracts';
import { waitFor } from '@creditflow/kernel/testing';
import { SqliteBus } from '@creditflow/messaging';
import { DAY, EmbeddedPlatform, HOUR, MINUTE, at, platformFor, tenantClient, uniqueId } from '@creditflow/testing';

/** How long these tests wait (`waitFor`) for what the bus carries. */
const WAIT_MS = 15_000;

function client(platform: () => EmbeddedPlatform, tenant: string) {
  const base = tenantClient(platform, tenant, { waitMs: WAIT_MS });
  const { call, ok } = base;
  return {
    ...base,
    purchase: (body: object) => call('admin', 'POST', '/v1/purchases', body),
    transactions: async (accountId: string) => (await ok(call('ops', 'GET', `/v1/accounts/${accountId}/transactions`))).transactions as Record<string, any>[],
    purchases: async (accountId: string) => (await ok(call('ops', 'GET', `/v1/accounts/${accountId}/purchases`))).purchases as Record<string, any>[],
    refund: (body: object) => ok(call('admin', 'POST', '/v1/refunds', body)),
  };
}

/** Reads the dead letters of `topic` on the embedded bus until `count` have arrived. */
async function deadLetters(bus: SqliteBus, topic: string, count: number): Promise<{ id: string; reason: string }[]> {
  const dead: { id: string; reason: string }[] = [];
  const consumer = await bus.consume({
    groupId: uniqueId('dlq-reader'),
    topics: [dlqTopic(topic)],
    handle: async (batch) => {
      for (const m of batch) {
        const { data } = JSON.parse(m.value);
        dead.push({ id: JSON.parse(data.value).id, reason: data.reason });
      }
    },
  });
  try {
    await waitFor(`${count} dead letters`, async () => (dead.length >= count ? true : undefined), WAIT_MS);
  } finally {
    await consumer.stop();
  }
  return dead;
}

describe('the price paid for a package (issue 10, defect 9; issue 13, rule 1)', () => {
  const platform = platformFor({ clock: 'manual', each: true }); // each test on its own timeline: the clock never goes back
  const apinfer = client(platform, 'apinfer');
  const visual = client(platform, 'visualgpt');
  const T = '2032-01-10T09:00:00Z';
  const basic = (accountId: string, over: object = {}) => ({ purchaseId: uniqueId('pur'), accountId, packageId: 'basic', amountPaid: '10.00', currency: 'CNY', ...over });

  it.each([
    ['999999999999999', '999999999999999.00'],
    ['0', '0.00'],
    ['9.99', '9.99'],
  ])('refuses the CNY 10 basic package paid %s without a reason: 422 price_mismatch naming both prices, and nothing changes', async (amountPaid, shown) => {
    await apinfer.setClock(at(T));
    const accountId = await apinfer.openAccount();
    const before = await apinfer.transactions(accountId);
    const body = basic(accountId, { amountPaid });
    const r = await apinfer.purchase(body);
    expect(r.status).toBe(422);
    expect(r.body).toEqual({
      error: 'price_mismatch', message: expect.stringContaining('package "basic" costs CNY 10.00'),
      details: { packageId: 'basic', listPrice: { amount: '10.00', currency: 'CNY' }, amountPaid: { amount: shown, currency: 'CNY' } },
    });
    expect(await apinfer.transactions(accountId)).toEqual(before);
    expect(await apinfer.balance(accountId)).toMatchObject({ available: '0', lots: [] });
    // Nothing was bought, so nothing can be refunded; the purchase id is still free.
    const refund = await apinfer.call('admin', 'POST', '/v1/refunds', { refundId: uniqueId('ref'), accountId, purchaseId: body.purchaseId, reason: 'unused_credits' });
    expect(refund).toMatchObject({ status: 404, body: { error: 'purchase_not_found' } });
    expect((await apinfer.purchase({ ...body, amountPaid: '10.00' })).status).toBe(200);
  });

  it('accepts another price with its reason, keeps list price and reason in the lot, and refunds at the price paid (apinfer)', async () => {
    await apinfer.setClock(at(T));
    const accountId = await apinfer.openAccount();
    const body = basic(accountId, { amountPaid: '8.00', discountCode: 'SPRING20' });
    const bought = await apinfer.purchase(body);
    expect(bought.status).toBe(200);
    expect(bought.body.lot).toMatchObject({
      amount: '100', costBasis: { paidMinor: '800', listPriceMinor: '1000', discounted: true, discountCode: 'SPRING20', promotional: false, currency: 'CNY' },
    });
    expect(await apinfer.purchases(accountId)).toEqual([
      expect.objectContaining({ purchaseId: body.purchaseId, paid: { amount: '8.00', currency: 'CNY' }, listPrice: { amount: '10.00', currency: 'CNY' }, discounted: true, discountCode: 'SPRING20' }),
    ]);
    // A repeat answers as the first did; the same id with another code is another request.
    expect((await apinfer.purchase(body)).body).toEqual(bought.body);
    expect((await apinfer.purchase({ ...body, discountCode: 'WINTER' })).status).toBe(409);

    const decision = await apinfer.refund({ refundId: uniqueId('ref'), accountId, purchaseId: body.purchaseId, reason: 'unused_credits' });
    expect(decision).toMatchObject({ status: 'approved', money: { amount: '8.00', currency: 'CNY' }, creditsClawedBack: '100' });
  });

  it('takes a price above the list price only under a custom contract', async () => {
    const accountId = await apinfer.openAccount();
    expect((await apinfer.purchase(basic(accountId, { amountPaid: '12.00', promotional: true }))).body).toMatchObject({ error: 'price_mismatch' });
    const contract = await apinfer.purchase(basic(accountId, { amountPaid: '12.00', contractId: 'ctr-42' }));
    expect(contract.body.lot.costBasis).toMatchObject({ paidMinor: '1200', listPriceMinor: '1000', discounted: false, contractId: 'ctr-42' });
  });

  it.each([
    ['a discount code', { amountPaid: '7.99', discountCode: 'WELCOME2' }, 'discount code WELCOME2'],
    ['a custom contract', { amountPaid: '5.00', contractId: 'ctr-9' }, 'contract ctr-9'],
  ])('denies visualgpt’s refund of an initial payment made at a discounted rate (%s): "promotional or discounted rates are final"', async (_what, price, why) => {
    await visual.setClock(at(T));
    const accountId = await visual.openAccount();
    const purchaseId = uniqueId('pur');
    expect((await visual.purchase({ purchaseId, accountId, packageId: 'small', currency: 'USD', ...price })).status).toBe(200);
    await visual.setClock(at(T, HOUR));
    const decision = await visual.refund({ refundId: uniqueId('ref'), accountId, purchaseId, reason: 'initial_payment' });
    expect(decision).toMatchObject({ status: 'denied', rule: 'REFUND.DISCOUNTED', reason: expect.stringContaining(why) });
    expect(decision.reason).toContain(`USD ${price.amountPaid} paid against a list price of USD 9.99`);
    expect(decision.money).toBeUndefined();
    expect((await visual.balance(accountId)).available).toBe('100');
  });

  it('still refunds visualgpt’s initial payment made at the list price', async () => {
    await visual.setClock(at(T));
    const accountId = await visual.openAccount();
    const purchaseId = uniqueId('pur');
    expect((await visual.purchase({ purchaseId, accountId, packageId: 'small', amountPaid: '9.99', currency: 'USD', discountCode: 'NOTHING-OFF' })).status).toBe(200);
    const decision = await visual.refund({ refundId: uniqueId('ref'), accountId, purchaseId, reason: 'initial_payment' });
    expect(decision).toMatchObject({ status: 'approved', money: { amount: '9.99', currency: 'USD' } });
  });

  describe('purchases from the payment side (creditflow.payments.v1 on the embedded bus)', () => {
    let bus: SqliteBus;
    beforeEach(() => {
      bus = new SqliteBus(join(platform().dataDir, 'bus.sqlite'));
    });
    afterEach(async () => {
      await bus.close();
    });
    const purchase = (accountId: string, data: Record<string, unknown>): CloudEvent<Record<string, unknown>> =>
      cloudEvent({ id: uniqueId('pay'), source: 'payments-test', type: PAYMENT_TYPES.purchase, subject: accountId, tenantid: 'apinfer', time: new Date().toISOString(), data });

    it('dead-letters a purchase paid another price without a reason (with the reason) and grants one that says why', async () => {
      const accountId = await apinfer.openAccount();
      const wrong = purchase(accountId, basic(accountId, { amountPaid: '999999999999999' }));
      const right = purchase(accountId, basic(accountId, { amountPaid: '0', promotional: true }));
      await bus.publish(TOPICS.payments, [wrong, right].map((value) => ({ key: messageKey('apinfer', accountId), value })));

      const [dead] = await deadLetters(bus, TOPICS.payments, 1);
      expect(dead).toEqual({ id: wrong.id, reason: expect.stringMatching(/^WALLET\.PRICE_MISMATCH: package "basic" costs CNY 10\.00, not CNY 999999999999999\.00/) });
      const balance = await apinfer.balanceWhen(accountId, 'the promotional purchase', (b) => b.available === '100');
      expect(balance.lots).toEqual([expect.objectContaining({ lotId: `purchase:${(right.data as { purchaseId: string }).purchaseId}` })]);
    });
  });
});

describe('daily free credits: one day’s at a time, one grant per loginId (issue 13, rules 2 and 3)', () => {
  const platform = platformFor({ clock: 'manual', each: true }); // each test on its own timeline: the clock never goes back
  const visual = client(platform, 'visualgpt');
  const login = (accountId: string, loginId = uniqueId('login')) => visual.ok(visual.call('service', 'POST', `/v1/accounts/${accountId}/logins`, { loginId }));

  it('gives a login at 23:50 UTC and another 20 minutes later one day’s credits (10), not two (20): the new lot replaces the old one', async () => {
    const late = '2032-02-10T23:50:00Z';
    await visual.setClock(late);
    const accountId = await visual.openAccount();
    const first = await login(accountId);
    expect(first).toMatchObject({ lotId: 'daily:2032-02-10', granted: '10', expiresAt: at(late, DAY).toISOString() });
    await visual.setClock(at(late, 20 * MINUTE));
    const second = await login(accountId);
    expect(second).toMatchObject({ lotId: 'daily:2032-02-11', granted: '10', expiresAt: at(late, DAY + 20 * MINUTE).toISOString() });

    expect(await visual.balance(accountId)).toMatchObject({ available: '10', byType: { daily: '10' } });
    const expired = (await visual.transactions(accountId)).filter((t) => t.type === 'LotExpired');
    expect(expired).toEqual([expect.objectContaining({ lotId: 'daily:2032-02-10', amount: '10', replacedBy: 'daily:2032-02-11' })]);
    // The replacing lot keeps its own 24 hours.
    await visual.setClock(at(late, DAY + 20 * MINUTE - 1));
    expect(await visual.balance(accountId)).toMatchObject({ available: '10' });
  });

  it('replaces only what is left: 3 spent of yesterday’s 10, then today’s login holds 10', async () => {
    const late = '2032-02-12T23:00:00Z';
    await visual.setClock(late);
    const accountId = await visual.openAccount();
    await login(accountId);
    await visual.charge(accountId, { feature: 'hair-color-changer' }); // 3
    await visual.setClock(at(late, 2 * HOUR));
    await login(accountId);
    expect(await visual.balance(accountId)).toMatchObject({ available: '10', byType: { daily: '10' } });
    expect((await visual.transactions(accountId)).filter((t) => t.type === 'LotExpired')).toEqual([expect.objectContaining({ amount: '7', replacedBy: 'daily:2032-02-13' })]);
  });

  it('answers the same loginId repeated a day later with its first answer and grants nothing', async () => {
    const start = '2032-02-14T09:00:00Z';
    await visual.setClock(start);
    const accountId = await visual.openAccount();
    const loginId = uniqueId('login');
    const first = await login(accountId, loginId);
    expect(first).toEqual({ loginId, lotId: 'daily:2032-02-14', granted: '10', expiresAt: at(start, DAY).toISOString() });

    await visual.setClock(at(start, DAY + HOUR)); // the first lot has expired; a new loginId would be granted
    const before = await visual.transactions(accountId);
    expect(await login(accountId, loginId)).toEqual(first);
    expect(await visual.balance(accountId)).toMatchObject({ available: '0', byType: { daily: '0' } });
    // Nothing granted or recorded for it (what time made due meanwhile, the first lot's expiry, is recorded as by any command).
    const since = (await visual.transactions(accountId)).slice(before.length).map((t) => t.type);
    expect(since.filter((t) => t === 'CreditsGranted' || t === 'LoginRecorded')).toEqual([]);

    expect(await login(accountId)).toMatchObject({ lotId: 'daily:2032-02-15', granted: '10' });
    expect(await visual.balance(accountId)).toMatchObject({ available: '10' });
  });

  it('gives another loginId of the same day the same lot, and remembers it: repeated the next day it grants nothing', async () => {
    const start = '2032-02-16T08:00:00Z';
    await visual.setClock(start);
    const accountId = await visual.openAccount();
    const first = await login(accountId);
    await visual.setClock(at(start, 3 * HOUR));
    const laterId = uniqueId('login');
    const later = await login(accountId, laterId);
    expect(later).toEqual({ ...first, loginId: laterId });
    expect(await visual.balance(accountId)).toMatchObject({ available: '10' });

    await visual.setClock(at(start, DAY + HOUR));
    expect(await login(accountId, laterId)).toEqual(later);
    expect(await visual.balance(accountId)).toMatchObject({ available: '0' });
  });
});

describe('automatic top-up per account (issue 13, rule 4)', () => {
  const platform = platformFor({ clock: 'manual', each: true }); // each test on its own timeline: the clock never goes back
  const apinfer = client(platform, 'apinfer');
  const visual = client(platform, 'visualgpt');
  const setAutoTopUp = (c: typeof apinfer, accountId: string, body: object) => c.call('admin', 'PUT', `/v1/accounts/${accountId}/auto-top-up`, body);
  const autoTopUp = (c: typeof apinfer, accountId: string) => c.ok(c.call('ops', 'GET', `/v1/accounts/${accountId}/auto-top-up`));
  const funded = async () => {
    const accountId = await apinfer.openAccount();
    expect((await apinfer.purchase({ purchaseId: uniqueId('pur'), accountId, packageId: 'basic', amountPaid: '10.00', currency: 'CNY' })).status).toBe(200);
    return accountId;
  };
  const requests = async (c: typeof apinfer, accountId: string) => (await c.transactions(accountId)).filter((t) => t.type === 'AutoTopUpRequested');

  it('keeps the tenant default for an account that never chose (apinfer: basic below 10)', async () => {
    const accountId = await funded();
    expect(await autoTopUp(apinfer, accountId)).toEqual({ accountId, enabled: true, threshold: '10', packageId: 'basic', source: 'tenant' });
  });

  it('asks for the account’s own package at its own threshold', async () => {
    const accountId = await funded();
    const set = await setAutoTopUp(apinfer, accountId, { enabled: true, threshold: '50', packageId: 'standard' });
    expect(set).toMatchObject({ status: 200, body: { accountId, enabled: true, threshold: '50', packageId: 'standard', source: 'account' } });
    expect(await autoTopUp(apinfer, accountId)).toEqual(set.body);

    await apinfer.charge(accountId, { feature: 'qwen-image', quantity: 30 }); // 52.5: 47.5 left, below 50
    expect(await requests(apinfer, accountId)).toEqual([expect.objectContaining({ packageId: 'standard', threshold: '50', available: '47.5' })]);
    await apinfer.charge(accountId, { feature: 'qwen-image', quantity: 22 }); // 38.5: 9 left, below the tenant's 10: no second request
    expect(await requests(apinfer, accountId)).toHaveLength(1);
    // The low-balance alert is the tenant's and stays at 10.
    expect((await apinfer.transactions(accountId)).filter((t) => t.type === 'LowBalanceAlertRaised')).toEqual([expect.objectContaining({ threshold: '10' })]);
  });

  it('asks for nothing for an account that switched it off; its low-balance alert still comes', async () => {
    const accountId = await funded();
    expect((await setAutoTopUp(apinfer, accountId, { enabled: false })).body).toEqual({ accountId, enabled: false, threshold: null, packageId: null, source: 'account' });
    await apinfer.charge(accountId, { feature: 'qwen-image', quantity: 52 }); // 91: 9 left
    expect(await requests(apinfer, accountId)).toEqual([]);
    expect((await apinfer.transactions(accountId)).map((t) => t.type)).toContain('LowBalanceAlertRaised');
  });

  it('lets a visualgpt account (no tenant default) opt in with its threshold and package, and refuses it without them', async () => {
    const accountId = await visual.openAccount();
    expect(await autoTopUp(visual, accountId)).toEqual({ accountId, enabled: false, threshold: null, packageId: null, source: 'tenant' });
    const incomplete = await setAutoTopUp(visual, accountId, { enabled: true, threshold: '20' });
    expect(incomplete).toMatchObject({ status: 422, body: { error: 'auto_top_up_incomplete', details: { missing: ['packageId'] } } });
    expect((await setAutoTopUp(visual, accountId, { enabled: true, threshold: '20', packageId: 'gold' })).body).toMatchObject({ error: 'unknown_package' });
    expect((await setAutoTopUp(visual, accountId, { enabled: true, threshold: '0', packageId: 'small' })).status).toBe(400);
    expect((await setAutoTopUp(visual, accountId, { enabled: 'yes' })).status).toBe(400);

    expect((await setAutoTopUp(visual, accountId, { enabled: true, threshold: '20', packageId: 'small' })).status).toBe(200);
    await visual.reward(accountId, '25');
    await visual.charge(accountId, { feature: 'photo-to-sketch' }); // 5: 20 left, not below
    await visual.charge(accountId, { feature: 'image-upscaler' }); // 19 left
    expect(await requests(visual, accountId)).toEqual([expect.objectContaining({ packageId: 'small', threshold: '20', available: '19' })]);
  });

  it('answers 404 for an account that does not exist, and needs the admin role to change it', async () => {
    expect((await setAutoTopUp(apinfer, 'nobody-here', { enabled: false })).status).toBe(404);
    const accountId = await funded();
    expect((await apinfer.call('service', 'PUT', `/v1/accounts/${accountId}/auto-top-up`, { enabled: false })).status).toBe(403);
  });

  describe('from the payment side (creditflow.payment.auto-top-up-configured on the embedded bus)', () => {
    let bus: SqliteBus;
    beforeEach(() => {
      bus = new SqliteBus(join(platform().dataDir, 'bus.sqlite'));
    });
    afterEach(async () => {
      await bus.close();
    });
    const configured = (accountId: string, data: Record<string, unknown>): CloudEvent<Record<string, unknown>> =>
      cloudEvent({ id: uniqueId('pay'), source: 'payments-test', type: PAYMENT_TYPES.autoTopUpConfigured, subject: accountId, tenantid: 'apinfer', time: new Date().toISOString(), data });

    it('sets the account’s options like PUT does, and dead-letters bad ones with the reason (the scheduler leaves them alone)', async () => {
      const accountId = await funded();
      const bad = [
        configured(accountId, { accountId, enabled: true, packageId: 'platinum' }),
        configured(accountId, { accountId, threshold: '5' }),
      ];
      const good = configured(accountId, { accountId, enabled: true, threshold: '95', packageId: 'premium' });
      await bus.publish(TOPICS.payments, [...bad, good].map((value) => ({ key: messageKey('apinfer', accountId), value })));

      const dead = await deadLetters(bus, TOPICS.payments, 2);
      expect(dead.map((d) => d.id).sort()).toEqual(bad.map((b) => b.id).sort());
      expect(dead.find((d) => d.id === bad[0].id)!.reason).toMatch(/^WALLET\.UNKNOWN_PACKAGE/);
      expect(dead.find((d) => d.id === bad[1].id)!.reason).toMatch(/enabled/);
      await waitFor('the settings', async () => ((await autoTopUp(apinfer, accountId)).packageId === 'premium' ? true : undefined), WAIT_MS);
      expect(await autoTopUp(apinfer, accountId)).toEqual({ accountId, enabled: true, threshold: '95', packageId: 'premium', source: 'account' });
      await apinfer.charge(accountId, { feature: 'qwen-image', quantity: 4 }); // 7: 93 left
      expect(await requests(apinfer, accountId)).toEqual([expect.objectContaining({ packageId: 'premium', threshold: '95' })]);
    });
  });
});

describe('usage reports by model, by resolution and by quality (issue 13, rule 5)', () => {
  const platform = platformFor({ clock: 'manual', each: true }); // each test on its own timeline: the clock never goes back
  const apinfer = client(platform, 'apinfer');
  const visual = client(platform, 'visualgpt');
  /** The account's usage report once the read model has all `uses` of it. */
  const report = (c: typeof apinfer, accountId: string, groupBy: string, uses: number, format = 'json') =>
    waitFor(`${accountId} by ${groupBy}`, async () => {
      const r = await c.call('ops', 'GET', `/v1/accounts/${accountId}/reports/usage?groupBy=${groupBy}&format=${format}`);
      if (r.status !== 200) return undefined;
      const json = format === 'json' ? r.body : (await c.call('ops', 'GET', `/v1/accounts/${accountId}/reports/usage?groupBy=${groupBy}`)).body;
      return json.rows.reduce((n: number, row: { uses: number }) => n + row.uses, 0) === uses ? r.body : undefined;
    }, WAIT_MS);

  it('files apinfer’s resolutions under resolution, not model, and its qualities (the default one by name) under quality', async () => {
    const accountId = await apinfer.openAccount();
    expect((await apinfer.purchase({ purchaseId: uniqueId('pur'), accountId, packageId: 'basic', amountPaid: '10.00', currency: 'CNY' })).status).toBe(200);
    await apinfer.charge(accountId, { feature: 'qwen-image', resolution: '2048x2048', quality: 'high' }); // 2.625
    await apinfer.charge(accountId, { feature: 'qwen-image', resolution: '2048x2048' }); // 1.75, standard by default
    await apinfer.charge(accountId, { feature: 'qwen-image', resolution: '1024x1024', quality: 'ultra', quantity: 2 }); // 7

    expect((await report(apinfer, accountId, 'model', 3)).rows).toEqual([{ model: '', uses: 3, credits: '11.375' }]);
    expect((await report(apinfer, accountId, 'resolution', 3)).rows).toEqual([
      { resolution: '1024x1024', uses: 1, credits: '7' },
      { resolution: '2048x2048', uses: 2, credits: '4.375' },
    ]);
    expect((await report(apinfer, accountId, 'quality', 3)).rows).toEqual([
      { quality: 'high', uses: 1, credits: '2.625' },
      { quality: 'standard', uses: 1, credits: '1.75' },
      { quality: 'ultra', uses: 1, credits: '7' },
    ]);
    expect(await report(apinfer, accountId, 'resolution', 3, 'csv')).toBe('resolution,uses,credits\r\n1024x1024,1,7\r\n2048x2048,2,4.375\r\n');
  });

  it('files visualgpt’s image-editor models under model', async () => {
    const accountId = await visual.openAccount();
    await visual.reward(accountId, '20');
    await visual.charge(accountId, { feature: 'image-editor', model: 'nano-banana' });
    await visual.charge(accountId, { feature: 'image-editor', model: 'seedream-4.0' });
    await visual.charge(accountId, { feature: 'image-upscaler' });
    expect((await report(visual, accountId, 'model', 3)).rows).toEqual([
      { model: '', uses: 1, credits: '1' },
      { model: 'nano-banana', uses: 1, credits: '4' },
      { model: 'seedream-4.0', uses: 1, credits: '3' },
    ]);
    expect((await report(visual, accountId, 'quality', 3)).rows).toEqual([{ quality: '', uses: 3, credits: '8' }]);
  });

  it('refuses an unknown groupBy, naming the groups', async () => {
    const r = await apinfer.call('ops', 'GET', '/v1/reports/usage?groupBy=detail');
    expect(r).toMatchObject({ status: 400, body: { error: 'invalid_request', message: 'groupBy must be one of feature, user, day, model, resolution, quality' } });
  });
});

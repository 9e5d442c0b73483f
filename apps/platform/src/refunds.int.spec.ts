// Refunds (SPEC section 6, issue 5) through the public HTTP contract on the embedded platform, on the
// manual clock: each tenant's policy approving and denying, the window edges, promotional and repeat
// purchases, partly and fully used purchases, the consumption order deciding which lot is unused, and
// one refund requested twice paying once. The wallet applies decisions from the bus, so balances
// after a decision are awaited.
import { waitFor } from '@creditflow/kernel/testing';
import { DAY, HOUR, MINUTE, at, platformFor, tenantClient, uniqueId } from '@creditflow/testing';

type Tenant = 'visualgpt' | 'gptimage2' | 'amisi' | 'apinfer';

const platform = platformFor({ clock: 'manual', each: true });

function client(tenant: Tenant) {
  const base = tenantClient(platform, tenant);
  const { call, ok } = base;
  const self = {
    ...base,
    purchase: (accountId: string, packageId: string, amountPaid: string, currency: string, extra: object = {}) => {
      const purchaseId = uniqueId('pur');
      return ok(call('admin', 'POST', '/v1/purchases', { purchaseId, accountId, packageId, amountPaid, currency, ...extra })).then(() => purchaseId);
    },
    /** Authorizes and completes one usage; returns its id. */
    use: async (accountId: string, usage: object) => (await base.charge(accountId, usage, uniqueId('use'))).usageId,
    refund: (body: object) => call('admin', 'POST', '/v1/refunds', body),
    refundOk: (body: object) => ok(call('admin', 'POST', '/v1/refunds', body)),
    record: (refundId: string) => call('ops', 'GET', `/v1/refunds/${refundId}`),
    transactions: (accountId: string) => ok(call('ops', 'GET', `/v1/accounts/${accountId}/transactions`)),
    purchases: (accountId: string) => ok(call('ops', 'GET', `/v1/accounts/${accountId}/purchases`)),
    /** Waits until the account's available balance is `available`. */
    available: (accountId: string, available: string) => base.balanceWhen(accountId, `${accountId} at ${available}`, (b) => b.available === available),
    /** Waits until a money refund's claw-back has settled (or voided) and returns the record. */
    settled: (refundId: string) =>
      waitFor(`settlement of ${refundId}`, async () => {
        const r = await self.record(refundId);
        return r.status === 200 && r.body.settlement !== 'pending' ? r.body : undefined;
      }),
  };
  return self;
}

const visual = client('visualgpt');
const apinfer = client('apinfer');
const gpt = client('gptimage2');
const amisi = client('amisi');

describe('visualgpt: initial payment within 24 h, never promotional, never a repeat purchase', () => {
  const T = '2031-01-10T09:00:00Z';
  const small = (accountId: string, extra: object = {}) => visual.purchase(accountId, 'small', '9.99', 'USD', extra); // 100 credits
  /** An account opened at T that bought the small package then. */
  const boughtSmallAtT = async (extra: object = {}) => {
    await visual.setClock(at(T));
    const accountId = await visual.openAccount();
    return { accountId, purchaseId: await small(accountId, extra) };
  };

  it('refunds the unused credits of a partly used initial payment at 23 h 59 min, at its price per credit, and the wallet claws them back', async () => {
    const { accountId, purchaseId } = await boughtSmallAtT();
    await visual.use(accountId, { feature: 'image-editor', model: 'seedream-4.0' }); // 3 credits
    await visual.setClock(at(T, 23 * HOUR + 59 * MINUTE));

    const refundId = uniqueId('ref');
    const decision = await visual.refundOk({ refundId, accountId, purchaseId, reason: 'initial_payment' });
    expect(decision).toEqual({
      refundId, accountId, purchaseId, status: 'approved', rule: 'REFUND.INITIAL_PAYMENT_WINDOW', policy: 'initial-payment-window',
      reason: expect.stringContaining('original price per credit'),
      money: { amount: '9.69', currency: 'USD' }, // 97 of 100 credits bought for 9.99: 9.6903, rounded to the cent
      moneyUnrounded: { amount: '9.6903', currency: 'USD' }, rounding: 'half-even',
      creditsClawedBack: '97', lotId: `purchase:${purchaseId}`, settlement: 'pending',
      decidedAt: at(T, 23 * HOUR + 59 * MINUTE).toISOString(),
    });
    await visual.available(accountId, '0');
    expect(await visual.settled(refundId)).toMatchObject({ settlement: 'settled', money: { amount: '9.69', currency: 'USD' } });
    const lot = (await visual.balance(accountId)).lots.find((l: { lotId: string }) => l.lotId === `purchase:${purchaseId}`);
    expect(lot).toMatchObject({ amount: '100', remaining: '0' });
  });

  it('denies the same request at 24 h 01 min', async () => {
    const { accountId, purchaseId } = await boughtSmallAtT();
    await visual.setClock(at(T, 24 * HOUR + MINUTE));
    const decision = await visual.refundOk({ refundId: uniqueId('ref'), accountId, purchaseId, reason: 'initial_payment' });
    expect(decision).toMatchObject({ status: 'denied', rule: 'REFUND.OUTSIDE_WINDOW', reason: expect.stringContaining('24 hours') });
    expect(decision.money).toBeUndefined();
    expect(decision.creditsClawedBack).toBeUndefined();
    expect((await visual.balance(accountId)).available).toBe('100');
  });

  it('denies a promotional initial payment', async () => {
    const { accountId, purchaseId } = await boughtSmallAtT({ promotional: true });
    await visual.setClock(at(T, HOUR));
    const decision = await visual.refundOk({ refundId: uniqueId('ref'), accountId, purchaseId, reason: 'initial_payment' });
    expect(decision).toMatchObject({ status: 'denied', rule: 'REFUND.PROMOTIONAL' });
  });

  it('denies a repeat purchase within 24 h and still refunds the initial one', async () => {
    const { accountId, purchaseId: first } = await boughtSmallAtT();
    await visual.setClock(at(T, HOUR));
    const second = await small(accountId);
    await visual.setClock(at(T, 2 * HOUR));

    const repeat = await visual.refundOk({ refundId: uniqueId('ref'), accountId, purchaseId: second, reason: 'unused_credits' });
    expect(repeat).toMatchObject({ status: 'denied', rule: 'REFUND.NOT_INITIAL_PAYMENT' });
    // Both lots are topup and never expire: the older one is consumed first, so nothing was used of either yet.
    const initial = await visual.refundOk({ refundId: uniqueId('ref'), accountId, purchaseId: first, reason: 'initial_payment' });
    expect(initial).toMatchObject({ status: 'approved', money: { amount: '9.99', currency: 'USD' }, creditsClawedBack: '100' });
    await visual.available(accountId, '100');
  });

  it('denies a fully used initial payment: nothing unused', async () => {
    const { accountId, purchaseId } = await boughtSmallAtT();
    await visual.use(accountId, { feature: 'image-editor', model: 'flux-kontext-pro', quantity: 20 }); // 100 credits
    await visual.setClock(at(T, HOUR));
    const decision = await visual.refundOk({ refundId: uniqueId('ref'), accountId, purchaseId, reason: 'initial_payment' });
    expect(decision).toMatchObject({ status: 'denied', rule: 'REFUND.NOTHING_UNUSED' });
  });

  it('restores a generation that failed through system failure, once', async () => {
    const { accountId } = await boughtSmallAtT();
    const usageId = await visual.use(accountId, { feature: 'image-editor', model: 'nano-banana' }); // 4 credits
    expect((await visual.call('service', 'POST', `/v1/usage/${usageId}/fail`, { reason: 'platform_error' })).status).toBe(200);

    // Without a request: the failure itself becomes restoration `restore:<usageId>`.
    await visual.available(accountId, '100');
    expect((await visual.record(`restore:${usageId}`)).body).toMatchObject({ status: 'approved', rule: 'REFUND.PLATFORM_ERROR_RESTORED', creditsRestored: '4' });
    // A request for the same failure afterwards pays nothing more.
    const again = await visual.refundOk({ refundId: uniqueId('ref'), accountId, usageId, reason: 'system_failure' });
    expect(again).toMatchObject({ status: 'denied', rule: 'REFUND.DUPLICATE' });
    expect((await visual.balance(accountId)).available).toBe('100');
  });

  it('denies a system_failure request for a generation that was cancelled, not failed', async () => {
    const { accountId } = await boughtSmallAtT();
    const usageId = await visual.use(accountId, { feature: 'image-upscaler' });
    await visual.call('service', 'POST', `/v1/usage/${usageId}/fail`, { reason: 'cancelled' });
    const decision = await visual.refundOk({ refundId: uniqueId('ref'), accountId, usageId, reason: 'system_failure' });
    expect(decision).toMatchObject({ status: 'denied', rule: 'REFUND.NOT_A_PLATFORM_ERROR' });
    expect((await visual.balance(accountId)).available).toBe('99');
  });
});

describe('apinfer: unused credits of any purchase within 30 days, at its price per credit', () => {
  const T = '2031-03-01T00:00:00Z';
  const basic = (accountId: string) => apinfer.purchase(accountId, 'basic', '10', 'CNY'); // 100 credits
  /** An account opened at T that bought the basic package then. */
  const boughtBasicAtT = async () => {
    await apinfer.setClock(at(T));
    const accountId = await apinfer.openAccount();
    return { accountId, purchaseId: await basic(accountId) };
  };

  it('approves on day 30 and denies on day 31', async () => {
    await apinfer.setClock(at(T));
    const onDay30 = await apinfer.openAccount();
    const onDay31 = await apinfer.openAccount();
    const p30 = await basic(onDay30);
    const p31 = await basic(onDay31);

    await apinfer.setClock(at(T, 30 * DAY)); // the last instant of day 30
    const approved = await apinfer.refundOk({ refundId: uniqueId('ref'), accountId: onDay30, purchaseId: p30, reason: 'unused_credits' });
    expect(approved).toMatchObject({ status: 'approved', rule: 'REFUND.UNUSED_CREDITS_WINDOW', money: { amount: '10.00', currency: 'CNY' }, creditsClawedBack: '100' });

    await apinfer.setClock(at(T, 30 * DAY + MINUTE)); // day 31
    const denied = await apinfer.refundOk({ refundId: uniqueId('ref'), accountId: onDay31, purchaseId: p31, reason: 'unused_credits' });
    expect(denied).toMatchObject({ status: 'denied', rule: 'REFUND.OUTSIDE_WINDOW', reason: expect.stringContaining('30 days') });
    await apinfer.available(onDay30, '0');
    expect((await apinfer.balance(onDay31)).available).toBe('100');
  });

  it('refunds a partly used purchase pro rata, rounded to the fen as the policy says (half-even), showing the unrounded figure', async () => {
    const { accountId, purchaseId } = await boughtBasicAtT();
    await apinfer.use(accountId, { feature: 'qwen-image', quality: 'high' }); // 2.625
    await apinfer.setClock(at(T, 3 * DAY));
    const decision = await apinfer.refundOk({ refundId: uniqueId('ref'), accountId, purchaseId, reason: 'unused_credits' });
    expect(decision).toMatchObject({
      status: 'approved', money: { amount: '9.74', currency: 'CNY' }, moneyUnrounded: { amount: '9.7375', currency: 'CNY' }, rounding: 'half-even',
      creditsClawedBack: '97.375',
    });
    await apinfer.available(accountId, '0');
  });

  it('refunds 92.125 unused credits of the basic package as CNY 9.21 (9.2125 unrounded), and a tie (9.825) to the even fen, 9.82', async () => {
    const { accountId, purchaseId } = await boughtBasicAtT();
    for (const quality of ['standard', 'high', 'ultra']) await apinfer.use(accountId, { feature: 'qwen-image', quality }); // 7.875
    await apinfer.setClock(at(T, DAY));
    const decision = await apinfer.refundOk({ refundId: uniqueId('ref'), accountId, purchaseId, reason: 'unused_credits' });
    expect(decision).toMatchObject({ money: { amount: '9.21', currency: 'CNY' }, moneyUnrounded: { amount: '9.2125', currency: 'CNY' }, creditsClawedBack: '92.125' });
    await apinfer.available(accountId, '0');
    const tie = { accountId: await apinfer.openAccount() }; // at T + 1 day: the clock never goes back
    const tiePurchase = await basic(tie.accountId);
    await apinfer.use(tie.accountId, { feature: 'qwen-image' }); // 1.75
    const tied = await apinfer.refundOk({ refundId: uniqueId('ref'), accountId: tie.accountId, purchaseId: tiePurchase, reason: 'unused_credits' });
    expect(tied).toMatchObject({ money: { amount: '9.82', currency: 'CNY' }, moneyUnrounded: { amount: '9.825', currency: 'CNY' }, rounding: 'half-even' });
  });

  it('lets the consumption order decide which of two purchases is unused', async () => {
    const { accountId, purchaseId: older } = await boughtBasicAtT();
    await apinfer.setClock(at(T, HOUR));
    const newer = await basic(accountId);
    // 140 credits: same type, neither expires, so the oldest lot first: 100 from `older`, 40 from `newer`.
    await apinfer.use(accountId, { feature: 'qwen-image', quantity: 80 });
    await apinfer.setClock(at(T, DAY));

    expect((await apinfer.purchases(accountId)).purchases).toEqual([
      expect.objectContaining({ purchaseId: older, unused: '0', initialPayment: true }),
      expect.objectContaining({ purchaseId: newer, unused: '60', initialPayment: false }),
    ]);
    const olderRefund = await apinfer.refundOk({ refundId: uniqueId('ref'), accountId, purchaseId: older, reason: 'unused_credits' });
    expect(olderRefund).toMatchObject({ status: 'denied', rule: 'REFUND.NOTHING_UNUSED' });
    const newerRefund = await apinfer.refundOk({ refundId: uniqueId('ref'), accountId, purchaseId: newer, reason: 'unused_credits' });
    expect(newerRefund).toMatchObject({ status: 'approved', money: { amount: '6.00', currency: 'CNY' }, creditsClawedBack: '60', lotId: `purchase:${newer}` });
    await apinfer.available(accountId, '0');
  });

  it('pays once when the same refund is requested twice, and refuses a second refund of the purchase', async () => {
    const { accountId, purchaseId } = await boughtBasicAtT();
    await apinfer.use(accountId, { feature: 'qwen-image' }); // 1.75
    await apinfer.setClock(at(T, DAY));
    const refundId = uniqueId('ref');
    const body = { refundId, accountId, purchaseId, reason: 'unused_credits' };

    const first = await apinfer.refundOk(body);
    expect(first).toMatchObject({ status: 'approved', money: { amount: '9.82', currency: 'CNY' }, creditsClawedBack: '98.25' });
    await apinfer.settled(refundId);
    await apinfer.setClock(at(T, DAY + HOUR));
    const second = await apinfer.refundOk(body);
    expect(second).toEqual({ ...first, settlement: 'settled' });

    const other = await apinfer.refundOk({ ...body, refundId: uniqueId('ref') });
    expect(other).toMatchObject({ status: 'denied', rule: 'REFUND.DUPLICATE', reason: expect.stringContaining(refundId) });

    await apinfer.available(accountId, '0');
    const clawBacks = (await apinfer.transactions(accountId)).transactions.filter((t: { type: string }) => t.type === 'CreditsClawedBack');
    expect(clawBacks).toEqual([expect.objectContaining({ refundId, lotId: `purchase:${purchaseId}`, amount: '98.25' })]);
  });

  it('keeps decisions and what it knows of the wallet across a restart', async () => {
    const { accountId, purchaseId } = await boughtBasicAtT();
    const other = await basic(accountId);
    const body = { refundId: uniqueId('ref'), accountId, purchaseId, reason: 'unused_credits' };
    const first = await apinfer.refundOk(body);
    await apinfer.settled(body.refundId);

    await platform().restart();
    expect(await apinfer.refundOk(body)).toEqual({ ...first, settlement: 'settled' });
    expect(await apinfer.refundOk({ ...body, refundId: uniqueId('ref') })).toMatchObject({ status: 'denied', rule: 'REFUND.DUPLICATE' });
    expect(await apinfer.refundOk({ refundId: uniqueId('ref'), accountId, purchaseId: other, reason: 'unused_credits' })).toMatchObject({
      status: 'approved', creditsClawedBack: '100',
    });
    await apinfer.available(accountId, '0');
  });

  it('answers a refundId reused for another request with 409 and decides nothing', async () => {
    const { accountId, purchaseId } = await boughtBasicAtT();
    const other = await basic(accountId);
    const refundId = uniqueId('ref');
    await apinfer.refundOk({ refundId, accountId, purchaseId, reason: 'unused_credits' });
    const reused = await apinfer.refund({ refundId, accountId, purchaseId: other, reason: 'unused_credits' });
    expect(reused.status).toBe(409);
    expect(reused.body).toMatchObject({ error: 'id_reused', message: expect.any(String) });
  });

  it('refunds only unheld credits while a generation is in flight; the released hold stays with the account', async () => {
    const { accountId, purchaseId } = await boughtBasicAtT();
    const usageId = uniqueId('use');
    expect((await apinfer.call('service', 'POST', '/v1/usage/authorize', { usageId, accountId, feature: 'qwen-image', quality: 'high' })).status).toBe(200);

    const decision = await apinfer.refundOk({ refundId: uniqueId('ref'), accountId, purchaseId, reason: 'unused_credits' });
    expect(decision).toMatchObject({ status: 'approved', creditsClawedBack: '97.375', money: { amount: '9.74', currency: 'CNY' } }); // 9.7375, half-even
    await apinfer.available(accountId, '0');
    expect((await apinfer.balance(accountId)).held).toBe('2.625');

    await apinfer.call('service', 'POST', `/v1/usage/${usageId}/fail`, { reason: 'cancelled' });
    expect(await apinfer.balance(accountId)).toMatchObject({ available: '2.625', held: '0' });
  });

  it('restores a platform-error failure on request (apinfer does not restore without one)', async () => {
    const { accountId } = await boughtBasicAtT();
    const usageId = await apinfer.use(accountId, { feature: 'qwen-image' });
    await apinfer.call('service', 'POST', `/v1/usage/${usageId}/fail`, { reason: 'platform_error' });
    const automatic = await waitFor('the automatic decision', async () => {
      const r = await apinfer.record(`restore:${usageId}`);
      return r.status === 200 ? r.body : undefined;
    });
    expect(automatic).toMatchObject({ status: 'denied', rule: 'REFUND.NO_RESTORATION' });

    const decision = await apinfer.refundOk({ refundId: uniqueId('ref'), accountId, usageId, reason: 'system_failure' });
    expect(decision).toMatchObject({ status: 'approved', rule: 'REFUND.PLATFORM_ERROR_RESTORED', creditsRestored: '1.75' });
    expect(decision.settlement).toBeUndefined();
    await apinfer.available(accountId, '100');
  });

  it('answers 404 for an unknown purchase or account and records nothing, and 400 for a malformed request', async () => {
    await apinfer.setClock(at(T));
    const accountId = await apinfer.openAccount();
    const refundId = uniqueId('ref');
    const unknownPurchase = await apinfer.refund({ refundId, accountId, purchaseId: 'nope', reason: 'unused_credits' });
    expect(unknownPurchase).toMatchObject({ status: 404, body: { error: 'purchase_not_found' } });
    expect((await apinfer.record(refundId)).status).toBe(404);
    expect((await apinfer.refund({ refundId, accountId: 'nobody', purchaseId: 'nope', reason: 'unused_credits' })).body).toMatchObject({ error: 'account_not_found' });
    expect((await apinfer.refund({ refundId, accountId, reason: 'unused_credits' })).status).toBe(400);
    expect((await apinfer.refund({ refundId, accountId, purchaseId: 'p', reason: 'bored' })).status).toBe(400);
    // The refundId is still free.
    const purchaseId = await basic(accountId);
    expect((await apinfer.refundOk({ refundId, accountId, purchaseId, reason: 'unused_credits' })).status).toBe('approved');
  });

  it('never shows one tenant’s accounts to another (404) and needs the admin role (403)', async () => {
    const { accountId, purchaseId } = await boughtBasicAtT();
    const foreign = await visual.refund({ refundId: uniqueId('ref'), accountId, purchaseId, reason: 'unused_credits' });
    expect(foreign).toMatchObject({ status: 404, body: { error: 'account_not_found' } });
    const asService = await apinfer.call('service', 'POST', '/v1/refunds', { refundId: uniqueId('ref'), accountId, purchaseId, reason: 'unused_credits' });
    expect(asService.status).toBe(403);
  });
});

describe('gptimage2: failed generations get their credits back; no money refunds here', () => {
  const T = '2031-05-01T00:00:00Z';

  it('restores a generation that failed through platform error, and denies a money request saying why', async () => {
    await gpt.setClock(at(T));
    const accountId = await gpt.openAccount(); // 20 trial credits
    const purchaseId = await gpt.purchase(accountId, 'small', '4.99', 'USD');
    const usageId = await gpt.use(accountId, { feature: 'text-to-image', resolution: '2K' }); // 20, from the trial lot
    await gpt.call('service', 'POST', `/v1/usage/${usageId}/fail`, { reason: 'platform_error' });
    await gpt.available(accountId, '120');
    expect((await gpt.record(`restore:${usageId}`)).body).toMatchObject({ status: 'approved', creditsRestored: '20', policy: 'platform-error-restores' });

    const money = await gpt.refundOk({ refundId: uniqueId('ref'), accountId, purchaseId, reason: 'unused_credits' });
    expect(money).toMatchObject({ status: 'denied', rule: 'REFUND.REASON_NOT_COVERED', reason: expect.stringContaining('platform or model error') });
  });

  it('denies a system_failure request for a generation that did not fail', async () => {
    await gpt.setClock(at(T));
    const accountId = await gpt.openAccount();
    const usageId = await gpt.use(accountId, { feature: 'text-to-image', resolution: '1K' });
    const decision = await gpt.refundOk({ refundId: uniqueId('ref'), accountId, usageId, reason: 'system_failure' });
    expect(decision).toMatchObject({ status: 'denied', rule: 'REFUND.NOT_A_PLATFORM_ERROR' });
    expect((await gpt.balance(accountId)).available).toBe('10');
  });
});

describe('amisi: credits are non-refundable', () => {
  const T = '2031-06-01T00:00:00Z';

  it('denies every request with the tenant’s sentence and changes nothing', async () => {
    await amisi.setClock(at(T));
    const accountId = await amisi.openAccount();
    const purchaseId = await amisi.purchase(accountId, 'small', '4.99', 'USD'); // 10 credits
    const usageId = await amisi.use(accountId, { feature: 'chat-message' });
    await amisi.call('service', 'POST', `/v1/usage/${usageId}/fail`, { reason: 'platform_error' });
    for (const body of [
      { purchaseId, reason: 'initial_payment' },
      { purchaseId, reason: 'unused_credits' },
      { usageId, reason: 'system_failure' },
    ]) {
      const decision = await amisi.refundOk({ refundId: uniqueId('ref'), accountId, ...body });
      expect(decision).toMatchObject({ status: 'denied', rule: 'REFUND.NON_REFUNDABLE', policy: 'none', reason: expect.stringContaining('non-refundable') });
    }
    const automatic = await waitFor('the automatic decision', async () => {
      const r = await amisi.record(`restore:${usageId}`);
      return r.status === 200 ? r.body : undefined;
    });
    expect(automatic).toMatchObject({ status: 'denied', rule: 'REFUND.NON_REFUNDABLE' });
    expect((await amisi.balance(accountId)).available).toBe('9');
  });
});

import { Logger } from '@nestjs/common';
// The embedded platform through its public HTTP contract (SPEC section 4) only: the same runtime and
// services `npm start` hosts, on a temporary data directory. One platform per describe block; every
// test opens its own accounts, so tests do not depend on each other's order.
import type { Role } from '@creditflow/shell';
import { DAY, EmbeddedPlatform, HOUR, MINUTE, apiKey, at, platformFor, tenantClient, uniqueId } from '@creditflow/testing';

const TENANTS = ['visualgpt', 'gptimage2', 'listing-editor', 'amisi', 'apinfer'] as const;
type Tenant = (typeof TENANTS)[number];

const DECIMAL_STRING = /^\d+(\.\d+)?$/;

/** The public contract for one tenant, with that tenant's default keys; these tests read statuses, so writes answer the response. */
function client(platform: () => EmbeddedPlatform, tenant: Tenant) {
  const base = tenantClient(platform, tenant);
  const { call, ok } = base;
  return {
    ...base,
    quote: (body: object) => call('service', 'POST', '/v1/quotes', body),
    purchase: (body: object) => call('admin', 'POST', '/v1/purchases', body),
    grant: (accountId: string, body: object) => call('admin', 'POST', `/v1/accounts/${accountId}/grants`, body),
    login: (accountId: string, loginId = uniqueId('login')) => call('service', 'POST', `/v1/accounts/${accountId}/logins`, { loginId }),
    transactions: (accountId: string) => ok(call('ops', 'GET', `/v1/accounts/${accountId}/transactions`)),
  };
}

const errorBody = (error?: string) => ({ error: error ?? expect.any(String), message: expect.any(String) });
const apinferBasic = (accountId: string, purchaseId = uniqueId('purchase')) => ({
  purchaseId, accountId, packageId: 'basic', amountPaid: '10.00', currency: 'CNY',
});
/** A new apinfer account holding the basic package (100 topup credits). */
async function apinferAccountWithBasicPackage(apinfer: ReturnType<typeof client>) {
  const accountId = await apinfer.openAccount();
  const bought = await apinfer.purchase(apinferBasic(accountId));
  expect(bought.status).toBe(200);
  return accountId;
}
/** A new listing-editor account rewarded `credits`, with one ai-edit at `resolution` generated (authorized and completed). */
async function generatedEdit(editor: ReturnType<typeof client>, credits: string, resolution: string) {
  const accountId = await editor.openAccount();
  await editor.reward(accountId, credits);
  const { usageId } = await editor.charge(accountId, { feature: 'ai-edit', resolution });
  return { accountId, usageId };
}

describe('authentication and roles', () => {
  const platform = platformFor();
  const apinfer = client(platform, 'apinfer');

  it('answers health without a key', async () => {
    const r = await platform().request('GET', '/health');
    expect(r).toMatchObject({ status: 200, body: { status: 'ok', mode: 'embedded' } });
  });

  it.each([
    ['no Authorization header', undefined, undefined],
    ['an unknown key', 'not-a-key', undefined],
    ['a header that is not a bearer token', undefined, { authorization: `Basic ${apiKey('apinfer', 'admin')}` }],
  ])('refuses a request with %s (401 {error, message})', async (_what, key, headers) => {
    const r = await platform().request('GET', '/v1/catalog', { key, headers });
    expect(r.status).toBe(401);
    expect(r.body).toEqual(errorBody('unauthorized'));
  });

  it('refuses an ops key that tries to authorize usage (403)', async () => {
    const accountId = await apinfer.openAccount();
    const r = await apinfer.call('ops', 'POST', '/v1/usage/authorize', { usageId: uniqueId('u'), accountId, feature: 'qwen-image' });
    expect(r.status).toBe(403);
    expect(r.body).toEqual(errorBody('forbidden'));
    expect((await apinfer.balance(accountId)).held).toBe('0');
  });

  it('refuses a service key that tries to create an account (403) and lets an admin key do it', async () => {
    const accountId = uniqueId('acc');
    const refused = await apinfer.call('service', 'PUT', `/v1/accounts/${accountId}`, { type: 'personal' });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual(errorBody('forbidden'));
    expect((await apinfer.call('ops', 'GET', `/v1/accounts/${accountId}/balance`)).status).toBe(404);

    const opened = await apinfer.call('admin', 'PUT', `/v1/accounts/${accountId}`, { type: 'personal' });
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ accountId, available: '0', held: '0' });
  });

  it('lets an ops key read balances and transactions but not grant credits', async () => {
    const accountId = await apinfer.openAccount();
    expect((await apinfer.call('ops', 'GET', `/v1/accounts/${accountId}/balance`)).status).toBe(200);
    expect((await apinfer.call('ops', 'GET', `/v1/accounts/${accountId}/transactions`)).status).toBe(200);
    const grant = await apinfer.call('ops', 'POST', `/v1/accounts/${accountId}/grants`, { grantId: uniqueId('g'), type: 'reward', amount: '5' });
    expect(grant.status).toBe(403);
    expect((await apinfer.balance(accountId)).available).toBe('0');
  });

  it('refuses a service key that reads a balance (403)', async () => {
    const accountId = await apinfer.openAccount();
    expect((await apinfer.call('service', 'GET', `/v1/accounts/${accountId}/balance`)).status).toBe(403);
  });

  it('answers the admin clock with 404 when the platform runs on the system clock', async () => {
    const r = await apinfer.call('admin', 'POST', '/v1/admin/clock', { now: '2030-01-01T00:00:00Z' });
    expect(r.status).toBe(404);
    expect(r.body).toEqual(errorBody('not_found'));
  });

  it('refuses the admin clock to a non-admin key (403)', async () => {
    expect((await apinfer.call('ops', 'POST', '/v1/admin/clock', { now: '2030-01-01T00:00:00Z' })).status).toBe(403);
  });
});

describe('tenant isolation', () => {
  const platform = platformFor();
  const apinfer = client(platform, 'apinfer');
  const amisi = client(platform, 'amisi');

  async function fundedApinferAccountWithUsage() {
    const accountId = await apinferAccountWithBasicPackage(apinfer);
    const usageId = uniqueId('u');
    expect((await apinfer.authorize({ usageId, accountId, feature: 'qwen-image' })).status).toBe(200);
    return { accountId, usageId };
  }

  it("answers 404 (not 403) to another tenant's keys for an account's balance and transactions", async () => {
    const { accountId } = await fundedApinferAccountWithUsage();
    for (const role of ['ops', 'admin'] as const) {
      for (const path of ['balance', 'transactions']) {
        const r = await amisi.call(role, 'GET', `/v1/accounts/${accountId}/${path}`);
        expect(r.status).toBe(404);
        expect(r.body).toEqual(errorBody());
      }
    }
  });

  it("answers 404 to another tenant's service key completing, failing or accepting a usage, and the hold stays", async () => {
    const { accountId, usageId } = await fundedApinferAccountWithUsage();
    for (const action of ['complete', 'fail', 'accept', 'reject'] as const) {
      const r = await amisi.step(usageId, action, action === 'fail' ? { reason: 'cancelled' } : undefined);
      expect(r.status).toBe(404);
      expect(r.body).toEqual(errorBody());
    }
    expect(await apinfer.balance(accountId)).toMatchObject({ available: '98.25', held: '1.75' });
  });

  it("does not let another tenant's admin grant credits to or authorize usage on the account", async () => {
    const { accountId } = await fundedApinferAccountWithUsage();
    const before = await apinfer.transactions(accountId);
    expect((await amisi.grant(accountId, { grantId: uniqueId('g'), type: 'reward', amount: '5' })).status).toBe(404);
    expect((await amisi.authorize({ usageId: uniqueId('u'), accountId, feature: 'chat-message' })).status).toBe(404);
    expect(await apinfer.transactions(accountId)).toEqual(before);
  });

  it('keeps two tenants’ accounts with the same id apart', async () => {
    const { accountId } = await fundedApinferAccountWithUsage();
    await amisi.openAccount(accountId);
    await amisi.reward(accountId, '7');
    expect(await amisi.balance(accountId)).toMatchObject({ available: '7', held: '0' });
    expect(await apinfer.balance(accountId)).toMatchObject({ available: '98.25', held: '1.75' });
  });

  it("prices with the caller's own catalog: another tenant's feature is unknown", async () => {
    const r = await amisi.quote({ feature: 'qwen-image' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: 'unknown_feature' });
  });
});

describe('catalog and quotes', () => {
  const platform = platformFor();

  /** Every amount on the wire is a decimal string (custom plans may leave allocations null). */
  function expectDecimalStrings(value: unknown, path = 'catalog'): void {
    if (Array.isArray(value)) return value.forEach((v, i) => expectDecimalStrings(v, `${path}[${i}]`));
    if (!value || typeof value !== 'object') return;
    for (const [k, v] of Object.entries(value)) {
      if (['credits', 'amount', 'generate', 'accept', 'monthlyCredits', 'rolloverCap', 'oneTime'].includes(k) && v !== null) {
        expect({ at: `${path}.${k}`, value: v }).toEqual({ at: `${path}.${k}`, value: expect.stringMatching(DECIMAL_STRING) });
      } else {
        expectDecimalStrings(v, `${path}.${k}`);
      }
    }
  }

  it.each(TENANTS)('answers the %s catalog with features, packages and plans in the contract shape', async (tenant) => {
    const catalog = await client(platform, tenant).catalog();
    expect(catalog).toMatchObject({ features: expect.any(Array), packages: expect.any(Array), plans: expect.any(Array) });
    expect(catalog.features.length).toBeGreaterThan(0);
    for (const feature of catalog.features) {
      expect(feature.id).toEqual(expect.any(String));
      const priced = 'credits' in feature || 'phases' in feature || ('by' in feature && Array.isArray(feature.options));
      expect({ feature: feature.id, priced }).toEqual({ feature: feature.id, priced: true });
    }
    for (const pkg of catalog.packages) {
      expect(pkg).toEqual(expect.objectContaining({ id: expect.any(String), credits: expect.any(String), price: { amount: expect.any(String), currency: expect.any(String) } }));
    }
    for (const plan of catalog.plans) {
      expect(plan).toEqual(expect.objectContaining({ id: expect.any(String), prices: expect.any(Object) }));
      for (const field of ['monthlyCredits', 'rolloverCap', 'maxMembers']) expect(plan).toHaveProperty(field);
      for (const price of Object.values(plan.prices)) expect(price).toEqual({ amount: expect.stringMatching(DECIMAL_STRING), currency: expect.any(String) });
    }
    expectDecimalStrings(catalog);
  });

  it('lists apinfer’s packages at their CNY prices, qwen-image at 1.75 with its quality factors, and no plans', async () => {
    const catalog = await client(platform, 'apinfer').catalog();
    expect(catalog.packages).toEqual([
      { id: 'basic', credits: '100', price: { amount: '10.00', currency: 'CNY' } },
      { id: 'standard', credits: '5000', price: { amount: '50.00', currency: 'CNY' } },
      { id: 'premium', credits: '50000', price: { amount: '500.00', currency: 'CNY' } },
    ]);
    expect(catalog.features).toEqual([
      expect.objectContaining({
        id: 'qwen-image', credits: '1.75',
        quality: [{ value: 'standard', factor: '1' }, { value: 'high', factor: '1.5' }, { value: 'ultra', factor: '2' }],
      }),
    ]);
    expect(catalog.plans).toEqual([]);
  });

  it('lists listing-editor’s ai-edit with generate and accept prices per resolution and its free tools', async () => {
    const catalog = await client(platform, 'listing-editor').catalog();
    const byId = Object.fromEntries(catalog.features.map((f: { id: string }) => [f.id, f]));
    expect(byId['ai-edit']).toMatchObject({
      by: 'resolution',
      options: [
        { value: '1K', phases: { generate: '1', accept: '2' } },
        { value: '2K', phases: { generate: '1', accept: '2' } },
        { value: '4K', phases: { generate: '2', accept: '4' } },
      ],
    });
    for (const free of ['color-adjustment', 'rotate', 'crop']) expect(byId[free]).toMatchObject({ credits: '0' });
  });

  it('lists amisi’s plans with monthly credits, rollover caps, member limits and prices', async () => {
    const catalog = await client(platform, 'amisi').catalog();
    const byId = Object.fromEntries(catalog.plans.map((p: { id: string }) => [p.id, p]));
    expect(byId.free).toMatchObject({ monthlyCredits: '0', oneTime: '5', maxMembers: 1 });
    expect(byId.basic).toMatchObject({
      monthlyCredits: '20', rolloverCap: '40', maxMembers: 1,
      prices: { monthly: { amount: '9.99', currency: 'USD' }, yearly: { amount: '99.99', currency: 'USD' } },
    });
    expect(byId.pro).toMatchObject({ monthlyCredits: '50', rolloverCap: '100', maxMembers: 3 });
    expect(byId.business).toMatchObject({ monthlyCredits: '150', rolloverCap: '300', maxMembers: 10 });
    expect(byId.enterprise).toMatchObject({ maxMembers: null });
  });

  it('lists the visualgpt and gptimage2 prices the spec names', async () => {
    const visual = await client(platform, 'visualgpt').catalog();
    const byId = Object.fromEntries(visual.features.map((f: { id: string }) => [f.id, f]));
    expect(byId['background-remover']).toMatchObject({ credits: '1' });
    expect(byId['photo-to-sketch']).toMatchObject({ credits: '5' });
    expect(byId['mind-map']).toMatchObject({ credits: '0' });
    expect(byId['image-editor'].options).toEqual(expect.arrayContaining([{ value: 'flux-kontext-pro', credits: '5' }, { value: 'seedream-4.0', credits: '3' }]));
    const gpt = await client(platform, 'gptimage2').catalog();
    expect(gpt.features[0]).toMatchObject({
      id: 'text-to-image', by: 'resolution',
      options: [{ value: '1K', credits: '10' }, { value: '2K', credits: '20' }, { value: '4K', credits: '40' }],
    });
  });

  it.each([
    ['standard (the default)', {}, '1.75'],
    ['standard', { quality: 'standard' }, '1.75'],
    ['high', { quality: 'high' }, '2.625'],
    ['ultra', { quality: 'ultra' }, '3.5'],
    ['high at any resolution', { quality: 'high', resolution: '4K' }, '2.625'],
  ])('quotes apinfer qwen-image at %s exactly', async (_what, options, credits) => {
    const r = await client(platform, 'apinfer').quote({ feature: 'qwen-image', ...options });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ credits, priceVersion: '2025-01-01' });
  });

  it('quotes listing-editor ai-edit 4K as two phases, generate 2 and accept 4, and a kept result at 6 in total', async () => {
    const r = await client(platform, 'listing-editor').quote({ feature: 'ai-edit', resolution: '4K' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ credits: '2', phases: { generate: '2', accept: '4' }, total: '6', priceVersion: '2025-01-01' });
  });

  it('multiplies the unit price by the quantity, phases included', async () => {
    expect((await client(platform, 'apinfer').quote({ feature: 'qwen-image', quality: 'high', quantity: 3 })).body).toMatchObject({ credits: '7.875' });
    expect((await client(platform, 'listing-editor').quote({ feature: 'ai-edit', resolution: '4K', quantity: 3 })).body).toMatchObject({
      credits: '6', phases: { generate: '6', accept: '12' }, total: '18',
    });
    expect((await client(platform, 'amisi').quote({ feature: 'chat-message', quantity: 12 })).body).toMatchObject({ credits: '12' });
  });

  it('quotes by model and by detail', async () => {
    expect((await client(platform, 'visualgpt').quote({ feature: 'image-editor', model: 'flux-kontext-pro' })).body).toMatchObject({ credits: '5' });
    expect((await client(platform, 'amisi').quote({ feature: 'image-to-text', detail: 'detailed' })).body).toMatchObject({ credits: '2' });
  });
});

describe('usage: authorize, complete, fail, accept, reject', () => {
  const platform = platformFor();
  const apinfer = client(platform, 'apinfer');
  const editor = client(platform, 'listing-editor');
  const gpt = client(platform, 'gptimage2');

  it('sells apinfer’s basic package as a 100-credit topup lot that remembers the 10.00 CNY paid', async () => {
    const accountId = await apinfer.openAccount();
    const purchaseId = uniqueId('purchase');
    const r = await apinfer.purchase(apinferBasic(accountId, purchaseId));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      purchaseId, accountId,
      lot: { type: 'topup', amount: '100', remaining: '100', expiresAt: null, costBasis: { paidMinor: '1000', currency: 'CNY', promotional: false } },
    });
    expect(await apinfer.balance(accountId)).toMatchObject({ available: '100', held: '0', byType: { topup: '100' } });
  });

  it('holds 2.625 for a high-quality image, then captures exactly that on completion', async () => {
    const accountId = await apinferAccountWithBasicPackage(apinfer);
    const usageId = uniqueId('u');

    const authorized = await apinfer.authorize({ usageId, accountId, feature: 'qwen-image', quality: 'high' });
    expect(authorized.status).toBe(200);
    // Paid from the one lot the account has: the basic package it bought.
    const paidFrom = [{ source: `lot:${(await apinfer.balance(accountId)).lots[0].lotId}`, amount: '2.625' }];
    expect(authorized.body).toEqual({ usageId, status: 'authorized', credits: '2.625', paidFrom });
    expect(await apinfer.balance(accountId)).toMatchObject({ available: '97.375', held: '2.625', byType: { topup: '97.375' } });

    const completed = await apinfer.step(usageId, 'complete');
    expect(completed.status).toBe(200);
    expect(completed.body).toEqual({ usageId, status: 'completed', credits: '2.625', paidFrom });
    expect(await apinfer.balance(accountId)).toMatchObject({
      available: '97.375', held: '0',
      byType: { daily: '0', trial: '0', subscription: '0', reward: '0', topup: '97.375' },
    });
    const { transactions } = await apinfer.transactions(accountId);
    expect(transactions.map((t: { type: string }) => t.type)).toEqual(['AccountOpened', 'CreditsGranted', 'HoldPlaced', 'HoldCaptured']);
    expect(transactions[3]).toMatchObject({ usageId, amount: '2.625' });
  });

  it('releases the hold when the usage fails with a platform error before completion', async () => {
    const accountId = await apinferAccountWithBasicPackage(apinfer);
    const usageId = uniqueId('u');
    await apinfer.authorize({ usageId, accountId, feature: 'qwen-image', quality: 'ultra' });
    expect(await apinfer.balance(accountId)).toMatchObject({ available: '96.5', held: '3.5' });

    const failed = await apinfer.step(usageId, 'fail', { reason: 'platform_error' });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ usageId, status: 'failed' });
    expect(await apinfer.balance(accountId)).toMatchObject({ available: '100', held: '0', byType: { topup: '100' } });
    expect((await apinfer.step(usageId, 'complete')).status).toBe(422);
    expect(await apinfer.balance(accountId)).toMatchObject({ available: '100', held: '0' });
  });

  it('refuses an authorization larger than the available credits with 402 and changes no balance', async () => {
    const accountId = await apinferAccountWithBasicPackage(apinfer);
    await apinfer.authorize({ usageId: uniqueId('u'), accountId, feature: 'qwen-image', quality: 'high' });
    const before = await apinfer.balance(accountId);

    const r = await apinfer.authorize({ usageId: uniqueId('u'), accountId, feature: 'qwen-image', quality: 'ultra', quantity: 28 }); // 98
    expect(r.status).toBe(402);
    expect(r.body).toMatchObject({ error: 'insufficient_credits', required: '98', available: '97.375' });
    expect(await apinfer.balance(accountId)).toEqual(before);
  });

  it('answers a repeated authorization with the first result and holds nothing more', async () => {
    const accountId = await apinferAccountWithBasicPackage(apinfer);
    const body = { usageId: uniqueId('u'), accountId, feature: 'qwen-image', quality: 'high' };
    const first = await apinfer.authorize(body);
    const transactions = await apinfer.transactions(accountId);

    const again = await apinfer.authorize(body);
    expect(again).toMatchObject({ status: first.status, body: first.body });
    expect(await apinfer.balance(accountId)).toMatchObject({ available: '97.375', held: '2.625' });
    expect(await apinfer.transactions(accountId)).toEqual(transactions);
  });

  it('answers a repeated refused authorization with the same 402, even after credits arrive', async () => {
    const accountId = await apinfer.openAccount();
    const body = { usageId: uniqueId('u'), accountId, feature: 'qwen-image' };
    const first = await apinfer.authorize(body);
    expect(first).toMatchObject({ status: 402, body: { error: 'insufficient_credits', required: '1.75', available: '0' } });
    await apinfer.purchase(apinferBasic(accountId));

    expect(await apinfer.authorize(body)).toMatchObject({ status: 402, body: first.body });
    expect(await apinfer.balance(accountId)).toMatchObject({ available: '100', held: '0' });
  });

  // BUG (contract: "repeating a command with the same id returns the first result"): a repeated
  // authorize answers the usage's current status, so after completion it says "completed".
  it('answers an authorization repeated after completion with the first result', async () => {
    const accountId = await apinferAccountWithBasicPackage(apinfer);
    const body = { usageId: uniqueId('u'), accountId, feature: 'qwen-image', quality: 'high' };
    const first = await apinfer.authorize(body);
    await apinfer.step(body.usageId, 'complete');
    expect((await apinfer.authorize(body)).body).toEqual(first.body);
  });

  // BUG (same contract rule): a repeated purchase answers the lot as it is now, so after spending
  // its `remaining` differs from the first answer's.
  it('answers a purchase repeated after spending with the first result', async () => {
    const accountId = await apinfer.openAccount();
    const body = apinferBasic(accountId);
    const first = await apinfer.purchase(body);
    const usageId = uniqueId('u');
    await apinfer.authorize({ usageId, accountId, feature: 'qwen-image' });
    await apinfer.step(usageId, 'complete');
    expect((await apinfer.purchase(body)).body).toEqual(first.body);
  });

  it('answers a repeated completion with the same result and charges once', async () => {
    const accountId = await apinferAccountWithBasicPackage(apinfer);
    const usageId = uniqueId('u');
    await apinfer.authorize({ usageId, accountId, feature: 'qwen-image' });
    const first = await apinfer.step(usageId, 'complete');
    const transactions = await apinfer.transactions(accountId);
    expect(await apinfer.step(usageId, 'complete')).toMatchObject({ status: 200, body: first.body });
    expect(await apinfer.transactions(accountId)).toEqual(transactions);
    expect(await apinfer.balance(accountId)).toMatchObject({ available: '98.25', held: '0' });
  });

  it('refuses a usage id reused with a different body (409) and changes nothing', async () => {
    const accountId = await apinferAccountWithBasicPackage(apinfer);
    const otherAccount = await apinferAccountWithBasicPackage(apinfer);
    const usageId = uniqueId('u');
    await apinfer.authorize({ usageId, accountId, feature: 'qwen-image', quality: 'high' });
    const before = await apinfer.transactions(accountId);

    for (const changed of [{ quality: 'ultra' }, { quantity: 2 }, { userId: 'someone' }]) {
      const r = await apinfer.authorize({ usageId, accountId, feature: 'qwen-image', quality: 'high', ...changed });
      expect(r.status).toBe(409);
      expect(r.body).toEqual({ ...errorBody('id_reused'), details: expect.anything() });
    }
    const elsewhere = await apinfer.authorize({ usageId, accountId: otherAccount, feature: 'qwen-image', quality: 'high' });
    expect(elsewhere.status).toBe(409);
    expect(await apinfer.transactions(accountId)).toEqual(before);
    expect(await apinfer.balance(otherAccount)).toMatchObject({ available: '100', held: '0' });
  });

  it('refuses a purchase id reused for another package (409) and applies a repeated purchase once', async () => {
    const accountId = await apinfer.openAccount();
    const body = apinferBasic(accountId);
    const first = await apinfer.purchase(body);
    expect(await apinfer.purchase(body)).toMatchObject({ status: 200, body: first.body });
    expect((await apinfer.purchase({ ...body, packageId: 'standard', amountPaid: '50.00' })).status).toBe(409);
    expect(await apinfer.balance(accountId)).toMatchObject({ available: '100' });
  });

  it('charges a kept listing-editor edit generate plus accept (3) and a rejected one only generate (1)', async () => {
    const accountId = await editor.openAccount();
    await editor.reward(accountId, '10');

    const kept = uniqueId('u');
    const authorized = await editor.authorize({ usageId: kept, accountId, feature: 'ai-edit', resolution: '2K' });
    expect(authorized.body).toMatchObject({ usageId: kept, status: 'authorized', credits: '1', phases: { generate: '1', accept: '2' } });
    expect((await editor.step(kept, 'complete')).body).toMatchObject({ status: 'completed' });
    const accepted = await editor.step(kept, 'accept');
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ usageId: kept, status: 'accepted', credits: '2' });
    expect(await editor.balance(accountId)).toMatchObject({ available: '7', held: '0', byType: { reward: '7' } });

    const { usageId: rejected } = await editor.charge(accountId, { feature: 'ai-edit', resolution: '1K' });
    const r = await editor.step(rejected, 'reject');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ usageId: rejected, status: 'rejected' });
    expect(await editor.balance(accountId)).toMatchObject({ available: '6', held: '0' });
  });

  it('charges a kept 4K edit 6 (2 + 4)', async () => {
    const { accountId, usageId } = await generatedEdit(editor, '6', '4K');
    expect((await editor.step(usageId, 'accept')).status).toBe(200);
    expect(await editor.balance(accountId)).toMatchObject({ available: '0', held: '0' });
  });

  it('refuses an accept that cannot be paid with 402, and the result can still be rejected', async () => {
    const { accountId, usageId } = await generatedEdit(editor, '1', '1K');

    const accept = await editor.step(usageId, 'accept');
    expect(accept.status).toBe(402);
    expect(accept.body).toMatchObject({ error: 'insufficient_credits', required: '2', available: '0' });
    expect((await editor.step(usageId, 'reject')).body).toMatchObject({ status: 'rejected' });
    expect(await editor.balance(accountId)).toMatchObject({ available: '0', held: '0' });
  });

  it('refuses to accept an edit that was never completed (422)', async () => {
    const accountId = await editor.openAccount();
    await editor.reward(accountId, '5');
    const usageId = uniqueId('u');
    await editor.authorize({ usageId, accountId, feature: 'ai-edit', resolution: '1K' });
    const r = await editor.step(usageId, 'accept');
    expect(r.status).toBe(422);
    expect(r.body).toEqual({ ...errorBody(), details: expect.anything() });
    expect(await editor.balance(accountId)).toMatchObject({ available: '4', held: '1' });
  });

  it('gives a new gptimage2 account its trial credits and spends them before purchased ones', async () => {
    const accountId = await gpt.openAccount();
    expect(await gpt.balance(accountId)).toMatchObject({ available: '20', byType: { trial: '20' } });
    expect((await gpt.purchase({ purchaseId: uniqueId('p'), accountId, packageId: 'small', amountPaid: '4.99', currency: 'USD' })).status).toBe(200);

    await gpt.charge(accountId, { feature: 'text-to-image', resolution: '2K' });
    expect(await gpt.balance(accountId)).toMatchObject({ available: '100', byType: { trial: '0', topup: '100' } });
  });

  it('never overdraws an account under concurrent authorizations, and holds a concurrently repeated one once', async () => {
    const accountId = await apinfer.openAccount();
    await apinfer.reward(accountId, '10');
    const repeated = { usageId: uniqueId('u'), accountId, feature: 'qwen-image' };
    const answers = await Promise.all([
      ...Array.from({ length: 8 }, () => apinfer.authorize({ usageId: uniqueId('u'), accountId, feature: 'qwen-image' })),
      apinfer.authorize(repeated),
      apinfer.authorize(repeated),
    ]);
    expect(answers[9]).toMatchObject({ status: answers[8].status, body: answers[8].body });
    const distinct = answers.slice(0, 9).map((a) => a.status);
    expect(distinct.filter((s) => s === 200).length).toBe(5); // 5 holds of 1.75 fit in 10
    expect(distinct.filter((s) => s === 402).length).toBe(4);
    expect(await apinfer.balance(accountId)).toMatchObject({ available: '1.25', held: '8.75' });
  });

  it('lets the members of a team account draw on one balance and refuses anyone else (422)', async () => {
    const amisi = client(platform, 'amisi');
    const accountId = await amisi.openAccount(uniqueId('team'), { type: 'team', members: ['alice', 'bob'] });
    await amisi.reward(accountId, '10');
    const byAlice = await amisi.authorize({ usageId: uniqueId('u'), accountId, userId: 'alice', feature: 'chat-message' });
    expect(byAlice.body).toMatchObject({ status: 'authorized', credits: '1', userId: 'alice' });
    expect((await amisi.authorize({ usageId: uniqueId('u'), accountId, userId: 'bob', feature: 'image-to-text', detail: 'detailed' })).status).toBe(200);
    for (const stranger of [{ userId: 'carol' }, {}]) {
      const r = await amisi.authorize({ usageId: uniqueId('u'), accountId, feature: 'chat-message', ...stranger });
      expect(r.status).toBe(422);
      expect(r.body).toMatchObject(errorBody('not_a_member'));
    }
    expect(await amisi.balance(accountId)).toMatchObject({ available: '7', held: '3', members: ['alice', 'bob'] });
  });

  it('answers 404 for a usage that was never authorized', async () => {
    const r = await apinfer.step(uniqueId('never'), 'complete');
    expect(r.status).toBe(404);
    expect(r.body).toEqual(errorBody());
  });
});

describe('time on a manual clock', () => {
  const platform = platformFor({ clock: 'manual' });
  const apinfer = client(platform, 'apinfer');
  const visual = client(platform, 'visualgpt');

  it('sets the platform time through the admin clock', async () => {
    const now = at('2030-01-01T00:00:00Z');
    expect(await apinfer.setClock(now)).toEqual({ now: now.toISOString() });
    expect((await platform().request('GET', '/health')).body).toMatchObject({ now: now.toISOString() });
  });

  it('refuses a clock time that is not an ISO 8601 instant (400)', async () => {
    const r = await apinfer.call('admin', 'POST', '/v1/admin/clock', { now: 'tomorrow' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ ...errorBody(), details: expect.anything() });
  });

  it('releases a hold that was not completed within apinfer’s 10-minute hold timeout', async () => {
    const start = '2030-02-01T00:00:00Z';
    await apinfer.setClock(at(start));
    const accountId = await apinferAccountWithBasicPackage(apinfer);
    const usageId = uniqueId('u');
    await apinfer.authorize({ usageId, accountId, feature: 'qwen-image', quality: 'high' });

    await apinfer.setClock(at(start, 10 * MINUTE - 1000));
    expect(await apinfer.balance(accountId)).toMatchObject({ available: '97.375', held: '2.625' });

    await apinfer.setClock(at(start, 10 * MINUTE));
    expect(await apinfer.balance(accountId)).toMatchObject({ available: '100', held: '0' });
    const late = await apinfer.step(usageId, 'complete');
    expect(late.status).toBe(422);
    expect(await apinfer.balance(accountId)).toMatchObject({ available: '100', held: '0' });
  });

  it('lets a hold completed in time stay charged after the timeout passes', async () => {
    const start = '2030-03-01T00:00:00Z';
    await apinfer.setClock(at(start));
    const accountId = await apinferAccountWithBasicPackage(apinfer);
    const usageId = uniqueId('u');
    await apinfer.authorize({ usageId, accountId, feature: 'qwen-image' });
    await apinfer.setClock(at(start, 9 * MINUTE));
    await apinfer.step(usageId, 'complete');
    await apinfer.setClock(at(start, HOUR));
    expect(await apinfer.balance(accountId)).toMatchObject({ available: '98.25', held: '0' });
  });

  it('grants visualgpt’s daily login credits and expires them 24 hours later', async () => {
    const start = '2030-04-01T08:00:00Z';
    await visual.setClock(at(start));
    const accountId = await visual.openAccount();
    const login = await visual.login(accountId);
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ granted: '10', expiresAt: at(start, DAY).toISOString() });
    const usageId = uniqueId('u');
    await visual.authorize({ usageId, accountId, feature: 'image-editor', model: 'seedream-4.0' });
    await visual.step(usageId, 'complete');

    await visual.setClock(at(start, DAY - 1000));
    expect(await visual.balance(accountId)).toMatchObject({ available: '7', byType: { daily: '7' } });
    await visual.setClock(at(start, DAY));
    expect(await visual.balance(accountId)).toMatchObject({ available: '0', held: '0', byType: { daily: '0' } });
  });

  it('keeps a reward that never expires after the daily credits are gone', async () => {
    const start = '2030-05-01T08:00:00Z';
    await visual.setClock(at(start));
    const accountId = await visual.openAccount();
    await visual.login(accountId);
    await visual.reward(accountId, '4');
    await visual.setClock(at(start, 3 * DAY));
    expect(await visual.balance(accountId)).toMatchObject({ available: '4', byType: { daily: '0', reward: '4' } });
  });

  it('expires a reward granted with an expiry at that instant', async () => {
    const start = '2030-05-15T00:00:00Z';
    await visual.setClock(at(start));
    const accountId = await visual.openAccount();
    const granted = await visual.grant(accountId, { grantId: uniqueId('g'), type: 'reward', amount: '6', expiresAt: at(start, HOUR).toISOString() });
    expect(granted.body).toMatchObject({ type: 'reward', amount: '6', expiresAt: at(start, HOUR).toISOString() });
    await visual.setClock(at(start, HOUR - 1));
    expect(await visual.balance(accountId)).toMatchObject({ available: '6' });
    await visual.setClock(at(start, HOUR));
    expect(await visual.balance(accountId)).toMatchObject({ available: '0', byType: { reward: '0' } });
  });

  // BUG: the daily lot id is `daily:<day>` and its fingerprint includes expiresAt (= now + 24 h), so a
  // second login later the same day (or the same loginId repeated a minute later) is 409 id_reused.
  it('answers a login repeated later the same day with 200 and grants nothing more', async () => {
    const start = '2030-06-01T08:00:00Z';
    await visual.setClock(at(start));
    const accountId = await visual.openAccount();
    const loginId = uniqueId('login');
    expect((await visual.login(accountId, loginId)).status).toBe(200);
    await visual.setClock(at(start, MINUTE));
    expect((await visual.login(accountId, loginId)).status).toBe(200);
    expect((await visual.login(accountId)).status).toBe(200);
    expect(await visual.balance(accountId)).toMatchObject({ available: '10' });
  });
});

describe('bad input changes nothing', () => {
  const platform = platformFor();
  const apinfer = client(platform, 'apinfer');
  const visual = client(platform, 'visualgpt');
  const gpt = client(platform, 'gptimage2');
  const clients = { apinfer, visualgpt: visual, gptimage2: gpt } as const;
  const accounts: Record<keyof typeof clients, string> = { apinfer: '', visualgpt: '', gptimage2: '' };

  beforeAll(async () => {
    accounts.apinfer = await apinferAccountWithBasicPackage(apinfer);
    accounts.visualgpt = await visual.openAccount();
    await visual.reward(accounts.visualgpt, '20');
    accounts.gptimage2 = await gpt.openAccount();
  });

  type Case = [string, keyof typeof clients, Role, string, (accountId: string) => string, ((accountId: string) => object) | string, number, string?];
  const authorize = (extra: object) => (accountId: string) => ({ usageId: uniqueId('u'), accountId, ...extra });
  const grant = (extra: object) => () => ({ grantId: uniqueId('g'), type: 'reward', amount: '5', ...extra });
  const usage = () => '/v1/usage/authorize';
  const grants = (accountId: string) => `/v1/accounts/${accountId}/grants`;

  const cases: Case[] = [
    ['an unknown feature', 'apinfer', 'service', 'POST', usage, authorize({ feature: 'dall-e' }), 400, 'unknown_feature'],
    ['an unknown quality', 'apinfer', 'service', 'POST', usage, authorize({ feature: 'qwen-image', quality: 'extreme' }), 400, 'unknown_option'],
    ['a model on a feature without models', 'apinfer', 'service', 'POST', usage, authorize({ feature: 'qwen-image', model: 'x' }), 400, 'unsupported_option'],
    ['an unknown model', 'visualgpt', 'service', 'POST', usage, authorize({ feature: 'image-editor', model: 'dall-e-3' }), 400, 'unknown_option'],
    ['a missing model', 'visualgpt', 'service', 'POST', usage, authorize({ feature: 'image-editor' }), 400, 'missing_option'],
    ['an unknown resolution', 'gptimage2', 'service', 'POST', usage, authorize({ feature: 'text-to-image', resolution: '8K' }), 400, 'unknown_option'],
    ['quantity 0', 'apinfer', 'service', 'POST', usage, authorize({ feature: 'qwen-image', quantity: 0 }), 400],
    ['quantity 1.5', 'apinfer', 'service', 'POST', usage, authorize({ feature: 'qwen-image', quantity: 1.5 }), 400],
    ['quantity -1', 'apinfer', 'service', 'POST', usage, authorize({ feature: 'qwen-image', quantity: -1 }), 400],
    ['quantity "2" as a string', 'apinfer', 'service', 'POST', usage, authorize({ feature: 'qwen-image', quantity: '2' }), 400],
    ['quantity above the maximum', 'apinfer', 'service', 'POST', usage, authorize({ feature: 'qwen-image', quantity: 5000 }), 400],
    ['an unknown field on authorize', 'apinfer', 'service', 'POST', usage, authorize({ feature: 'qwen-image', discount: '0.5' }), 400],
    ['malformed JSON on authorize', 'apinfer', 'service', 'POST', usage, '{"usageId": "u-x", "accountId": ', 400],
    ['a JSON array as the body', 'apinfer', 'service', 'POST', usage, '[{"feature": "qwen-image"}]', 400],
    ['a negative grant amount', 'apinfer', 'admin', 'POST', grants, grant({ amount: '-5' }), 400],
    ['a non-numeric grant amount', 'apinfer', 'admin', 'POST', grants, grant({ amount: 'five' }), 400],
    ['an exponent grant amount', 'apinfer', 'admin', 'POST', grants, grant({ amount: '1e3' }), 400],
    ['a grant amount as a JSON number', 'apinfer', 'admin', 'POST', grants, grant({ amount: 5 }), 400],
    ['a grant amount finer than apinfer’s 3 decimals', 'apinfer', 'admin', 'POST', grants, grant({ amount: '1.2345' }), 400],
    ['a fractional grant amount for a whole-credit tenant', 'visualgpt', 'admin', 'POST', grants, grant({ amount: '0.5' }), 400],
    ['a zero grant amount', 'apinfer', 'admin', 'POST', grants, grant({ amount: '0' }), 400],
    ['a grant type other than reward', 'apinfer', 'admin', 'POST', grants, grant({ type: 'topup' }), 400],
    ['an unknown field on a grant', 'apinfer', 'admin', 'POST', grants, grant({ note: 'hi' }), 400],
    ['malformed JSON on a grant', 'apinfer', 'admin', 'POST', grants, '{grantId: \'g\', amount: 5}', 400],
    ['an unknown package', 'apinfer', 'admin', 'POST', () => '/v1/purchases', (accountId) => ({ ...apinferBasic(accountId), packageId: 'gold' }), 400],
    ['a purchase in another currency', 'apinfer', 'admin', 'POST', () => '/v1/purchases', (accountId) => ({ ...apinferBasic(accountId), currency: 'USD' }), 400],
    ['a negative amount paid', 'apinfer', 'admin', 'POST', () => '/v1/purchases', (accountId) => ({ ...apinferBasic(accountId), amountPaid: '-10.00' }), 400],
    ['an unknown field on a purchase', 'apinfer', 'admin', 'POST', () => '/v1/purchases', (accountId) => ({ ...apinferBasic(accountId), coupon: 'X' }), 400],
    ['an unknown account type', 'apinfer', 'admin', 'PUT', (accountId) => `/v1/accounts/${accountId}`, () => ({ type: 'family' }), 400],
    ['an account id with forbidden characters', 'apinfer', 'admin', 'GET', () => '/v1/accounts/bad%20id/balance', '', 400],
  ];

  it.each(cases)('refuses %s with a clear error', async (...[_what, tenant, role, method, path, body, status, code]: Case) => {
    const api = clients[tenant];
    const accountId = accounts[tenant];
    const balance = await api.balance(accountId);
    const transactions = await api.transactions(accountId);

    const payload = typeof body === 'function' ? { body: body(accountId) } : body === '' ? {} : { rawBody: body };
    const r = await platform().request(method, path(accountId), { key: api.key(role), ...payload });
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject(errorBody(code));

    expect(await api.balance(accountId)).toEqual(balance);
    expect(await api.transactions(accountId)).toEqual(transactions);
  });

  it('refuses a transfer between accounts with 422 and a clear reason, and moves nothing', async () => {
    const to = await apinfer.openAccount();
    const from = accounts.apinfer;
    const balance = await apinfer.balance(from);
    const r = await apinfer.call('admin', 'POST', `/v1/accounts/${from}/transfers`, { toAccountId: to, amount: '5' });
    expect(r.status).toBe(422);
    expect(r.body).toEqual({ error: 'transfer_refused', message: expect.stringMatching(/cannot be transferred/) });
    expect(await apinfer.balance(from)).toEqual(balance);
    expect(await apinfer.balance(to)).toMatchObject({ available: '0' });
  });

  it('refuses a fail without a reason or with an unknown reason (400) and keeps the hold', async () => {
    const accountId = accounts.apinfer;
    const usageId = uniqueId('u');
    await apinfer.authorize({ usageId, accountId, feature: 'qwen-image' });
    const held = await apinfer.balance(accountId);
    expect((await apinfer.step(usageId, 'fail')).status).toBe(400);
    expect((await apinfer.step(usageId, 'fail', { reason: 'oops' })).status).toBe(400);
    expect(await apinfer.balance(accountId)).toEqual(held);
    await apinfer.step(usageId, 'fail', { reason: 'cancelled' });
  });

  it('answers 404 for commands on an account that does not exist', async () => {
    const ghost = uniqueId('ghost');
    expect((await apinfer.authorize({ usageId: uniqueId('u'), accountId: ghost, feature: 'qwen-image' })).status).toBe(404);
    expect((await apinfer.grant(ghost, { grantId: uniqueId('g'), type: 'reward', amount: '1' })).status).toBe(404);
    expect((await apinfer.purchase(apinferBasic(ghost))).status).toBe(404);
    expect((await apinfer.call('ops', 'GET', `/v1/accounts/${ghost}/balance`)).status).toBe(404);
  });

  // An authorize refused for an unknown account claims nothing, so its usageId stays free for the right account.
  it('leaves the usage id free after an authorize refused for an unknown account', async () => {
    const usageId = uniqueId('u');
    expect((await apinfer.authorize({ usageId, accountId: uniqueId('typo'), feature: 'qwen-image' })).status).toBe(404);
    const r = await apinfer.authorize({ usageId, accountId: accounts.apinfer, feature: 'qwen-image' });
    expect(r.status).toBe(200);
    await apinfer.step(usageId, 'fail', { reason: 'cancelled' });
  });
});

describe('durability across a restart', () => {
  const platform = platformFor();
  const apinfer = client(platform, 'apinfer');
  const editor = client(platform, 'listing-editor');

  it('keeps balances and transactions, and repeated commands stay idempotent after the restart', async () => {
    const accountId = await apinfer.openAccount();
    const purchase = apinferBasic(accountId);
    const purchased = await apinfer.purchase(purchase);
    const completedUsage = { usageId: uniqueId('u'), accountId, feature: 'qwen-image', quality: 'high' };
    await apinfer.authorize(completedUsage);
    const completed = await apinfer.step(completedUsage.usageId, 'complete');
    const heldUsage = { usageId: uniqueId('u'), accountId, feature: 'qwen-image', quality: 'ultra' };
    const held = await apinfer.authorize(heldUsage);
    const grant = { grantId: uniqueId('g'), type: 'reward', amount: '0.125' };
    const granted = await apinfer.grant(accountId, grant);

    const editorAccount = await editor.openAccount();
    await editor.reward(editorAccount, '10');
    const edit = { usageId: uniqueId('u'), accountId: editorAccount, feature: 'ai-edit', resolution: '4K' };
    await editor.authorize(edit);
    await editor.step(edit.usageId, 'complete');

    const balance = await apinfer.balance(accountId);
    const transactions = await apinfer.transactions(accountId);
    const editorBalance = await editor.balance(editorAccount);
    expect(balance).toMatchObject({ available: '94', held: '3.5', byType: { reward: '0.125', topup: '93.875' } });

    await platform().restart();

    expect(await apinfer.balance(accountId)).toEqual(balance);
    expect(await apinfer.transactions(accountId)).toEqual(transactions);
    expect(await editor.balance(editorAccount)).toEqual(editorBalance);

    expect(await apinfer.purchase(purchase)).toMatchObject({ status: 200, body: { purchaseId: purchase.purchaseId, lot: { lotId: purchased.body.lot.lotId, amount: '100' } } });
    expect(await apinfer.authorize(heldUsage)).toMatchObject({ status: 200, body: held.body });
    expect(await apinfer.step(completedUsage.usageId, 'complete')).toMatchObject({ status: 200, body: completed.body });
    expect(await apinfer.grant(accountId, grant)).toMatchObject({ status: 200, body: granted.body });
    expect((await apinfer.authorize({ ...heldUsage, quality: 'high' })).status).toBe(409);
    expect((await apinfer.purchase({ ...purchase, packageId: 'standard', amountPaid: '50.00' })).status).toBe(409);
    expect(await apinfer.balance(accountId)).toEqual(balance);
    expect(await apinfer.transactions(accountId)).toEqual(transactions);
  });

  it('finishes after the restart what was started before it', async () => {
    const accountId = await apinferAccountWithBasicPackage(apinfer);
    const usageId = uniqueId('u');
    await apinfer.authorize({ usageId, accountId, feature: 'qwen-image', quality: 'ultra' });
    const { accountId: editorAccount, usageId: edit } = await generatedEdit(editor, '10', '4K');

    await platform().restart();

    expect((await apinfer.step(usageId, 'complete')).body).toMatchObject({ status: 'completed', credits: '3.5' });
    expect(await apinfer.balance(accountId)).toMatchObject({ available: '96.5', held: '0' });
    expect((await editor.step(edit, 'accept')).body).toMatchObject({ status: 'accepted', credits: '4' });
    expect(await editor.balance(editorAccount)).toMatchObject({ available: '4', held: '0' });
  });
});

describe('bad input for every endpoint (issue 3): 400 with a clear error, and nothing changes', () => {
  const platform = platformFor();
  const tenants = { apinfer: client(platform, 'apinfer'), visualgpt: client(platform, 'visualgpt'), gptimage2: client(platform, 'gptimage2') } as const;
  type Known = keyof typeof tenants;
  const accounts: Record<Known, string> = { apinfer: '', visualgpt: '', gptimage2: '' };

  beforeAll(async () => {
    accounts.apinfer = await apinferAccountWithBasicPackage(tenants.apinfer);
    accounts.visualgpt = await tenants.visualgpt.openAccount(uniqueId('team'), { type: 'team', members: ['alice'] });
    await tenants.visualgpt.reward(accounts.visualgpt, '20');
    accounts.gptimage2 = await tenants.gptimage2.openAccount();
  });

  /** [what, tenant, role, method, path, body: JSON value, or a raw string sent as is, expected error code] */
  type Case = [string, Known, Role, string, (accountId: string) => string, ((accountId: string) => unknown) | string, string];
  const quotes = () => '/v1/quotes';
  const account = (accountId: string) => `/v1/accounts/${accountId}`;
  const logins = (accountId: string) => `/v1/accounts/${accountId}/logins`;
  const grants = (accountId: string) => `/v1/accounts/${accountId}/grants`;
  const transfers = (accountId: string) => `/v1/accounts/${accountId}/transfers`;
  const authorize = () => '/v1/usage/authorize';
  const purchases = () => '/v1/purchases';
  const subscription = (accountId: string) => `/v1/accounts/${accountId}/subscription`;
  const ticks = () => '/v1/scheduler/ticks';
  const usage = (extra: object) => (accountId: string) => ({ usageId: uniqueId('u'), accountId, feature: 'qwen-image', ...extra });
  const purchase = (extra: object) => (accountId: string) => ({ ...apinferBasic(accountId), ...extra });
  const without = (field: string, body: (accountId: string) => Record<string, unknown>) => (accountId: string) => {
    const { [field]: _dropped, ...rest } = body(accountId);
    return rest;
  };
  const INVALID = 'invalid_request';

  const cases: Case[] = [
    // POST /v1/quotes
    ['a quote with an unknown field', 'apinfer', 'service', 'POST', quotes, () => ({ feature: 'qwen-image', discount: '0.5' }), INVALID],
    ['a quote without a feature', 'apinfer', 'service', 'POST', quotes, () => ({ quality: 'high' }), INVALID],
    ['a quote for an unknown feature', 'apinfer', 'service', 'POST', quotes, () => ({ feature: 'dall-e' }), 'unknown_feature'],
    ['a quote with an unknown quality', 'apinfer', 'service', 'POST', quotes, () => ({ feature: 'qwen-image', quality: 'extreme' }), 'unknown_option'],
    ['a quote with an unknown model', 'visualgpt', 'service', 'POST', quotes, () => ({ feature: 'image-editor', model: 'dall-e-3' }), 'unknown_option'],
    ['a quote with an unknown resolution', 'gptimage2', 'service', 'POST', quotes, () => ({ feature: 'text-to-image', resolution: '8K' }), 'unknown_option'],
    ['a quote with quantity 0', 'apinfer', 'service', 'POST', quotes, () => ({ feature: 'qwen-image', quantity: 0 }), INVALID],
    ['a quote with a fractional quantity', 'apinfer', 'service', 'POST', quotes, () => ({ feature: 'qwen-image', quantity: 2.5 }), INVALID],
    ['a quote in malformed JSON', 'apinfer', 'service', 'POST', quotes, '{"feature": "qwen-image"', 'malformed_request'],
    // PUT /v1/accounts/{id}
    ['an account without a type', 'visualgpt', 'admin', 'PUT', account, () => ({ members: ['alice'] }), INVALID],
    ['an account with an unknown field', 'visualgpt', 'admin', 'PUT', account, () => ({ type: 'team', members: ['alice'], plan: 'pro' }), INVALID],
    ['members that are not a list', 'visualgpt', 'admin', 'PUT', account, () => ({ type: 'team', members: 'alice,bob' }), INVALID],
    ['a member id with forbidden characters', 'visualgpt', 'admin', 'PUT', account, () => ({ type: 'team', members: ['alice', 'bob smith'] }), INVALID],
    ['an account in malformed JSON', 'visualgpt', 'admin', 'PUT', account, '{"type": team}', 'malformed_request'],
    // POST /v1/accounts/{id}/logins
    ['a login without a loginId', 'visualgpt', 'service', 'POST', logins, () => ({}), INVALID],
    ['a loginId with forbidden characters', 'visualgpt', 'service', 'POST', logins, () => ({ loginId: 'log in' }), INVALID],
    ['a login with an unknown field', 'visualgpt', 'service', 'POST', logins, () => ({ loginId: uniqueId('login'), bonus: 5 }), INVALID],
    ['a login in malformed JSON', 'visualgpt', 'service', 'POST', logins, '{loginId}', 'malformed_request'],
    // POST /v1/accounts/{id}/grants
    ['a grant without a grantId', 'apinfer', 'admin', 'POST', grants, () => ({ type: 'reward', amount: '5' }), INVALID],
    ['a grant expiry that is not an ISO 8601 instant', 'apinfer', 'admin', 'POST', grants, () => ({ grantId: uniqueId('g'), type: 'reward', amount: '5', expiresAt: 'next week' }), INVALID],
    // POST /v1/accounts/{id}/transfers: malformed before it is refused
    ['a transfer with a negative amount', 'apinfer', 'admin', 'POST', transfers, () => ({ toAccountId: 'acc-x', amount: '-5' }), INVALID],
    // POST /v1/usage/authorize
    ['an authorization without a usageId', 'apinfer', 'service', 'POST', authorize, without('usageId', usage({})), INVALID],
    ['an authorization without an accountId', 'apinfer', 'service', 'POST', authorize, without('accountId', usage({})), INVALID],
    ['an authorization without a feature', 'apinfer', 'service', 'POST', authorize, without('feature', usage({})), INVALID],
    ['a feature that is not a string', 'apinfer', 'service', 'POST', authorize, usage({ feature: 42 }), INVALID],
    ['a userId with forbidden characters', 'visualgpt', 'service', 'POST', authorize, (accountId) => ({ usageId: uniqueId('u'), accountId, userId: 'al ice', feature: 'mind-map' }), INVALID],
    // POST /v1/purchases
    ['a purchase without a purchaseId', 'apinfer', 'admin', 'POST', purchases, without('purchaseId', purchase({})), INVALID],
    ['a non-numeric amount paid', 'apinfer', 'admin', 'POST', purchases, purchase({ amountPaid: 'ten' }), INVALID],
    ['an amount paid as a JSON number', 'apinfer', 'admin', 'POST', purchases, purchase({ amountPaid: 10 }), INVALID],
    ['an amount paid finer than the currency (10.001 CNY)', 'apinfer', 'admin', 'POST', purchases, purchase({ amountPaid: '10.001' }), 'invalid_money'],
    ['a currency that is not an ISO 4217 code', 'apinfer', 'admin', 'POST', purchases, purchase({ currency: 'yuan' }), INVALID],
    ['promotional that is not a boolean', 'apinfer', 'admin', 'POST', purchases, purchase({ promotional: 'yes' }), INVALID],
    ['a purchase for an account id with forbidden characters', 'apinfer', 'admin', 'POST', purchases, purchase({ accountId: 'acc 1' }), INVALID],
    // PUT /v1/accounts/{id}/subscription
    ['a subscription to an unknown plan', 'gptimage2', 'admin', 'PUT', subscription, () => ({ planId: 'gold', billingPeriod: 'monthly' }), 'unknown_plan'],
    ['a subscription where the tenant has no plans', 'apinfer', 'admin', 'PUT', subscription, () => ({ planId: 'pro', billingPeriod: 'monthly' }), 'unknown_plan'],
    ['a subscription with an unknown billing period', 'gptimage2', 'admin', 'PUT', subscription, () => ({ planId: 'starter', billingPeriod: 'weekly' }), INVALID],
    ['a subscription without a billing period', 'gptimage2', 'admin', 'PUT', subscription, () => ({ planId: 'starter' }), INVALID],
    ['a subscription without a plan', 'gptimage2', 'admin', 'PUT', subscription, () => ({ billingPeriod: 'monthly' }), INVALID],
    ['a subscription with an unknown field', 'gptimage2', 'admin', 'PUT', subscription, () => ({ planId: 'starter', billingPeriod: 'monthly', seats: 3 }), INVALID],
    ['a subscription in malformed JSON', 'gptimage2', 'admin', 'PUT', subscription, '{"planId": "starter",}', 'malformed_request'],
    // POST /v1/scheduler/ticks
    ['a tick at a time that is not ISO 8601', 'gptimage2', 'admin', 'POST', ticks, () => ({ at: 'tomorrow' }), INVALID],
    ['a tick at an impossible date', 'gptimage2', 'admin', 'POST', ticks, () => ({ at: '2030-13-45T00:00:00Z' }), INVALID],
    ['a tick at a time given as a number', 'gptimage2', 'admin', 'POST', ticks, () => ({ at: 1893456000000 }), INVALID],
    ['a tick with an unknown field', 'gptimage2', 'admin', 'POST', ticks, () => ({ when: '2030-01-01T00:00:00Z' }), INVALID],
  ];

  it.each(cases)('refuses %s with 400', async (...[_what, tenant, role, method, path, body, code]: Case) => {
    const api = tenants[tenant];
    const accountId = accounts[tenant];
    const snapshot = async () => ({
      balance: await api.balance(accountId),
      transactions: await api.transactions(accountId),
      subscription: (await api.call('ops', 'GET', `/v1/accounts/${accountId}/subscription`)).status,
    });
    const before = await snapshot();

    const payload = typeof body === 'string' ? { rawBody: body } : { body: body(accountId) };
    const r = await platform().request(method, path(accountId), { key: api.key(role), ...payload });
    expect({ status: r.status, body: r.body }).toEqual({ status: 400, body: expect.objectContaining({ error: code, message: expect.any(String) }) });

    expect(await snapshot()).toEqual(before);
  });

  it('answers a body over the size limit with 413 and one nested thousands of levels deep with 400, with or without a key, and logs no stack', async () => {
    const api = tenants.apinfer;
    const before = await api.balance(accounts.apinfer);
    const logged: unknown[] = [];
    const spy = jest.spyOn(Logger.prototype, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
    try {
      const huge = JSON.stringify({ usageId: uniqueId('u'), accountId: accounts.apinfer, feature: 'qwen-image', padding: 'x'.repeat(200_000) });
      const deep = `{"usageId":"${uniqueId('u')}","accountId":"${accounts.apinfer}","feature":"qwen-image","x":${'{"a":'.repeat(5_000)}{}${'}'.repeat(5_000)}}`;
      for (const key of [api.key('service'), undefined]) {
        const tooLarge = await platform().request('POST', '/v1/usage/authorize', { key, rawBody: huge });
        expect({ status: tooLarge.status, body: tooLarge.body }).toEqual({ status: 413, body: { error: 'payload_too_large', message: expect.any(String) } });
      }
      const nested = await platform().request('POST', '/v1/usage/authorize', { key: api.key('service'), rawBody: deep });
      expect({ status: nested.status, body: nested.body }).toEqual({ status: 400, body: expect.objectContaining({ error: 'invalid_request', message: expect.stringMatching(/deeper than 32 levels/) }) });
    } finally {
      spy.mockRestore();
    }
    expect(logged).toEqual([]);
    expect(await api.balance(accounts.apinfer)).toEqual(before);
  });

  it('refuses malformed usage steps (400; an unknown action is no route: 404) and keeps the hold', async () => {
    const api = tenants.apinfer;
    const accountId = accounts.apinfer;
    const usageId = uniqueId('u');
    expect((await api.authorize({ usageId, accountId, feature: 'qwen-image', quality: 'high' })).status).toBe(200);
    const held = { balance: await api.balance(accountId), transactions: await api.transactions(accountId) };

    for (const [action, body, status, error] of [
      ['complete', { force: true }, 400, INVALID],
      ['complete', { reason: 'cancelled' }, 400, INVALID],
      ['fail', { reason: 'model_error' }, 400, INVALID],
      ['fail', { reason: 'platform_error', note: 'gpu' }, 400, INVALID],
      ['accept', { credits: '0' }, 400, INVALID],
      ['refund', undefined, 404, 'not_found'],
    ] as const) {
      const r = await api.call('service', 'POST', `/v1/usage/${usageId}/${action}`, body);
      expect({ action, body, status: r.status, error: r.body.error }).toEqual({ action, body, status, error });
    }
    expect({ balance: await api.balance(accountId), transactions: await api.transactions(accountId) }).toEqual(held);
    expect((await api.step(usageId, 'fail', { reason: 'cancelled' })).status).toBe(200);
  });
});

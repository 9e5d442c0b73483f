// Apinfer (seed 004) through HTTP on the embedded platform: packages of 100 / 5,000 / 50,000 credits
// for CNY 10 / 50 / 500, Qwen-Image at exactly 1.75 at any resolution, +50% (2.625) and +100% (3.5)
// for high and ultra quality, credits that never expire, low-credit alerts and automatic top-up
// requests, and credits that cannot be transferred. CHOSEN in config/tenants/apinfer.yaml: the alert
// and automatic top-up threshold (10) and the package an automatic top-up asks for (basic). The
// 30-day refund of unused credits is the refund service's and is tested there.
import { DAY, at, platformFor, tenantApi, uniqueId } from './seed-platform.testing';

const PACKAGES: [string, string, string][] = [
  ['basic', '100', '10.00'],
  ['standard', '5000', '50.00'],
  ['premium', '50000', '500.00'],
];

describe('apinfer (seed 004) through HTTP', () => {
  const platform = platformFor({ clock: 'manual' });
  const apinfer = tenantApi(platform, 'apinfer');

  const funded = async (packageId = 'basic', amountPaid = '10.00') => {
    const accountId = await apinfer.openAccount();
    await apinfer.purchase(accountId, packageId, amountPaid, 'CNY');
    return accountId;
  };

  describe('credit packages', () => {
    it('lists the three packages at their CNY prices', async () => {
      const { packages } = await apinfer.catalog();
      expect(packages).toEqual(PACKAGES.map(([id, credits, amount]) => ({ id, credits, price: { amount, currency: 'CNY' } })));
    });

    it.each(PACKAGES)('credits the %s package’s %s credits at once for CNY %s', async (packageId, credits, amountPaid) => {
      const accountId = await apinfer.openAccount();
      const bought = await apinfer.purchase(accountId, packageId, amountPaid, 'CNY');
      expect(bought.lot).toMatchObject({ type: 'topup', amount: credits, remaining: credits, expiresAt: null, costBasis: { currency: 'CNY' } });
      expect(await apinfer.balance(accountId)).toMatchObject({ available: credits, byType: { topup: credits } });
    });

    it('prices standard and premium at CNY 0.01 per credit and basic at CNY 0.10, exactly', async () => {
      const { packages } = await apinfer.catalog();
      // fen (CNY minor unit) per credit, in integers: price x 100 / credits
      const fenPerCredit = packages.map((p: { id: string; credits: string; price: { amount: string } }) => {
        const fen = BigInt(p.price.amount.replace('.', ''));
        const credits = BigInt(p.credits);
        return [p.id, fen % credits === 0n ? (fen / credits).toString() : 'not exact'];
      });
      expect(fenPerCredit).toEqual([['basic', '10'], ['standard', '1'], ['premium', '1']]);
    });
  });

  describe('model prices', () => {
    it.each([
      ['standard quality (the default)', {}, '1.75', '98.25'],
      ['standard quality', { quality: 'standard' }, '1.75', '98.25'],
      ['high quality (+50%)', { quality: 'high' }, '2.625', '97.375'],
      ['ultra quality (+100%)', { quality: 'ultra' }, '3.5', '96.5'],
    ])('quotes and charges Qwen-Image at %s (%j) exactly %s credits, leaving %s of 100', async (_what, options, credits, left) => {
      expect(await apinfer.quote({ feature: 'qwen-image', ...options })).toEqual({ credits, priceVersion: '2025-01-01' });
      const accountId = await funded();
      const { authorized, completed } = await apinfer.charge(accountId, { feature: 'qwen-image', ...options });
      expect([authorized.credits, completed.credits]).toEqual([credits, credits]);
      expect(await apinfer.balance(accountId)).toMatchObject({ available: left, held: '0', byType: { topup: left } });
    });

    it.each(['512x512', '1024x1024', '2K', '4K'])('charges Qwen-Image the same 1.75 at resolution %s', async (resolution) => {
      expect(await apinfer.quote({ feature: 'qwen-image', resolution })).toMatchObject({ credits: '1.75' });
      expect(await apinfer.quote({ feature: 'qwen-image', resolution, quality: 'high' })).toMatchObject({ credits: '2.625' });
    });

    it('adds fractional charges exactly: one of each quality leaves 100 - 7.875 = 92.125', async () => {
      const accountId = await funded();
      for (const quality of ['standard', 'high', 'ultra']) await apinfer.charge(accountId, { feature: 'qwen-image', quality });
      expect(await apinfer.balance(accountId)).toMatchObject({ available: '92.125', held: '0', byType: { topup: '92.125' } });
    });
  });

  describe('credits never expire', () => {
    it('keeps purchased credits years later', async () => {
      const start = '2030-01-01T00:00:00Z';
      await apinfer.setClock(at(start));
      const accountId = await funded('standard', '50.00');
      await apinfer.charge(accountId, { feature: 'qwen-image', quality: 'high' });
      await apinfer.setClock(at(start, 20 * 365 * DAY));
      expect(await apinfer.balance(accountId)).toMatchObject({ available: '4997.375', byType: { topup: '4997.375' } });
    });
  });

  describe('low-credit alerts and automatic top-up', () => {
    it('raises a low-credit alert and requests an automatic top-up when the balance crosses below 10, once per crossing', async () => {
      const accountId = await funded();
      await apinfer.charge(accountId, { feature: 'qwen-image', quantity: 51 }); // 89.25: 10.75 left
      let types = (await apinfer.transactions(accountId)).map((t) => t.type);
      expect(types).not.toContain('LowBalanceAlertRaised');

      await apinfer.charge(accountId, { feature: 'qwen-image' }); // 9 left: crosses below 10
      const transactions = await apinfer.transactions(accountId);
      expect(transactions.filter((t) => t.type === 'LowBalanceAlertRaised')).toEqual([
        expect.objectContaining({ available: '9', threshold: '10' }),
      ]);
      expect(transactions.filter((t) => t.type === 'AutoTopUpRequested')).toEqual([
        expect.objectContaining({ packageId: 'basic', available: '9', threshold: '10' }),
      ]);

      await apinfer.charge(accountId, { feature: 'qwen-image', quality: 'ultra' }); // still below: no second alert
      types = (await apinfer.transactions(accountId)).map((t) => t.type);
      expect(types.filter((t) => t === 'LowBalanceAlertRaised')).toHaveLength(1);
      expect(types.filter((t) => t === 'AutoTopUpRequested')).toHaveLength(1);

      // The top-up arrives as a purchase; the next crossing raises again.
      await apinfer.purchase(accountId, 'basic', '10.00', 'CNY');
      await apinfer.charge(accountId, { feature: 'qwen-image', quantity: 57 }); // 105.5 - 99.75 = 5.75
      expect(await apinfer.balance(accountId)).toMatchObject({ available: '5.75' });
      types = (await apinfer.transactions(accountId)).map((t) => t.type);
      expect(types.filter((t) => t === 'LowBalanceAlertRaised')).toHaveLength(2);
      expect(types.filter((t) => t === 'AutoTopUpRequested')).toHaveLength(2);
    });

    it('raises the alert when a hold takes the available credits below 10, before anything is charged', async () => {
      const accountId = await funded();
      await apinfer.authorize({ usageId: uniqueId('u'), accountId, feature: 'qwen-image', quantity: 52 }); // 91 held
      expect(await apinfer.balance(accountId)).toMatchObject({ available: '9', held: '91' });
      const alert = (await apinfer.transactions(accountId)).find((t) => t.type === 'LowBalanceAlertRaised');
      expect(alert).toMatchObject({ available: '9', threshold: '10' });
    });
  });

  describe('credits are non-transferable', () => {
    it('refuses a transfer between accounts (422 transfer_refused) and moves nothing', async () => {
      const from = await funded();
      const to = await apinfer.openAccount();
      const before = await apinfer.transactions(from);
      const r = await apinfer.call('admin', 'POST', `/v1/accounts/${from}/transfers`, { toAccountId: to, amount: '50' });
      expect(r.status).toBe(422);
      expect(r.body).toEqual({ error: 'transfer_refused', message: expect.stringMatching(/cannot be transferred/) });
      expect(await apinfer.transactions(from)).toEqual(before);
      expect(await apinfer.balance(from)).toMatchObject({ available: '100' });
      expect(await apinfer.balance(to)).toMatchObject({ available: '0' });
    });
  });
});

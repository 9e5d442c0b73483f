// GPT Image 2 Generator (seed 001) through HTTP on the embedded platform: 1K/2K/4K = 10/20/40, trial
// credits for new accounts, one-time credits that never expire, subscription credits that refresh at
// each billing cycle (nothing rolls over), cancellation before the next cycle, and credits restored
// when a generation fails through a platform error. CHOSEN in config/tenants/gptimage2.yaml: the
// trial amount (20, never expires), the packs and the plans (starter 200, pro 600 a month).
import { DAY, at, platformFor, tenantApi, uniqueId } from './seed-platform.testing';

const RESOLUTIONS: [string, string][] = [
  ['1K', '10'],
  ['2K', '20'],
  ['4K', '40'],
];

describe('gptimage2 (seed 001) through HTTP', () => {
  const platform = platformFor({ clock: 'manual' });
  const gpt = tenantApi(platform, 'gptimage2');

  describe('resolution prices', () => {
    it.each(RESOLUTIONS)('quotes a %s image at %s credits', async (resolution, credits) => {
      expect(await gpt.quote({ feature: 'text-to-image', resolution })).toEqual({ credits, priceVersion: '2025-01-01' });
    });

    it.each(RESOLUTIONS)('charges a %s image %s credits', async (resolution, credits) => {
      const accountId = await gpt.openAccount();
      await gpt.purchase(accountId, 'small', '4.99', 'USD');
      const { authorized, completed } = await gpt.charge(accountId, { feature: 'text-to-image', resolution });
      expect([authorized.credits, completed.credits]).toEqual([credits, credits]);
      expect(await gpt.balance(accountId)).toMatchObject({ available: String(120 - Number(credits)), held: '0' });
    });

    it('refuses a 4K image an account cannot pay (402) and charges nothing', async () => {
      const accountId = await gpt.openAccount();
      const r = await gpt.authorize({ usageId: uniqueId('u'), accountId, feature: 'text-to-image', resolution: '4K' });
      expect(r.status).toBe(402);
      expect(r.body).toMatchObject({ error: 'insufficient_credits', required: '40', available: '20' });
      expect(await gpt.balance(accountId)).toMatchObject({ available: '20', held: '0' });
    });
  });

  describe('trial and one-time credits', () => {
    it('gives every new account its free trial credits, once', async () => {
      const accountId = await gpt.openAccount();
      expect(await gpt.balance(accountId)).toMatchObject({ available: '20', byType: { trial: '20' } });
      await gpt.openAccount(accountId, { type: 'personal' });
      expect(await gpt.balance(accountId)).toMatchObject({ available: '20', byType: { trial: '20' } });
    });

    it('never expires one-time credits: trial and purchased packs are all there years later', async () => {
      const start = '2030-01-05T00:00:00Z';
      await gpt.setClock(at(start));
      const accountId = await gpt.openAccount();
      await gpt.purchase(accountId, 'medium', '19.99', 'USD');
      await gpt.setClock(at(start, 10 * 365 * DAY));
      expect(await gpt.balance(accountId)).toMatchObject({ available: '520', byType: { trial: '20', topup: '500' } });
    });
  });

  describe('subscriptions', () => {
    // Each test has its own platform: each starts earlier than the one before it, and a manual clock never goes back.
    const gpt = tenantApi(platformFor({ clock: 'manual', each: true }), 'gptimage2');
    it('grants each plan its credits at the start of the billing cycle', async () => {
      await gpt.setClock(at('2030-02-01T00:00:00Z'));
      for (const [planId, credits] of [['starter', '200'], ['pro', '600']]) {
        const accountId = await gpt.openAccount();
        expect((await gpt.subscribe(accountId, planId)).status).toBe(200);
        const balance = await gpt.balanceWhen(accountId, `the ${planId} grant`, (b) => b.byType.subscription !== '0');
        expect({ planId, subscription: balance.byType.subscription }).toEqual({ planId, subscription: credits });
      }
    });

    it('refreshes the subscription balance at each billing cycle: nothing rolls over, one-time credits stay', async () => {
      const start = '2030-03-15T00:00:00Z';
      await gpt.setClock(at(start));
      const accountId = await gpt.openAccount();
      await gpt.purchase(accountId, 'small', '4.99', 'USD');
      await gpt.subscribe(accountId, 'starter');
      await gpt.balanceWhen(accountId, 'cycle 0', (b) => b.byType.subscription === '200');
      await gpt.charge(accountId, { feature: 'text-to-image', resolution: '4K' });
      await gpt.charge(accountId, { feature: 'text-to-image', resolution: '4K' });
      // 80 = the 20 trial credits, then 60 of the subscription's 200.
      expect(await gpt.balance(accountId)).toMatchObject({ available: '240', byType: { trial: '0', subscription: '140', topup: '100' } });

      await gpt.setClock(at('2030-04-15T00:00:00Z'));
      await gpt.tick();
      const refreshed = await gpt.balanceWhen(accountId, 'cycle 1', (b) => b.lots.some((l: { lotId: string }) => l.lotId.endsWith(':1')));
      expect(refreshed).toMatchObject({ available: '300', byType: { subscription: '200', topup: '100' } });

      await gpt.setClock(at('2030-05-15T00:00:00Z'));
      await gpt.tick();
      const again = await gpt.balanceWhen(accountId, 'cycle 2', (b) => b.lots.some((l: { lotId: string }) => l.lotId.endsWith(':2')));
      expect(again).toMatchObject({ available: '300', byType: { subscription: '200', topup: '100' } });
    });

    it('ends a subscription cancelled before the next billing cycle: no further grant, the cycle’s credits end with it', async () => {
      const start = '2030-06-10T00:00:00Z';
      await gpt.setClock(at(start));
      const accountId = await gpt.openAccount();
      await gpt.subscribe(accountId, 'starter');
      await gpt.balanceWhen(accountId, 'cycle 0', (b) => b.byType.subscription === '200');
      await gpt.setClock(at(start, 20 * DAY));
      expect(await gpt.cancel(accountId)).toMatchObject({ status: 'cancelling' });
      expect(await gpt.balance(accountId)).toMatchObject({ byType: { subscription: '200' } });

      await gpt.setClock(at('2030-07-10T00:00:00Z'));
      await gpt.tick();
      await gpt.setClock(at('2030-08-10T00:00:00Z'));
      await gpt.tick();
      expect(await gpt.balance(accountId)).toMatchObject({ available: '20', byType: { trial: '20', subscription: '0' } });
      const grants = (await gpt.transactions(accountId)).filter((t) => t.type === 'CreditsGranted' && t.lotType === 'subscription');
      expect(grants).toHaveLength(1);
    });
  });

  describe('credit restoration', () => {
    it('restores the credits of a generation that fails through a platform error after completion', async () => {
      const accountId = await gpt.openAccount();
      await gpt.purchase(accountId, 'small', '4.99', 'USD');
      const { usageId } = await gpt.charge(accountId, { feature: 'text-to-image', resolution: '2K' });
      expect(await gpt.balance(accountId)).toMatchObject({ available: '100' });

      const failed = await gpt.step(usageId, 'fail', { reason: 'platform_error' });
      expect(failed.status).toBe(200);
      const restored = await gpt.balanceWhen(accountId, 'the restored credits', (b) => b.available === '120');
      expect(restored).toMatchObject({ held: '0', byType: { trial: '20', topup: '100' } });
      const restoration = (await gpt.transactions(accountId)).find((t) => t.type === 'CreditsRestored');
      expect(restoration).toMatchObject({ usageId, amount: '20' });

      // Reported again: restored once.
      await gpt.step(usageId, 'fail', { reason: 'platform_error' });
      expect((await gpt.transactions(accountId)).filter((t) => t.type === 'CreditsRestored')).toHaveLength(1);
      expect(await gpt.balance(accountId)).toMatchObject({ available: '120' });
    });

    it('releases the hold of a generation that fails before completion, charging nothing', async () => {
      const accountId = await gpt.openAccount();
      const usageId = uniqueId('u');
      await gpt.authorize({ usageId, accountId, feature: 'text-to-image', resolution: '1K' });
      expect(await gpt.balance(accountId)).toMatchObject({ available: '10', held: '10' });
      await gpt.step(usageId, 'fail', { reason: 'platform_error' });
      expect(await gpt.balance(accountId)).toMatchObject({ available: '20', held: '0' });
    });
  });
});

// Real-estate AI image editor (seed 002) through HTTP on the embedded platform: 1 credit to generate,
// 2 to accept, 3 for a kept edit, 1 for a rejected one; 4K doubles both (6 kept, 2 rejected); free
// colour adjustment, rotation and cropping; a monthly allowance per plan plus top-ups. CHOSEN in
// config/tenants/listing-editor.yaml: the allowances (starter 60, pro 200, team 600, no rollover)
// and the top-up packs.
import { at, platformFor, tenantApi, uniqueId } from './seed-platform.testing';

describe('listing-editor (seed 002) through HTTP', () => {
  const platform = platformFor({ clock: 'manual' });
  const editor = tenantApi(platform, 'listing-editor');

  /** generate (authorize + complete), then accept or reject; answers what the account paid. */
  async function edit(accountId: string, resolution: string, outcome: 'accept' | 'reject') {
    const before = Number((await editor.balance(accountId)).available);
    const { usageId, completed } = await editor.charge(accountId, { feature: 'ai-edit', resolution });
    const decided = await editor.step(usageId, outcome);
    expect(decided.status).toBe(200);
    const after = await editor.balance(accountId);
    expect(after.held).toBe('0');
    return { generate: completed.credits, decided: decided.body, paid: String(before - Number(after.available)) };
  }

  describe('edit prices', () => {
    it.each([
      ['1K (HD)', '1K', '1', '2', '3'],
      ['2K (FHD)', '2K', '1', '2', '3'],
      ['4K (UHD)', '4K', '2', '4', '6'],
    ])('quotes an AI edit at %s: generate %s, accept %s, %s in total for a kept edit', async (_what, resolution, generate, accept, total) => {
      expect(await editor.quote({ feature: 'ai-edit', resolution })).toEqual({ credits: generate, phases: { generate, accept }, total, priceVersion: '2025-01-01' });
    });

    it.each([
      ['1K', 'accept', '3'],
      ['2K', 'accept', '3'],
      ['4K', 'accept', '6'],
      ['1K', 'reject', '1'],
      ['2K', 'reject', '1'],
      ['4K', 'reject', '2'],
    ] as const)('charges a %s edit that is %sed %s credits in all', async (resolution, outcome, total) => {
      const accountId = await editor.openAccount();
      await editor.reward(accountId, '10');
      const { paid, decided } = await edit(accountId, resolution, outcome);
      expect(paid).toBe(total);
      expect(decided).toMatchObject({ status: outcome === 'accept' ? 'accepted' : 'rejected' });
    });

    it('lets a user try variations and pay full price only for the one kept: three rejected and one kept cost 6', async () => {
      const accountId = await editor.openAccount();
      await editor.reward(accountId, '10');
      for (let i = 0; i < 3; i++) await edit(accountId, '2K', 'reject');
      await edit(accountId, '2K', 'accept');
      expect(await editor.balance(accountId)).toMatchObject({ available: '4', held: '0' });
    });

    it('holds only the generate credit until the result is accepted', async () => {
      const accountId = await editor.openAccount();
      await editor.reward(accountId, '10');
      const usageId = uniqueId('u');
      const authorized = await editor.authorize({ usageId, accountId, feature: 'ai-edit', resolution: '4K' });
      expect(authorized.body).toMatchObject({ status: 'authorized', credits: '2', phases: { generate: '2', accept: '4' }, total: '6' });
      expect(await editor.balance(accountId)).toMatchObject({ available: '8', held: '2' });
      await editor.step(usageId, 'complete');
      expect(await editor.balance(accountId)).toMatchObject({ available: '8', held: '0' });
      expect((await editor.step(usageId, 'accept')).body).toMatchObject({ status: 'accepted', credits: '4' });
      expect(await editor.balance(accountId)).toMatchObject({ available: '4', held: '0' });
    });

    it.each(['color-adjustment', 'rotate', 'crop'])('quotes and charges %s free (0), even on an empty account', async (feature) => {
      expect(await editor.quote({ feature })).toEqual({ credits: '0', priceVersion: '2025-01-01' });
      const accountId = await editor.openAccount();
      const { authorized, completed } = await editor.charge(accountId, { feature });
      expect([authorized.credits, completed.credits]).toEqual(['0', '0']);
      expect(await editor.balance(accountId)).toMatchObject({ available: '0', held: '0' });
    });
  });

  describe('monthly allowance per plan, plus top-ups', () => {
    it.each([
      ['starter', '60'],
      ['pro', '200'],
      ['team', '600'],
    ])('grants the %s plan its monthly allowance of %s', async (planId, credits) => {
      const accountId = await editor.openAccount();
      expect((await editor.subscribe(accountId, planId)).status).toBe(200);
      const balance = await editor.balanceWhen(accountId, 'the allowance', (b) => b.byType.subscription !== '0');
      expect(balance).toMatchObject({ available: credits, byType: { subscription: credits } });
    });

    it('adds top-ups to the allowance, spends the allowance first and renews only the allowance', async () => {
      await editor.setClock(at('2030-01-20T00:00:00Z'));
      const accountId = await editor.openAccount();
      await editor.subscribe(accountId, 'starter');
      await editor.balanceWhen(accountId, 'cycle 0', (b) => b.byType.subscription === '60');
      const { packages } = await editor.catalog();
      const small = packages.find((p: { id: string }) => p.id === 'small');
      await editor.purchase(accountId, 'small', small.price.amount, small.price.currency);
      expect(await editor.balance(accountId)).toMatchObject({ available: '90', byType: { subscription: '60', topup: '30' } });

      for (let i = 0; i < 10; i++) await edit(accountId, '4K', 'accept'); // 10 x 6 = 60: the whole allowance
      expect(await editor.balance(accountId)).toMatchObject({ available: '30', byType: { subscription: '0', topup: '30' } });
      await edit(accountId, '1K', 'accept'); // then the top-up
      expect(await editor.balance(accountId)).toMatchObject({ available: '27', byType: { subscription: '0', topup: '27' } });

      await editor.setClock(at('2030-02-20T00:00:00Z'));
      await editor.tick();
      const renewed = await editor.balanceWhen(accountId, 'cycle 1', (b) => b.byType.subscription === '60');
      expect(renewed).toMatchObject({ available: '87', byType: { subscription: '60', topup: '27' } });
    });

    it('does not roll an unused allowance over', async () => {
      await editor.setClock(at('2030-03-05T00:00:00Z'));
      const accountId = await editor.openAccount();
      await editor.subscribe(accountId, 'pro');
      await editor.balanceWhen(accountId, 'cycle 0', (b) => b.byType.subscription === '200');
      await edit(accountId, '2K', 'accept');
      await editor.setClock(at('2030-04-05T00:00:00Z'));
      await editor.tick();
      const renewed = await editor.balanceWhen(accountId, 'cycle 1', (b) => b.lots.some((l: { lotId: string }) => l.lotId.endsWith(':1')));
      expect(renewed).toMatchObject({ available: '200', byType: { subscription: '200' } });
    });

    it('refuses an accept the account can no longer pay (402); the edit can still be rejected at the 1 already paid', async () => {
      const accountId = await editor.openAccount();
      await editor.reward(accountId, '2');
      const { usageId } = await editor.charge(accountId, { feature: 'ai-edit', resolution: '1K' });
      await editor.charge(accountId, { feature: 'ai-edit', resolution: '1K' });
      const accept = await editor.step(usageId, 'accept');
      expect(accept).toMatchObject({ status: 402, body: { error: 'insufficient_credits', required: '2', available: '0' } });
      expect((await editor.step(usageId, 'reject')).status).toBe(200);
      expect(await editor.balance(accountId)).toMatchObject({ available: '0', held: '0' });
    });
  });
});

// Amisi (seed 003) through HTTP on the embedded platform: the five tiers (monthly credits, prices,
// rollover caps, yearly plans granting monthly), the free tier's 5 one-time credits, per-resolution,
// per-message and per-analysis prices, team sharing up to 3 (pro) and 10 (business) members,
// credits that are non-refundable and non-transferable. CHOSEN in config/tenants/amisi.yaml: the
// credit packages (the seed gives no figures) and maxMembers 1 for free and basic.
import { waitFor } from '@creditflow/kernel/testing';
import { SEED_WAIT_MS, at, platformFor, tenantApi, uniqueId } from './seed-platform.testing';

describe('amisi (seed 003) through HTTP', () => {
  const platform = platformFor({ clock: 'manual' });
  const amisi = tenantApi(platform, 'amisi');

  /** An account with a subscription whose cycle-0 grant has reached the wallet. */
  async function subscribed(planId: string, billingPeriod: 'monthly' | 'yearly' = 'monthly', body: object = { type: 'personal' }) {
    const accountId = await amisi.openAccount(uniqueId('amisi-acc'), body);
    expect((await amisi.subscribe(accountId, planId, billingPeriod)).status).toBe(200);
    await amisi.balanceWhen(accountId, `the ${planId} grant`, (b) => b.planId === planId);
    return accountId;
  }

  /** Moves the clock to `when`, ticks, and waits until every account has its grant of `cycle`. */
  async function cycle(when: string, cycleNo: number, accountIds: string[]) {
    await amisi.setClock(at(when));
    await amisi.tick();
    for (const accountId of accountIds) {
      await amisi.balanceWhen(accountId, `cycle ${cycleNo}`, (b) => b.lots.some((l: { lotId: string }) => l.lotId.endsWith(`:${cycleNo}`)));
    }
  }

  describe('prices', () => {
    it.each([
      ['text-to-image at 720p', { feature: 'text-to-image', resolution: '720p' }, '1'],
      ['text-to-image at 1080p', { feature: 'text-to-image', resolution: '1080p' }, '2'],
      ['text-to-image at 4K', { feature: 'text-to-image', resolution: '4K' }, '3'],
      ['text-to-image at 8K', { feature: 'text-to-image', resolution: '8K' }, '4'],
      ['a chat message', { feature: 'chat-message' }, '1'],
      ['a basic image-to-text analysis', { feature: 'image-to-text', detail: 'basic' }, '1'],
      ['a detailed image-to-text analysis', { feature: 'image-to-text', detail: 'detailed' }, '2'],
    ])('quotes and charges %s (%j): %s credit(s)', async (_what, request, credits) => {
      expect(await amisi.quote(request)).toEqual({ credits, priceVersion: '2025-01-01' });
      const accountId = await amisi.openAccount();
      await amisi.reward(accountId, '10');
      const { authorized, completed } = await amisi.charge(accountId, request);
      expect([authorized.credits, completed.credits]).toEqual([credits, credits]);
      expect(await amisi.balance(accountId)).toMatchObject({ available: String(10 - Number(credits)), held: '0' });
    });

    it('charges each message sent: 12 messages cost 12', async () => {
      expect(await amisi.quote({ feature: 'chat-message', quantity: 12 })).toMatchObject({ credits: '12' });
    });

    it('refuses an operation once the credits have run out (402)', async () => {
      const accountId = await amisi.openAccount();
      await amisi.reward(accountId, '3');
      await amisi.charge(accountId, { feature: 'text-to-image', resolution: '4K' });
      const r = await amisi.authorize({ usageId: uniqueId('u'), accountId, feature: 'chat-message' });
      expect(r).toMatchObject({ status: 402, body: { error: 'insufficient_credits', required: '1', available: '0' } });
    });
  });

  describe('subscription tiers', () => {
    it('lists the five tiers with their credits, rollover caps, member caps and prices', async () => {
      const { plans } = await amisi.catalog();
      const usd = (amount: string) => ({ amount, currency: 'USD' });
      expect(plans).toEqual([
        expect.objectContaining({ id: 'free', monthlyCredits: '0', oneTime: '5', maxMembers: 1, prices: { monthly: usd('0.00') } }),
        expect.objectContaining({ id: 'basic', monthlyCredits: '20', rolloverCap: '40', maxMembers: 1, prices: { monthly: usd('9.99'), yearly: usd('99.99') } }),
        expect.objectContaining({ id: 'pro', monthlyCredits: '50', rolloverCap: '100', maxMembers: 3, prices: { monthly: usd('19.99'), yearly: usd('199.99') } }),
        expect.objectContaining({ id: 'business', monthlyCredits: '150', rolloverCap: '300', maxMembers: 10, prices: { monthly: usd('49.99'), yearly: usd('499.99') } }),
        expect.objectContaining({ id: 'enterprise', maxMembers: null }),
      ]);
    });

    it.each([
      ['basic', '20'],
      ['pro', '50'],
      ['business', '150'],
    ])('grants the %s tier %s credits a month', async (planId, credits) => {
      await amisi.setClock(at('2030-01-01T00:00:00Z'));
      const accountId = await subscribed(planId);
      expect(await amisi.balance(accountId)).toMatchObject({ available: credits, byType: { subscription: credits } });
    });

    it('grants a yearly plan monthly: basic yearly gives 20, then 20 more a month later', async () => {
      await amisi.setClock(at('2030-01-01T00:00:00Z'));
      const accountId = await subscribed('basic', 'yearly');
      expect(await amisi.balance(accountId)).toMatchObject({ available: '20' });
      await cycle('2030-02-01T00:00:00Z', 1, [accountId]);
      expect(await amisi.balance(accountId)).toMatchObject({ available: '40', byType: { subscription: '40' } });
    });

    it('gives the free tier 5 one-time credits and never renews them', async () => {
      await amisi.setClock(at('2030-03-01T00:00:00Z'));
      const accountId = await subscribed('free');
      expect(await amisi.balance(accountId)).toMatchObject({ available: '5', byType: { trial: '5' } });
      await amisi.charge(accountId, { feature: 'text-to-image', resolution: '4K' });

      await amisi.setClock(at('2030-06-01T00:00:00Z'));
      await amisi.tick();
      expect((await amisi.subscribe(accountId, 'free')).status).toBe(200); // taking it again gives nothing
      expect(await amisi.balance(accountId)).toMatchObject({ available: '2', byType: { trial: '2' } });
      const grants = (await amisi.transactions(accountId)).filter((t) => t.type === 'CreditsGranted');
      expect(grants.map((t) => [t.lotType, t.amount])).toEqual([['trial', '5']]);
    });

    it('takes no enterprise subscription through the API: its allocation is custom (422)', async () => {
      const accountId = await amisi.openAccount();
      const r = await amisi.subscribe(accountId, 'enterprise');
      expect(r).toMatchObject({ status: 422, body: { error: 'custom_plan' } });
      expect(await amisi.balance(accountId)).toMatchObject({ available: '0', planId: null });
    });
  });

  describe('rollover', () => {
    it('rolls unused credits over up to the cap and expires the excess: basic 20/40, pro 50/100, business 150/300', async () => {
      await amisi.setClock(at('2031-01-01T00:00:00Z'));
      const tiers = [
        { planId: 'basic', accountId: '', cycles: ['20', '40', '60', '60'], expired: ['0', '0', '20'] },
        { planId: 'pro', accountId: '', cycles: ['50', '100', '150', '150'], expired: ['0', '0', '50'] },
        { planId: 'business', accountId: '', cycles: ['150', '300', '450', '450'], expired: ['0', '0', '150'] },
      ];
      for (const tier of tiers) tier.accountId = await subscribed(tier.planId);
      const ids = tiers.map((t) => t.accountId);
      const seen = async () => Promise.all(tiers.map(async (t) => (await amisi.balance(t.accountId)).available));

      const balances = [await seen()];
      await cycle('2031-02-01T00:00:00Z', 1, ids);
      balances.push(await seen());
      await cycle('2031-03-01T00:00:00Z', 2, ids);
      balances.push(await seen());
      await cycle('2031-04-01T00:00:00Z', 3, ids);
      balances.push(await seen());
      // Three months without usage: at most the cap is kept, then the month's credits are added.
      expect(balances).toEqual([0, 1, 2, 3].map((c) => tiers.map((t) => t.cycles[c])));

      for (const tier of tiers) {
        const expired = (await amisi.transactions(tier.accountId)).filter((t) => t.type === 'RolloverExpired').map((t) => t.amount);
        expect({ plan: tier.planId, expired }).toEqual({ plan: tier.planId, expired: tier.expired });
      }
    });

    it('rolls over what is left after usage: 20 - 5 used = 15 kept, plus 20', async () => {
      await amisi.setClock(at('2031-06-01T00:00:00Z'));
      const accountId = await subscribed('basic');
      await amisi.charge(accountId, { feature: 'chat-message', quantity: 5 });
      await cycle('2031-07-01T00:00:00Z', 1, [accountId]);
      expect(await amisi.balance(accountId)).toMatchObject({ available: '35', byType: { subscription: '35' } });
    });

    it('never expires purchased credits: only subscription credits above the cap expire', async () => {
      await amisi.setClock(at('2031-09-01T00:00:00Z'));
      const accountId = await subscribed('basic');
      await amisi.purchase(accountId, 'large', '49.99', 'USD');
      for (const [when, n] of [['2031-10-01', 1], ['2031-11-01', 2], ['2031-12-01', 3]] as const) {
        await cycle(`${when}T00:00:00Z`, n, [accountId]);
      }
      expect(await amisi.balance(accountId)).toMatchObject({ available: '210', byType: { subscription: '60', topup: '150' } });
    });
  });

  describe('team sharing', () => {
    const members = (n: number) => Array.from({ length: n }, (_, i) => `member-${String(i + 1).padStart(2, '0')}`);
    const team = (n: number) => ({ type: 'team', members: members(n) });

    it('shares a pro team’s credits among up to 3 members and refuses a fourth (422 member_limit)', async () => {
      await amisi.setClock(at('2032-01-01T00:00:00Z'));
      const accountId = await subscribed('pro', 'monthly', team(1));
      expect((await amisi.putAccount(accountId, team(3))).status).toBe(200);
      const before = await amisi.balance(accountId);

      const r = await amisi.putAccount(accountId, team(4));
      expect(r.status).toBe(422);
      expect(r.body).toEqual({
        error: 'member_limit', message: expect.stringMatching(/at most 3 members/), details: { members: 4, maxMembers: 3, planId: 'pro' },
      });
      expect(await amisi.balance(accountId)).toEqual(before);

      for (const [i, userId] of members(3).entries()) {
        const { authorized } = await amisi.charge(accountId, { userId, feature: 'image-to-text', detail: 'detailed' }, uniqueId(`u${i}`));
        expect(authorized).toMatchObject({ userId, credits: '2' });
      }
      expect(await amisi.balance(accountId)).toMatchObject({ available: '44', members: members(3) });
    });

    it('lets a business team have up to 10 members and refuses an eleventh', async () => {
      await amisi.setClock(at('2032-01-01T00:00:00Z'));
      const accountId = await subscribed('business', 'monthly', team(2));
      expect((await amisi.putAccount(accountId, team(10))).status).toBe(200);
      expect((await amisi.putAccount(accountId, team(11))).body).toMatchObject({ error: 'member_limit', details: { maxMembers: 10, planId: 'business' } });
      expect(await amisi.balance(accountId)).toMatchObject({ members: members(10), available: '150' });
    });

    it('refuses team sharing on the basic tier (1 member)', async () => {
      await amisi.setClock(at('2032-01-01T00:00:00Z'));
      const accountId = await subscribed('basic', 'monthly', team(1));
      expect((await amisi.putAccount(accountId, team(2))).body).toMatchObject({ error: 'member_limit', details: { maxMembers: 1, planId: 'basic' } });
    });

    it('raises the cap when an upgrade to business takes effect at the next cycle', async () => {
      await amisi.setClock(at('2032-03-01T00:00:00Z'));
      const accountId = await subscribed('pro', 'monthly', team(3));
      expect((await amisi.subscribe(accountId, 'business')).status).toBe(200);
      expect((await amisi.putAccount(accountId, team(5))).status).toBe(422); // still pro this cycle
      await cycle('2032-04-01T00:00:00Z', 1, [accountId]);
      expect(await amisi.balance(accountId)).toMatchObject({ planId: 'business' });
      expect((await amisi.putAccount(accountId, team(10))).status).toBe(200);
    });

    it('caps a team without a subscription at the smallest team tier (3): chosen, see libs/wallet/README.md', async () => {
      const refused = await amisi.putAccount(uniqueId('team'), team(4));
      expect(refused).toMatchObject({ status: 422, body: { error: 'member_limit', details: { members: 4, maxMembers: 3, planId: null } } });
      const accountId = await amisi.openAccount(uniqueId('team'), team(3));
      expect(await amisi.balance(accountId)).toMatchObject({ members: members(3), planId: null });
    });
  });

  describe('credits are non-refundable and non-transferable', () => {
    it('restores nothing when a completed generation fails through a platform error', async () => {
      const accountId = await amisi.openAccount();
      await amisi.reward(accountId, '10');
      const { usageId } = await amisi.charge(accountId, { feature: 'text-to-image', resolution: '8K' });
      expect((await amisi.step(usageId, 'fail', { reason: 'platform_error' })).status).toBe(200);

      // A barrier: a gptimage2 restoration (which its policy grants) reported after the amisi failure
      // passes the same refund consumer later; once it is applied, the amisi failure has been decided.
      const gpt = tenantApi(platform, 'gptimage2');
      const gptAccount = await gpt.openAccount();
      const restorable = await gpt.charge(gptAccount, { feature: 'text-to-image', resolution: '1K' });
      await gpt.step(restorable.usageId, 'fail', { reason: 'platform_error' });
      await gpt.balanceWhen(gptAccount, 'the gptimage2 restoration', (b) => b.available === '20');

      expect(await amisi.balance(accountId)).toMatchObject({ available: '6', held: '0' });
      const types = (await amisi.transactions(accountId)).map((t) => t.type);
      expect(types).toContain('UsageFailedAfterCompletion');
      expect(types).not.toContain('CreditsRestored');
    });

    it('refuses a transfer of credits to another account (422) and moves nothing', async () => {
      const from = await amisi.openAccount();
      const to = await amisi.openAccount();
      await amisi.reward(from, '10');
      const r = await amisi.call('admin', 'POST', `/v1/accounts/${from}/transfers`, { toAccountId: to, amount: '5' });
      expect(r).toMatchObject({ status: 422, body: { error: 'transfer_refused' } });
      expect((await amisi.balance(from)).available).toBe('10');
      expect((await amisi.balance(to)).available).toBe('0');
    });
  });

  describe('credit history and analytics', () => {
    const report = async (query: string) => {
      const r = await amisi.call('ops', 'GET', `/v1/reports/usage?${query}`);
      expect(r.status).toBe(200);
      return r.body;
    };

    it('reports credit consumption by tool, by user and by period, and exports it as CSV', async () => {
      // Days no other test of this file uses, so the tenant-wide report shows this team's usage only.
      await amisi.setClock(at('2033-06-15T10:00:00Z'));
      const accountId = await subscribed('business', 'monthly', { type: 'team', members: ['ana', 'ben'] });
      await amisi.charge(accountId, { userId: 'ana', feature: 'text-to-image', resolution: '8K' });
      await amisi.charge(accountId, { userId: 'ana', feature: 'chat-message', quantity: 3 });
      await amisi.charge(accountId, { userId: 'ben', feature: 'image-to-text', detail: 'detailed' });
      await amisi.setClock(at('2033-06-16T10:00:00Z'));
      await amisi.charge(accountId, { userId: 'ben', feature: 'text-to-image', resolution: '1080p' });
      expect(await amisi.balance(accountId)).toMatchObject({ available: '139' });

      const period = 'from=2033-06-15&to=2033-06-16';
      const byDay = await waitFor('the usage projection', async () => {
        const body = await report(`groupBy=day&${period}`);
        return body.rows.length === 2 && body.rows[1].uses === 1 ? body : undefined;
      }, SEED_WAIT_MS);
      expect(byDay.rows).toEqual([{ day: '2033-06-15', uses: 3, credits: '9' }, { day: '2033-06-16', uses: 1, credits: '2' }]);
      expect((await report(`groupBy=user&${period}`)).rows).toEqual([{ user: 'ana', uses: 2, credits: '7' }, { user: 'ben', uses: 2, credits: '4' }]);
      expect((await report(`groupBy=feature&${period}`)).rows).toEqual([
        { feature: 'chat-message', uses: 1, credits: '3' },
        { feature: 'image-to-text', uses: 1, credits: '2' },
        { feature: 'text-to-image', uses: 2, credits: '6' },
      ]);
      expect((await report('groupBy=feature&from=2033-06-16&to=2033-06-16')).rows).toEqual([{ feature: 'text-to-image', uses: 1, credits: '2' }]);

      const csv = await amisi.call('ops', 'GET', `/v1/reports/usage?groupBy=user&${period}&format=csv`);
      expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
      expect(String(csv.body).trim().split(/\r?\n/)).toEqual(['user,uses,credits', 'ana,2,7', 'ben,2,4']);
    });

    it('gives per-account usage analytics to business accounts and refuses them to pro accounts (422)', async () => {
      const business = await subscribed('business', 'monthly', { type: 'team', members: ['cy', 'di'] });
      await amisi.charge(business, { userId: 'cy', feature: 'text-to-image', resolution: '4K' });
      await amisi.charge(business, { userId: 'di', feature: 'chat-message' });
      const pro = await subscribed('pro');
      await amisi.charge(pro, { feature: 'chat-message' });

      const byUser = await waitFor('the business account in its report', async () => {
        const r = await amisi.call('ops', 'GET', `/v1/accounts/${business}/reports/usage?groupBy=user`);
        return r.status === 200 && r.body.rows.length === 2 ? r.body : undefined;
      }, SEED_WAIT_MS);
      expect(byUser.rows).toEqual([{ user: 'cy', uses: 1, credits: '3' }, { user: 'di', uses: 1, credits: '1' }]);
      const csv = await amisi.call('ops', 'GET', `/v1/accounts/${business}/reports/usage?groupBy=feature&format=csv`);
      expect(String(csv.body).trim().split(/\r?\n/)).toEqual(['feature,uses,credits', 'chat-message,1,1', 'text-to-image,1,3']);

      const refused = await waitFor('the pro account known to the projection', async () => {
        const r = await amisi.call('ops', 'GET', `/v1/accounts/${pro}/reports/usage`);
        return r.status === 422 ? r : undefined;
      }, SEED_WAIT_MS);
      expect(refused.body).toMatchObject({ error: 'analytics_not_in_plan', details: { planId: 'pro', plans: ['business', 'enterprise'] } });
      expect((await amisi.call('ops', 'GET', '/v1/accounts/nobody-here/reports/usage')).status).toBe(404);
    });
  });

  describe('enterprise tier', () => {
    it('puts an account on enterprise with the allocation of its contract, and lets its team grow without a cap', async () => {
      const members = Array.from({ length: 25 }, (_, i) => `member-${i}`);
      const accountId = await amisi.openAccount(uniqueId('team'), { type: 'team', members: members.slice(0, 2) });
      const body = { planId: 'enterprise', billingPeriod: 'yearly', monthlyCredits: '1000', rolloverCap: '2000' };
      const started = await amisi.call('admin', 'PUT', `/v1/accounts/${accountId}/subscription`, body);
      expect(started).toMatchObject({ status: 200, body: { planId: 'enterprise', billingPeriod: 'yearly', status: 'active' } });
      await amisi.balanceWhen(accountId, 'the enterprise grant', (b) => b.planId === 'enterprise');
      expect(await amisi.balance(accountId)).toMatchObject({ available: '1000', byType: { subscription: '1000' } });
      expect((await amisi.call('admin', 'PUT', `/v1/accounts/${accountId}`, { type: 'team', members })).status).toBe(200);
    });

    it('refuses a custom allocation on a plan with fixed credits (400) and a custom plan without one (422)', async () => {
      const accountId = await amisi.openAccount();
      const fixed = await amisi.call('admin', 'PUT', `/v1/accounts/${accountId}/subscription`, { planId: 'pro', billingPeriod: 'monthly', monthlyCredits: '999', rolloverCap: '0' });
      expect(fixed.status).toBe(400);
      const half = await amisi.call('admin', 'PUT', `/v1/accounts/${accountId}/subscription`, { planId: 'enterprise', billingPeriod: 'monthly', monthlyCredits: '1000' });
      expect(half).toMatchObject({ status: 422, body: { error: 'custom_plan' } });
      expect(await amisi.balance(accountId)).toMatchObject({ available: '0', planId: null });
    });
  });
});

// Member spending limits through HTTP: a team member's monthly cap on the shared balance, enforced
// in the same decision as the balance, reported per member, reset with the month.
import { EmbeddedPlatform, apiKey, startEmbeddedPlatform } from './embedded-platform';
import { ops as opsCommand } from './ops-command';

describe('member spending limits', () => {
  let platform: EmbeddedPlatform;
  const admin = apiKey('apinfer', 'admin');
  const service = apiKey('apinfer', 'service');
  const ops = apiKey('apinfer', 'ops');
  const setClock = (now: string) => platform.request('POST', '/v1/admin/clock', { key: admin, body: { now } });
  const authorize = (usageId: string, userId: string) =>
    platform.request('POST', '/v1/usage/authorize', { key: service, body: { usageId, accountId: 'ms-team', userId, feature: 'qwen-image' } });
  const setLimit = (userId: string, monthlyCredits: unknown, accountId = 'ms-team') =>
    platform.request('PUT', `/v1/accounts/${accountId}/members/${userId}/spending-limit`, { key: admin, body: { monthlyCredits } });
  const members = async () => (await platform.request('GET', '/v1/accounts/ms-team/members', { key: ops })).body;

  beforeAll(async () => {
    platform = await startEmbeddedPlatform({ clock: 'manual' });
    await setClock('2026-11-30T23:00:00.000Z');
    await platform.request('PUT', '/v1/accounts/ms-team', { key: admin, body: { type: 'team', members: ['ann', 'bob'] } });
    await platform.request('PUT', '/v1/accounts/ms-solo', { key: admin, body: { type: 'personal' } });
    await platform.request('POST', '/v1/purchases', { key: admin, body: { purchaseId: 'ms-p1', accountId: 'ms-team', packageId: 'basic', amountPaid: '10', currency: 'CNY' } });
  }, 60_000);

  afterAll(() => platform?.close());

  it('denies a member beyond the monthly limit while the shared balance would pay, and lets the others spend', async () => {
    const set = await setLimit('ann', '5');
    expect(set.status).toBe(200);
    expect(set.body).toEqual({
      accountId: 'ms-team', month: '2026-11', resetsAt: '2026-12-01T00:00:00.000Z',
      members: [{ userId: 'ann', monthlyLimit: '5', spent: '0', remaining: '5' }, { userId: 'bob', monthlyLimit: null, spent: '0', remaining: null }],
    });
    // qwen-image costs 1.75: two fit in 5, a third would make 5.25.
    expect((await authorize('ms-a1', 'ann')).status).toBe(200);
    expect((await authorize('ms-a2', 'ann')).status).toBe(200);
    const denied = await authorize('ms-a3', 'ann');
    const answer = { usageId: 'ms-a3', error: 'member_spending_limit', required: '1.75', limit: '5', spent: '3.5', month: '2026-11', resetsAt: '2026-12-01T00:00:00.000Z' };
    expect([denied.status, denied.body]).toEqual([402, answer]);
    expect((await authorize('ms-a3', 'ann')).body).toEqual(answer); // a repeat gets the first answer
    expect((await authorize('ms-b1', 'bob')).status).toBe(200);
    const balance = (await platform.request('GET', '/v1/accounts/ms-team/balance', { key: ops })).body;
    expect([balance.available, balance.held]).toEqual(['94.75', '5.25']);
  });

  it('gives back what a failed usage held, and reports spending per member', async () => {
    expect((await platform.request('POST', '/v1/usage/ms-a1/complete', { key: service })).status).toBe(200);
    expect((await platform.request('POST', '/v1/usage/ms-a2/fail', { key: service, body: { reason: 'cancelled' } })).status).toBe(200);
    expect((await members()).members).toEqual([
      { userId: 'ann', monthlyLimit: '5', spent: '1.75', remaining: '3.25' },
      { userId: 'bob', monthlyLimit: null, spent: '1.75', remaining: null },
    ]);
    expect((await authorize('ms-a4', 'ann')).status).toBe(200);
  });

  it('starts again with the month', async () => {
    await setClock('2026-12-01T00:00:01.000Z');
    expect((await members()).members[0]).toEqual({ userId: 'ann', monthlyLimit: '5', spent: '0', remaining: '5' });
    expect((await authorize('ms-a5', 'ann')).status).toBe(200);
    expect((await authorize('ms-a6', 'ann')).status).toBe(200);
    expect((await authorize('ms-a7', 'ann')).body).toMatchObject({ error: 'member_spending_limit', spent: '3.5', month: '2026-12', resetsAt: '2027-01-01T00:00:00.000Z' });
  });

  it('lifts a limit with null, and records who set what in the history', async () => {
    expect((await setLimit('ann', null)).body.members[0]).toMatchObject({ monthlyLimit: null, remaining: null });
    expect((await authorize('ms-a8', 'ann')).status).toBe(200);
    const history = (await platform.request('GET', '/v1/accounts/ms-team/transactions', { key: ops })).body.transactions;
    expect(history.filter((t: { type: string }) => t.type === 'MemberSpendingLimitSet').map((t: { userId: string; monthlyCredits: string | null }) => [t.userId, t.monthlyCredits]))
      .toEqual([['ann', '5'], ['ann', null]]);
  });

  it('refuses bad limits, strangers, personal accounts and other roles, changing nothing', async () => {
    const before = (await platform.request('GET', '/v1/accounts/ms-team/transactions', { key: ops })).body.transactions.length;
    for (const value of ['-1', 'abc', 5, undefined]) {
      const r = await setLimit('bob', value);
      expect([value, r.status, r.body.error]).toEqual([value, 400, 'invalid_request']);
    }
    const precise = await setLimit('bob', '1.0001'); // apinfer's amounts carry 3 decimals
    expect([precise.status, precise.body.error]).toEqual([400, 'invalid_amount']);
    expect((await setLimit('zoe', '5')).body.error).toBe('not_a_member');
    const solo = await setLimit('ann', '5', 'ms-solo');
    expect([solo.status, solo.body.error]).toEqual([422, 'not_a_team']);
    expect((await setLimit('ann', '5', 'nobody')).status).toBe(404);
    expect((await platform.request('PUT', '/v1/accounts/ms-team/members/bob/spending-limit', { key: service, body: { monthlyCredits: '5' } })).status).toBe(403);
    expect((await platform.request('GET', '/v1/accounts/ms-team/transactions', { key: ops })).body.transactions).toHaveLength(before);
  });

  it('leaves records the independent reconciler finds consistent, member-limit denials included', async () => {
    const { code, stdout } = await opsCommand({ CREDITFLOW_DATA_DIR: platform.dataDir }, 'reconcile', '--json', '--tenant', 'apinfer');
    expect([code, JSON.parse(stdout).discrepancies]).toEqual([0, []]);
  });
});

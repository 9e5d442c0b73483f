// The access waterfall (issue 15 item 1): free allowances consumed before the lots, rate limits that
// deny instead of spending, all decided in the account's one decision and kept in its events.
import { HOUR_MS } from '@creditflow/kernel';
import { Allowance, RateLimit, rateLimitBreach, rulesFor, standingOf } from './allowances';
import {
  ACCOUNT, accountOpened, acceptUsage, at, authorizeUsage, completeUsage, cr, creditsGranted, failUsage, iso, MINUTE_MS, policy, restoreUsageCredits,
  share, T0, walletSpec,
} from './testing/wallet.fixtures';
import { fold } from './wallet.state';
import { decide } from './wallet.decide';
import { WalletCommand } from './wallet.commands';
import { WalletEvent } from './wallet.events';
import { WalletPolicy } from './wallet.policy';
import { walletFromSnapshot, walletSnapshot } from './wallet.snapshot';

const imagesHourly: Allowance = { id: 'images-hourly', unit: 'uses', amount: 2n, per: 'hour', features: ['text-to-image'], plans: null };
const creditsDaily: Allowance = { id: 'credits-daily', unit: 'credits', amount: cr(3), per: 'day', features: null, plans: null };
const burst: RateLimit = { id: 'burst', uses: 3, per: 'minute', features: null, plans: null };
const waterfall: WalletPolicy = { ...policy, allowances: [imagesHourly, creditsDaily], rateLimits: [burst] };
const { given } = walletSpec(waterfall);
const funded: WalletEvent[] = [accountOpened(), creditsGranted({ lotId: 'purchase:p-1', lotType: 'topup', amount: 100 })];
const until = (ms: number, from = T0) => iso(new Date(from.getTime() + ms));

/** Decides commands in turn from `history`, returning every event. */
function run(history: WalletEvent[], commands: WalletCommand[], p: WalletPolicy = waterfall): WalletEvent[] {
  const events = [...history];
  for (const c of commands) events.push(...decide(c, fold(events), p));
  return events;
}
const holds = (events: WalletEvent[]) => events.filter((e): e is Extract<WalletEvent, { type: 'HoldPlaced' }> => e.type === 'HoldPlaced');

describe('the access waterfall', () => {
  it('pays a usage from a uses allowance first, recording what it used and until when', () => {
    given(funded).when(authorizeUsage({ usageId: 'u1', credits: 10, feature: 'text-to-image' })).thenState((state, events) => {
      const hold = holds(events)[0];
      expect(hold.data.allowances).toEqual([{ allowanceId: 'images-hourly', credits: cr(10), uses: 1, until: until(HOUR_MS) }]);
      expect(hold.data.lots).toEqual([]);
      expect(hold.data.rateLimits).toEqual([{ limitId: 'burst', until: until(MINUTE_MS) }]);
      expect(state.lots.get('purchase:p-1')!.remaining).toBe(cr(100));
      expect(standingOf(state, imagesHourly, T0)).toMatchObject({ used: 1n, left: 1n, resetsAt: until(HOUR_MS) });
    });
  });

  it('then a credits allowance, then the lots in order, summing to the price', () => {
    const events = run(funded, [
      authorizeUsage({ usageId: 'u1', credits: 10, feature: 'text-to-image' }),
      authorizeUsage({ usageId: 'u2', credits: 10, feature: 'text-to-image', now: at(1) }),
      authorizeUsage({ usageId: 'u3', credits: '4.5', feature: 'text-to-image', now: at(2) }),
    ], { ...waterfall, rateLimits: [] });
    const third = holds(events)[2].data;
    expect(third.allowances).toEqual([{ allowanceId: 'credits-daily', credits: cr(3), uses: 0, until: until(24 * HOUR_MS, at(2)) }]);
    expect(third.lots).toEqual([share('purchase:p-1', '1.5')]);
    expect(third.credits).toBe(cr('4.5'));
  });

  it('a uses allowance pays a whole authorization or nothing (quantity counts as uses)', () => {
    const events = run(funded, [authorizeUsage({ usageId: 'u1', credits: 30, feature: 'text-to-image', options: { quantity: 3 } })], { ...waterfall, rateLimits: [] });
    expect(holds(events)[0].data.allowances).toEqual([{ allowanceId: 'credits-daily', credits: cr(3), uses: 0, until: until(24 * HOUR_MS) }]);
    expect(holds(events)[0].data.lots).toEqual([share('purchase:p-1', 27)]);
  });

  it('rolls: a use leaves the window an hour after it was made, not at the top of the hour', () => {
    const p = { ...policy, allowances: [imagesHourly] };
    const events = run(funded, [
      authorizeUsage({ usageId: 'u1', credits: 10, feature: 'text-to-image' }), completeUsage('u1'),
      authorizeUsage({ usageId: 'u2', credits: 10, feature: 'text-to-image', now: at(30 * MINUTE_MS) }), completeUsage('u2', at(30 * MINUTE_MS)),
      authorizeUsage({ usageId: 'u3', credits: 10, feature: 'text-to-image', now: at(HOUR_MS - 1) }), completeUsage('u3', at(HOUR_MS - 1)),
      authorizeUsage({ usageId: 'u4', credits: 10, feature: 'text-to-image', now: at(HOUR_MS) }),
    ], p);
    expect(holds(events).map((h) => h.data.allowances?.[0]?.allowanceId ?? 'lots')).toEqual(['images-hourly', 'images-hourly', 'lots', 'images-hourly']);
    const state = fold(events);
    expect(standingOf(state, imagesHourly, at(HOUR_MS))).toMatchObject({ used: 2n, left: 0n, resetsAt: until(90 * MINUTE_MS) });
  });

  it('gives an allowance use back when the hold is released, and when the charge is restored', () => {
    const p = { ...policy, allowances: [imagesHourly] };
    const released = run(funded, [
      authorizeUsage({ usageId: 'u1', credits: 10, feature: 'text-to-image' }), failUsage('u1', 'cancelled'),
    ], p);
    const release = released.find((e) => e.type === 'HoldReleased')!;
    expect(release.data).toMatchObject({ amount: cr(0), allowances: [{ allowanceId: 'images-hourly', uses: 1 }] });
    expect(standingOf(fold(released), imagesHourly, T0).left).toBe(2n);

    const restored = run(funded, [
      authorizeUsage({ usageId: 'u1', credits: 10, feature: 'text-to-image' }), completeUsage('u1'), restoreUsageCredits('r1', 'u1'),
    ], p);
    expect(restored.find((e) => e.type === 'HoldCaptured')!.data).toMatchObject({ amount: cr(0), allowances: [{ allowanceId: 'images-hourly' }] });
    expect(restored.find((e) => e.type === 'CreditsRestored')!.data).toMatchObject({ amount: cr(0), allowances: [{ allowanceId: 'images-hourly' }] });
    expect(standingOf(fold(restored), imagesHourly, T0).left).toBe(2n);
  });

  it('a hold timing out gives the use back too', () => {
    const p = { ...policy, allowances: [imagesHourly] };
    const events = run(funded, [authorizeUsage({ usageId: 'u1', credits: 10, feature: 'text-to-image' }), { type: 'ExpireDue', data: { now: at(20 * MINUTE_MS) } }], p);
    expect(events.find((e) => e.type === 'HoldReleased')!.data).toMatchObject({ reason: 'timeout', allowances: [{ allowanceId: 'images-hourly' }] });
    expect(standingOf(fold(events), imagesHourly, at(20 * MINUTE_MS)).left).toBe(2n);
  });

  it('pays an accept phase from credit allowances, then lots', () => {
    const p = { ...policy, allowances: [imagesHourly, creditsDaily] };
    const events = run(funded, [
      authorizeUsage({ usageId: 'u1', credits: 1, phases: { generate: 1, accept: 2 }, feature: 'text-to-image' }),
      completeUsage('u1'),
      authorizeUsage({ usageId: 'u2', credits: 2, feature: 'other', now: at(1) }),
      acceptUsage('u1', at(2)),
    ], p);
    const accept = events.find((e) => e.type === 'AcceptCharged')!;
    expect(accept.data).toMatchObject({ amount: cr(1), lots: [share('purchase:p-1', 1)], allowances: [{ allowanceId: 'credits-daily', credits: cr(1), uses: 0 }] });
    expect(fold(events).usages.get('u1')!.acceptPaidFrom).toMatchObject({ allowances: [{ allowanceId: 'credits-daily' }], lots: [share('purchase:p-1', 1)] });
  });

  it('denies beyond a rate limit with when to retry, spending nothing and counting no allowance', () => {
    const events = run(funded, [0, 1, 2].map((i) => authorizeUsage({ usageId: `u${i}`, credits: 1, feature: 'chat', now: at(i * 1000) })));
    given(events).when(authorizeUsage({ usageId: 'u3', credits: 1, feature: 'chat', now: at(5000) })).then([{
      type: 'UsageDenied',
      data: {
        usageId: 'u3', userId: null, feature: 'chat', phase: 'generate', required: cr(1), available: cr(100), deniedAt: iso(at(5000)),
        fingerprint: holds(events)[0].data.fingerprint, rateLimit: { limitId: 'burst', uses: 3, per: 'minute', retryAt: until(MINUTE_MS) },
      },
    }]);
    // A minute after the first, one more is allowed.
    const later = run(events, [authorizeUsage({ usageId: 'u4', credits: 1, feature: 'chat', now: at(MINUTE_MS) })]);
    expect(later[later.length - 1].type).toBe('HoldPlaced');
  });

  it('a denied usage (no credits) uses no allowance', () => {
    const poor = [accountOpened(), creditsGranted({ lotId: 'purchase:p-1', lotType: 'topup', amount: 1 })];
    const events = run(poor, [authorizeUsage({ usageId: 'u1', credits: 10, feature: 'chat' })], { ...policy, allowances: [creditsDaily] });
    expect(events[events.length - 1].type).toBe('UsageDenied');
    expect(standingOf(fold(events), creditsDaily, T0).left).toBe(cr(3));
  });

  it('a free usage uses no allowance', () => {
    const events = run(funded, [authorizeUsage({ usageId: 'u1', credits: 0, feature: 'text-to-image' })], { ...policy, allowances: [imagesHourly] });
    expect(holds(events)[0].data.allowances).toBeUndefined();
  });

  it("counts only the member's share paid by the balance against a spending limit", () => {
    const team = [accountOpened({ kind: 'team', members: ['ann'] }), creditsGranted({ lotId: 'purchase:p-1', lotType: 'topup', amount: 100 })];
    const limit: WalletEvent = { type: 'MemberSpendingLimitSet', data: { userId: 'ann', monthlyCredits: cr(2), setAt: iso(T0) } };
    const events = run([...team, limit], [authorizeUsage({ usageId: 'u1', userId: 'ann', credits: 5, feature: 'chat' })], { ...policy, allowances: [creditsDaily] });
    expect(holds(events)[0].data).toMatchObject({ lots: [share('purchase:p-1', 2)], allowances: [{ credits: cr(3) }] });
  });

  it('accounts and tenants without allowances record what they always did', () => {
    const events = run(funded, [authorizeUsage({ usageId: 'u1', credits: 10 })], policy);
    expect(Object.keys(holds(events)[0].data)).not.toContain('allowances');
    expect(Object.keys(holds(events)[0].data)).not.toContain('rateLimits');
  });

  it('replays: the state folded from the events, or from a snapshot and the tail, decides the same', () => {
    const commands = Array.from({ length: 12 }, (_, i) => authorizeUsage({ usageId: `u${i}`, credits: 2, feature: 'text-to-image', now: at(i * 7 * MINUTE_MS) }));
    const events = run(funded, commands);
    const head = fold(events.slice(0, 6));
    const fromSnapshot = fold(events.slice(6), walletFromSnapshot(JSON.parse(JSON.stringify(walletSnapshot(head), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)), (_k, v) => (typeof v === 'string' && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v))));
    const next = authorizeUsage({ usageId: 'next', credits: 2, feature: 'text-to-image', now: at(90 * MINUTE_MS) });
    expect(decide(next, fromSnapshot, waterfall)).toEqual(decide(next, fold(events), waterfall));
    // The windows keep only uses still in them: bounded by the window, not by history.
    expect([...fold(events).allowanceUses.values()].flat().length).toBeLessThanOrEqual(3);
    expect(fold(events).accountId).toBe(ACCOUNT);
  });
});

describe('which allowances apply', () => {
  const rules: Allowance[] = [
    { ...creditsDaily, id: 'default' },
    { ...creditsDaily, id: 'pro-only', plans: ['pro'] },
    { ...imagesHourly, id: 'pro-images', plans: ['pro'], features: ['text-to-image'] },
  ];
  it('a plan with its own allowances gets those; other accounts the tenant default', () => {
    expect(rulesFor(rules, 'pro', 'text-to-image').map((r) => r.id)).toEqual(['pro-only', 'pro-images']);
    expect(rulesFor(rules, 'pro', 'chat').map((r) => r.id)).toEqual(['pro-only']);
    expect(rulesFor(rules, 'basic', 'text-to-image').map((r) => r.id)).toEqual(['default']);
    expect(rulesFor(rules, null, 'chat').map((r) => r.id)).toEqual(['default']);
  });
  it('a rate limit retries when enough counted authorizations have left the window', () => {
    const state = { allowanceUses: new Map(), rateLimitUses: new Map([['burst', [T0.getTime() + 1000, T0.getTime() + 2000, T0.getTime() + 3000]]]) };
    expect(rateLimitBreach(state, [{ ...burst, uses: 2 }], T0)).toEqual({ limit: { ...burst, uses: 2 }, retryAt: until(2000) });
    expect(rateLimitBreach(state, [{ ...burst, uses: 4 }], T0)).toBeNull();
    expect(rateLimitBreach(state, [{ ...burst, uses: 2 }], at(2000))).toBeNull();
  });
});

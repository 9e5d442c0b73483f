// Member spending limits: a team member's monthly cap on the shared balance, decided with the
// balance in the same decision (issue 15 item 5: Amisi's teams, listing-editor's team plan).
import { DAY_MS } from '@creditflow/kernel';
import {
  accountOpened, acceptCharged, acceptUsage, at, authorizeUsage, cr, creditsGranted, creditsRestored, holdCaptured, holdPlaced, holdReleased, iso,
  share, T0, usageDenied, walletSpec,
} from './testing/wallet.fixtures';
import { WalletCommand } from './wallet.commands';
import { WalletEvent } from './wallet.events';
import { memberSpentIn } from './wallet.state';

const { given } = walletSpec();
const team = accountOpened({ kind: 'team', members: ['ann', 'bob'] });
const funded = [team, creditsGranted({ lotId: 'topup:p1', lotType: 'topup', amount: 1000 })];
const setLimit = (userId: string, monthlyCredits: number | null, now = T0): WalletCommand =>
  ({ type: 'SetMemberSpendingLimit', data: { userId, monthlyCredits: monthlyCredits === null ? null : cr(monthlyCredits), now } });
const limitSet = (userId: string, monthlyCredits: number | null, now = T0): WalletEvent =>
  ({ type: 'MemberSpendingLimitSet', data: { userId, monthlyCredits: monthlyCredits === null ? null : cr(monthlyCredits), setAt: iso(now) } });
const spent = (usageId: string, userId: string, credits: number, now = T0): WalletEvent[] => [
  holdPlaced({ usageId, userId, credits, lots: [share('topup:p1', credits)], now }),
  holdCaptured(usageId, [share('topup:p1', credits)], now),
];
// T0 is 2025-03-01T12:00Z: March.
const limited = [...funded, limitSet('ann', 50), ...spent('u1', 'ann', 30)];

describe('member spending limits', () => {
  it('lets a member spend up to the limit this month', () => {
    given(limited).when(authorizeUsage({ usageId: 'u2', userId: 'ann', credits: 20 }))
      .then([holdPlaced({ usageId: 'u2', userId: 'ann', credits: 20, lots: [share('topup:p1', 20)] })]);
  });

  it('denies beyond it, saying the limit, what was spent and the month, while the balance would pay', () => {
    const denied = usageDenied({ usageId: 'u2', userId: 'ann', credits: 21, available: 970 });
    given(limited).when(authorizeUsage({ usageId: 'u2', userId: 'ann', credits: 21 }))
      .then([{ ...denied, data: { ...(denied.data as object), memberLimit: { limit: cr(50), spent: cr(30), month: '2025-03' } } } as WalletEvent]);
  });

  it('counts open holds and accept charges, gives back releases and restorations', () => {
    const history = [
      ...limited,
      holdPlaced({ usageId: 'h', userId: 'ann', credits: 15, lots: [share('topup:p1', 15)] }),
      holdPlaced({ usageId: 'r', userId: 'ann', credits: 5, lots: [share('topup:p1', 5)] }),
      holdReleased('r', [share('topup:p1', 5)], 'cancelled'),
      creditsRestored('x', 'u1', [share('topup:p1', 30)]),
      holdPlaced({ usageId: 'p', userId: 'ann', credits: 2, phases: { generate: 2, accept: 8 }, lots: [share('topup:p1', 2)] }),
      holdCaptured('p', [share('topup:p1', 2)]),
      acceptCharged('p', [share('topup:p1', 8)]),
    ];
    // 30 - 30 + 15 + 5 - 5 + 2 + 8 = 25
    given(history).when(authorizeUsage({ usageId: 'n', userId: 'bob', credits: 1 })).thenState((after) => {
      expect(memberSpentIn(after, 'ann', T0)).toBe(cr(25));
    });
  });

  it('starts again each month (UTC)', () => {
    const april = new Date('2025-04-01T00:00:00.000Z');
    given(limited).when(authorizeUsage({ usageId: 'u2', userId: 'ann', credits: 50, now: april })).thenState((after, events) => {
      expect(events.map((e) => e.type)).toEqual(['HoldPlaced']);
      expect(memberSpentIn(after, 'ann', april)).toBe(cr(50));
      expect(memberSpentIn(after, 'ann', at(0))).toBe(cr(0)); // March's figure is gone with April's spending
    });
    // A March hold released in April gives nothing back to April, and never goes below zero.
    const late = [...limited, holdPlaced({ usageId: 'h', userId: 'ann', credits: 10, lots: [share('topup:p1', 10)] }), holdReleased('h', [share('topup:p1', 10)], 'timeout', april)];
    given(late).when(authorizeUsage({ usageId: 'u3', userId: 'bob', credits: 1, now: april })).thenState((after) => {
      expect(memberSpentIn(after, 'ann', april)).toBe(cr(0));
    });
  });

  it('leaves other members and members without a limit alone', () => {
    given([...limited, ...spent('b1', 'bob', 500)]).when(authorizeUsage({ usageId: 'b2', userId: 'bob', credits: 400 }))
      .then([holdPlaced({ usageId: 'b2', userId: 'bob', credits: 400, lots: [share('topup:p1', 400)] })]);
  });

  it('refuses an accept beyond the limit, once for the same figures', () => {
    const phased = [...funded, limitSet('ann', 10), holdPlaced({ usageId: 'p', userId: 'ann', credits: 2, phases: { generate: 2, accept: 9 }, lots: [share('topup:p1', 2)] }), holdCaptured('p', [share('topup:p1', 2)])];
    given(phased).when(acceptUsage('p')).thenState((after, events) => {
      expect(events).toEqual([expect.objectContaining({ type: 'UsageDenied', data: expect.objectContaining({ phase: 'accept', memberLimit: { limit: cr(10), spent: cr(2), month: '2025-03' } }) })]);
      expect(after.usages.get('p')?.denial?.memberLimit).toEqual({ limit: cr(10), spent: cr(2), month: '2025-03' });
      given([...phased, ...events]).when(acceptUsage('p')).thenNothingHappens();
    });
  });

  it('is set for members of team accounts only, as a setting', () => {
    given(funded).when(setLimit('ann', 50)).then([limitSet('ann', 50)]);
    given([...funded, limitSet('ann', 50)]).when(setLimit('ann', 50, at(DAY_MS))).thenNothingHappens();
    given([...funded, limitSet('ann', 50)]).when(setLimit('ann', null)).then([limitSet('ann', null)]);
    given(funded).when(setLimit('ann', null)).thenNothingHappens();
    given(funded).when(setLimit('zoe', 50)).thenThrows('WALLET.NOT_A_MEMBER');
    given([accountOpened(), creditsGranted({ lotId: 'topup:p1', lotType: 'topup', amount: 10 })]).when(setLimit('ann', 50)).thenThrows('WALLET.NOT_A_TEAM');
    given([...funded, limitSet('ann', 50), limitSet('ann', null)]).when(authorizeUsage({ usageId: 'u', userId: 'ann', credits: 900 }))
      .then([holdPlaced({ usageId: 'u', userId: 'ann', credits: 900, lots: [share('topup:p1', 900)] })]);
  });

});

// Logins and their daily lots (issue 13, rules 2 and 3): an account never holds two days' daily
// credits (a new day's lot replaces what is left of the last one), and a login is idempotent by its
// loginId, at any time. Given the account's events, when a login, then these events.
import { DAY_MS, formatCredits, wholeCredits } from '@creditflow/kernel';
import { WalletEvent } from './wallet.events';
import { DailyCredits } from './wallet.policy';
import { dailyLogin } from './wallet.requests';
import {
  MINUTE_MS, accountOpened, creditsGranted, failUsage, holdPlaced, holdReleased, lotExpired, share, walletSpec,
} from './testing/wallet.fixtures';

const rolling: DailyCredits = { amount: wholeCredits(10), expiry: 'rolling-24h', resetTimeZone: 'UTC' };
const reset: DailyCredits = { amount: wholeCredits(10), expiry: 'reset', resetTimeZone: 'UTC' };

const LATE = new Date('2030-01-10T23:50:00Z'); // the last minutes of 2030-01-10 (UTC)
const NEXT = new Date('2030-01-11T00:10:00Z'); // 20 minutes later: 2030-01-11

const login = (loginId: string, now: Date, daily = rolling) => dailyLogin(daily, loginId, now)!;
/** What a login that granted its window's lot recorded. */
function granted(loginId: string, now: Date, daily = rolling): WalletEvent[] {
  const { lotId, window, amount, expiresAt } = login(loginId, now, daily).data;
  return [
    creditsGranted({ lotId, lotType: 'daily', amount: formatCredits(amount), expiresAt, source: { kind: 'login', id: window }, now }),
    loginRecorded(loginId, lotId, now),
  ];
}
function loginRecorded(loginId: string, lotId: string, now: Date): WalletEvent {
  return { type: 'LoginRecorded', data: { loginId, lotId, loggedInAt: now.toISOString() } };
}
function replaced(lotId: string, amount: number, by: string, now: Date): WalletEvent {
  return { type: 'LotExpired', data: { lotId, amount: wholeCredits(amount), expiredAt: now.toISOString(), replacedBy: by } };
}

describe('a login', () => {
  it('grants its window’s daily lot and remembers the loginId', () => {
    walletSpec()
      .given([accountOpened()])
      .when(login('l-1', LATE))
      .then(granted('l-1', LATE));
  });

  it('names the lot of its window, kept 24 h on a rolling expiry', () => {
    expect(login('l-1', LATE).data).toEqual({
      loginId: 'l-1', lotId: 'daily:2030-01-10', window: '2030-01-10', amount: wholeCredits(10), expiresAt: new Date(LATE.getTime() + DAY_MS), now: LATE,
    });
    expect(dailyLogin(undefined, 'l-1', LATE)).toBeNull();
  });

  it('gives another login of the same window the same lot, and grants nothing more', () => {
    const later = new Date(LATE.getTime() + 5 * MINUTE_MS);
    walletSpec()
      .given([accountOpened(), ...granted('l-1', LATE)])
      .when(login('l-2', later))
      .then([loginRecorded('l-2', 'daily:2030-01-10', later)]);
  });
});

describe('a new day’s daily lot replaces the last one (never two days’ credits at once)', () => {
  it('expires what is left of the last day’s lot at the grant: a login at 23:50 UTC and one 20 minutes later hold 10, not 20', () => {
    const next = walletSpec().given([accountOpened(), ...granted('l-1', LATE)]).when(login('l-2', NEXT));
    next.then([replaced('daily:2030-01-10', 10, 'daily:2030-01-11', NEXT), ...granted('l-2', NEXT)]);
    next.thenState((after) => {
      expect([...after.lots.values()].filter((l) => l.type === 'daily' && !l.expired).map((l) => [l.lotId, l.remaining])).toEqual([
        ['daily:2030-01-11', wholeCredits(10)],
      ]);
    });
  });

  it('expires only the unused remainder; credits held on the old lot expire when the hold is released', () => {
    const usage = { usageId: 'u-1', credits: 4, now: new Date(NEXT.getTime() - 5 * MINUTE_MS) }; // held until 00:20
    const events = [accountOpened(), ...granted('l-1', LATE), holdPlaced({ ...usage, lots: [share('daily:2030-01-10', 4)] })];
    walletSpec()
      .given(events)
      .when(login('l-2', NEXT))
      .then([replaced('daily:2030-01-10', 6, 'daily:2030-01-11', NEXT), ...granted('l-2', NEXT)]);
    walletSpec()
      .given([...events, replaced('daily:2030-01-10', 6, 'daily:2030-01-11', NEXT), ...granted('l-2', NEXT)])
      .when(failUsage('u-1', 'cancelled', NEXT))
      .then([holdReleased('u-1', [share('daily:2030-01-10', 4)], 'cancelled', NEXT), lotExpired('daily:2030-01-10', 4, NEXT)]);
  });

  it('replaces nothing when the last day’s lot is already gone (expiry at the reset)', () => {
    const resetLate = login('l-1', LATE, reset).data;
    expect(resetLate.expiresAt).toEqual(new Date('2030-01-11T00:00:00Z'));
    walletSpec()
      .given([accountOpened(), ...granted('l-1', LATE, reset)])
      .when(login('l-2', NEXT, reset))
      .then([lotExpired('daily:2030-01-10', 10, NEXT), ...granted('l-2', NEXT, reset)]);
  });

  it('replaces a daily lot whatever command grants the next one', () => {
    walletSpec()
      .given([accountOpened(), ...granted('l-1', LATE)])
      .when({ type: 'GrantCredits', data: { lotId: 'daily:x', lotType: 'daily', amount: wholeCredits(3), expiresAt: null, costBasis: null, source: { kind: 'grant', id: 'x' }, now: NEXT } })
      .then([replaced('daily:2030-01-10', 10, 'daily:x', NEXT), creditsGranted({ lotId: 'daily:x', lotType: 'daily', amount: 3, source: { kind: 'grant', id: 'x' }, now: NEXT })]);
  });
});

describe('a login is idempotent by its loginId', () => {
  it('answers the same loginId repeated the next day with the first lot and grants nothing', () => {
    const repeated = walletSpec().given([accountOpened(), ...granted('l-1', LATE)]).when(login('l-1', NEXT));
    repeated.thenNothingHappens();
    repeated.thenState((after) => expect(after.logins.get('l-1')).toBe('daily:2030-01-10'));
  });

  it('still grants nothing for it a week later, once its lot has expired (only time expires it)', () => {
    const weekLater = new Date(LATE.getTime() + 7 * DAY_MS);
    walletSpec()
      .given([accountOpened(), ...granted('l-1', LATE)])
      .when(login('l-1', weekLater))
      .then([lotExpired('daily:2030-01-10', 10, weekLater)]);
  });

  it('keeps a loginId that got no lot of its own (a later login of a window) from granting later', () => {
    const later = new Date(LATE.getTime() + 5 * MINUTE_MS);
    walletSpec()
      .given([accountOpened(), ...granted('l-1', LATE), loginRecorded('l-2', 'daily:2030-01-10', later)])
      .when(login('l-2', NEXT))
      .thenNothingHappens();
  });
});

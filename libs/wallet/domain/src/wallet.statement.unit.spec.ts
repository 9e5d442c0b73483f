// The statement and the burn rate: every change with its running balance, checked line by line.
import {
  accountOpened, at, cr, creditsGranted, creditsRestored, holdCaptured, holdPlaced, holdReleased, HOUR_MS, iso, lowBalanceAlertRaised,
  policy, share, T0,
} from './testing/wallet.fixtures';
import { WalletEvent } from './wallet.events';
import { forecastOf } from './wallet.forecast';
import { statementOf } from './wallet.statement';

const DAY_MS = 24 * HOUR_MS;
const neg = (v: number | string) => -cr(v) as typeof ZERO_CREDITS;
const ZERO_CREDITS = cr(0);
const stored = (events: WalletEvent[]) => events.map((event, i) => ({ event, revision: BigInt(i) }));

describe('the statement', () => {
  const history = [
    accountOpened(),
    creditsGranted({ lotId: 'topup:p1', lotType: 'topup', amount: 100 }),
    holdPlaced({ usageId: 'u1', credits: 30, lots: [share('topup:p1', 30)], now: at(HOUR_MS) }),
    lowBalanceAlertRaised(70, 80, at(HOUR_MS)),
    holdCaptured('u1', [share('topup:p1', 30)], at(2 * HOUR_MS)),
    holdPlaced({ usageId: 'u2', credits: '12.5', lots: [share('topup:p1', '12.5')], now: at(3 * HOUR_MS) }),
    holdReleased('u2', [share('topup:p1', '12.5')], 'platform_error', at(4 * HOUR_MS)),
    creditsRestored('r1', 'u1', [share('topup:p1', 30)], at(5 * HOUR_MS)),
  ];

  it('lists each change of available or held credits with the balance after it and its revision', () => {
    const s = statementOf(stored(history), policy, at(6 * HOUR_MS));
    expect(s.lines.map((l) => [l.revision, l.type, l.reference, l.availableChange, l.heldChange, l.available, l.held])).toEqual([
      [1n, 'CreditsGranted', 'topup:p1', cr(100), cr(0), cr(100), cr(0)],
      [2n, 'HoldPlaced', 'u1', neg(30), cr(30), cr(70), cr(30)],
      // the alert (revision 3) changes nothing and is not a line
      [4n, 'HoldCaptured', 'u1', cr(0), neg(30), cr(70), cr(0)],
      [5n, 'HoldPlaced', 'u2', neg('12.5'), cr('12.5'), cr('57.5'), cr('12.5')],
      [6n, 'HoldReleased', 'u2', cr('12.5'), neg('12.5'), cr(70), cr(0)],
      [7n, 'CreditsRestored', 'u1', cr(30), cr(0), cr(100), cr(0)],
    ]);
    expect(s.lines[1].at).toBe(iso(at(HOUR_MS)));
    expect(s).toMatchObject({ revision: 7n, available: cr(100), held: cr(0) });
  });

  it('adds the expiries due at its time that are not stored yet, without a revision', () => {
    const expiring = [accountOpened(), creditsGranted({ lotId: 'daily:d1', lotType: 'daily', amount: 10, expiresAt: at(DAY_MS) })];
    expect(statementOf(stored(expiring), policy, at(DAY_MS - 1)).lines).toHaveLength(1);
    const s = statementOf(stored(expiring), policy, at(DAY_MS + 1));
    expect(s.lines.at(-1)).toMatchObject({ revision: null, type: 'LotExpired', reference: 'daily:d1', availableChange: cr(-10), available: cr(0) });
    expect(s).toMatchObject({ revision: 1n, available: cr(0) });
  });

  it('is empty for an account that does not exist', () => {
    expect(statementOf([], policy, T0)).toMatchObject({ lines: [], revision: null, available: cr(0), held: cr(0) });
  });
});

describe('the forecast', () => {
  // T0 is 2025-03-01T12:00Z; each day's charge is at 13:00.
  const spendDaily = (days: number, perDay: number) => {
    const events: WalletEvent[] = [accountOpened(), creditsGranted({ lotId: 'topup:p1', lotType: 'topup', amount: 1000 })];
    for (let d = 0; d < days; d++) {
      const usageId = `u${d}`;
      events.push(holdPlaced({ usageId, credits: perDay, lots: [share('topup:p1', perDay)], now: at(d * DAY_MS + HOUR_MS) }));
      events.push(holdCaptured(usageId, [share('topup:p1', perDay)], at(d * DAY_MS + HOUR_MS)));
    }
    return statementOf(stored(events), policy, at(days * DAY_MS)).state;
  };

  it('measures the rate over the last days, today included, and says when the credits run out at it', () => {
    // Now 2025-03-31T12:00: the window is March 25-31, 6.5 days so far, holding six charges of 20 (120);
    // 400 left: 400 / (120 / 6.5) = 21.67 days, shown as 21.6; 21 days and 16 hours exactly.
    const f = forecastOf(spendDaily(30, 20), at(30 * DAY_MS), 7);
    expect(f).toEqual({ since: '2025-03-25', spent: cr(120), perDay: cr('18.461538'), runsOutInDays: 21.6, runsOutAt: iso(at(30 * DAY_MS + 21 * DAY_MS + 16 * HOUR_MS)) });
  });

  it('measures a young account over its life, and never over less than a day', () => {
    // Opened on March 1, now March 3 at noon: 40 in 2.5 days, 16 a day; 960 / 16 = 60 days.
    expect(forecastOf(spendDaily(2, 20), at(2 * DAY_MS), 7)).toMatchObject({ since: '2025-03-01', perDay: cr(16), runsOutInDays: 60 });
    // 20 spent in the account's first two hours counts as 20 a day, not 240.
    expect(forecastOf(spendDaily(1, 20), at(2 * HOUR_MS), 7)).toMatchObject({ perDay: cr(20), runsOutInDays: 49 });
  });

  it('rounds the days down to a tenth, exactly', () => {
    // March 2-8 hold six charges of 3 (18) over 6.5 days; 979 / (18 / 6.5) = 353.53 days.
    expect(forecastOf(spendDaily(7, 3), at(7 * DAY_MS), 7)).toMatchObject({ perDay: cr('2.769230'), runsOutInDays: 353.5 });
  });

  it('has no end when nothing is spent (restorations give spending back)', () => {
    const events = [accountOpened(), creditsGranted({ lotId: 'topup:p1', lotType: 'topup', amount: 10 }),
      holdPlaced({ usageId: 'u1', credits: 5, lots: [share('topup:p1', 5)] }), holdCaptured('u1', [share('topup:p1', 5)]),
      creditsRestored('r1', 'u1', [share('topup:p1', 5)])];
    expect(forecastOf(statementOf(stored(events), policy, at(HOUR_MS)).state, at(HOUR_MS), 7))
      .toEqual({ since: '2025-03-01', spent: cr(0), perDay: cr(0), runsOutInDays: null, runsOutAt: null });
  });

  it('keeps only the last 31 days of spending in the state', () => {
    expect([...spendDaily(40, 1).spendingByDay.keys()]).toEqual(Array.from({ length: 31 }, (_, i) => iso(at((9 + i) * DAY_MS)).slice(0, 10)));
  });
});

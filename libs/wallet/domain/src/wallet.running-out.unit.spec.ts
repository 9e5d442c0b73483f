// The run-out alert: a command that brings the 7-day burn-rate forecast under the tenant's days raises
// one alert per crossing (issue 15 item 4: "as an alert before it happens").
import { HOUR_MS } from '@creditflow/kernel';
import { accountOpened, at, completeUsage, cr, creditsGranted, holdCaptured, holdPlaced, iso, policy, share, walletSpec } from './testing/wallet.fixtures';
import { WalletEvent } from './wallet.events';

const DAY_MS = 24 * HOUR_MS;
const alerting = { ...policy, runOutAlertDays: 3 };
// T0 is 2025-03-01T12:00Z: opened and funded with 100; 10 charged that day; a hold of 80 placed on March 5 at noon.
const history: WalletEvent[] = [
  accountOpened(), creditsGranted({ lotId: 'topup:p1', lotType: 'topup', amount: 100 }),
  holdPlaced({ usageId: 'u1', credits: 10, lots: [share('topup:p1', 10)], now: at(HOUR_MS) }), holdCaptured('u1', [share('topup:p1', 10)], at(HOUR_MS)),
  holdPlaced({ usageId: 'u2', credits: 80, lots: [share('topup:p1', 80)], now: at(4 * DAY_MS) }),
];
const now = at(4 * DAY_MS);

describe('the run-out alert', () => {
  it('is raised by the charge that brings the forecast under the days, with the rate and when', () => {
    // Before: 10 spent in 4.5 days (since March 1), 10 available: 4.5 days. After: 90 spent, 20 a day, 10 left: half a day.
    walletSpec(alerting).given(history).when(completeUsage('u2', now)).then([
      holdCaptured('u2', [share('topup:p1', 80)], now),
      { type: 'RunningOutAlertRaised', data: { available: cr(10), perDay: cr(20), runsOutAt: iso(at(4.5 * DAY_MS)), withinDays: 3, raisedAt: iso(now) } },
    ]);
  });

  it('is raised once per crossing', () => {
    const alerted = [...history, holdCaptured('u2', [share('topup:p1', 80)], now),
      { type: 'RunningOutAlertRaised', data: { available: cr(10), perDay: cr(20), runsOutAt: iso(at(4.5 * DAY_MS)), withinDays: 3, raisedAt: iso(now) } } as WalletEvent];
    // A further charge while the forecast is already under 3 days raises nothing.
    const placed = [...alerted, holdPlaced({ usageId: 'u3', credits: 1, lots: [share('topup:p1', 1)], now })];
    walletSpec(alerting).given(placed).when(completeUsage('u3', now)).then([holdCaptured('u3', [share('topup:p1', 1)], now)]);
  });

  it('is never raised for a tenant without runOutAlertDays', () => {
    walletSpec(policy).given(history).when(completeUsage('u2', now)).then([holdCaptured('u2', [share('topup:p1', 80)], now)]);
  });
});

// Claw-backs: an approved money refund takes the purchase's unused credits back from its lot.
import { parseMoney } from '@creditflow/kernel';
import {
  accountOpened, at, authorizeUsage, completeUsage, cr, creditsGranted, creditsRestored, failUsage, holdCaptured, holdPlaced, holdReleased,
  HOLD_TIMEOUT_MS, iso, lowBalanceAlertRaised, MINUTE_MS, policy, restoreUsageCredits, share, T0, usageFailedAfterCompletion, walletSpec,
} from './testing/wallet.fixtures';
import { WalletCommand } from './wallet.commands';
import { WalletEvent } from './wallet.events';
import { balanceOf } from './wallet.state';

const { given } = walletSpec();
// Within the hold timeout (15 min), so holds are still in flight unless a test says otherwise.
const SOON = at(5 * MINUTE_MS);
const LATER = at(10 * MINUTE_MS);
const paid = parseMoney('10', 'CNY');
const purchase = (lotId: string, amount: number, at = T0) =>
  creditsGranted({ lotId, lotType: 'topup', amount, now: at, costBasis: { paidMinor: paid.minor, currency: 'CNY', promotional: false }, source: { kind: 'purchase', id: lotId } });

function clawBack(refundId: string, lotId: string, amount: number | string, now = SOON): WalletCommand {
  return { type: 'ClawBackCredits', data: { refundId, lotId, amount: cr(amount), now } };
}
function clawedBack(refundId: string, lotId: string, amount: number | string, now = SOON): WalletEvent {
  return { type: 'CreditsClawedBack', data: { refundId, lotId, amount: cr(amount), clawedBackAt: iso(now) } };
}
function refused(refundId: string, lotId: string, requested: number | string, unused: number | string, now = SOON): WalletEvent {
  return { type: 'ClawBackRefused', data: { refundId, lotId, requested: cr(requested), unused: cr(unused), refusedAt: iso(now) } };
}

const opened = accountOpened();
const bought = [opened, purchase('purchase:p1', 100)];
const partlyUsed = [...bought, holdPlaced({ usageId: 'u1', credits: 30, lots: [share('purchase:p1', 30)] }), holdCaptured('u1', [share('purchase:p1', 30)])];

describe('clawing back a refund', () => {
  it('takes the unused credits from the purchase lot and out of the balance', () => {
    given(partlyUsed).when(clawBack('r1', 'purchase:p1', 70)).thenState((after, events) => {
      expect(events).toEqual([clawedBack('r1', 'purchase:p1', 70)]);
      expect(after.lots.get('purchase:p1')).toMatchObject({ amount: cr(100), remaining: cr(0) });
      expect(balanceOf(after).available).toBe(cr(0));
    });
  });

  it('takes part of a lot and leaves the rest usable', () => {
    given(bought).when(clawBack('r1', 'purchase:p1', '37.25')).thenState((after) => {
      expect(after.lots.get('purchase:p1')?.remaining).toBe(cr('62.75'));
    });
  });

  it('claws back once per refundId', () => {
    given([...partlyUsed, clawedBack('r1', 'purchase:p1', 70)]).when(clawBack('r1', 'purchase:p1', 70, LATER)).thenNothingHappens();
  });

  it('refuses a reused refundId with another lot or amount: WALLET.ID_REUSED', () => {
    given([...partlyUsed, clawedBack('r1', 'purchase:p1', 70)]).when(clawBack('r1', 'purchase:p1', 50)).thenThrows('WALLET.ID_REUSED', { id: 'r1' });
  });

  it('records a refusal and takes nothing when the lot has fewer unused credits than asked (used after the decision)', () => {
    given(partlyUsed).when(clawBack('r1', 'purchase:p1', 100)).thenState((after, events) => {
      expect(events).toEqual([refused('r1', 'purchase:p1', 100, 70)]);
      expect(after.lots.get('purchase:p1')?.remaining).toBe(cr(70));
    });
  });

  it('answers a refused refundId again with nothing new, even once the credits would be there', () => {
    const history = [...partlyUsed, refused('r1', 'purchase:p1', 100, 70)];
    given(history).when(clawBack('r1', 'purchase:p1', 100)).thenNothingHappens();
  });

  it('refuses a claw-back from a lot the account does not have', () => {
    given(bought).when(clawBack('r1', 'purchase:nope', 5)).then([refused('r1', 'purchase:nope', 5, 0)]);
  });

  it('refuses a claw-back of nothing or less', () => {
    given(bought).when(clawBack('r1', 'purchase:p1', 0)).thenThrows('AMOUNT.INVALID');
  });

  it('raises the low-balance alert when a claw-back takes the balance below the threshold', () => {
    const { given: withAlert } = walletSpec({ ...policy, lowBalanceThreshold: cr(10) });
    withAlert(bought).when(clawBack('r1', 'purchase:p1', 95)).then([clawedBack('r1', 'purchase:p1', 95), lowBalanceAlertRaised(5, 10, SOON)]);
  });
});

describe('holds in flight on a refunded lot', () => {
  // Rule: only unheld credits are unused. Held credits are neither refunded nor clawed back; if the
  // hold is later released (or a charge restored) they return to the lot and stay with the account.
  const held = [...bought, holdPlaced({ usageId: 'u1', credits: 30, lots: [share('purchase:p1', 30)] })];

  it('does not count held credits as unused: clawing back more than the unheld credits is refused', () => {
    given(held).when(clawBack('r1', 'purchase:p1', 100)).then([refused('r1', 'purchase:p1', 100, 70)]);
  });

  it('claws back the unheld credits while the hold stays in place', () => {
    given(held).when(clawBack('r1', 'purchase:p1', 70)).thenState((after) => {
      expect(after.lots.get('purchase:p1')?.remaining).toBe(cr(0));
      expect(balanceOf(after)).toMatchObject({ available: cr(0), held: cr(30) });
    });
  });

  it('lets credits a hold releases back to the clawed-back lot stay with the account', () => {
    given([...held, clawedBack('r1', 'purchase:p1', 70)]).when(failUsage('u1', 'cancelled', LATER)).thenState((after, events) => {
      expect(events).toEqual([holdReleased('u1', [share('purchase:p1', 30)], 'cancelled', LATER)]);
      expect(balanceOf(after)).toMatchObject({ available: cr(30), held: cr(0) });
    });
  });

  it('lets a captured hold charge the lot as usual after the claw-back', () => {
    given([...held, clawedBack('r1', 'purchase:p1', 70)]).when(completeUsage('u1', LATER)).thenState((after) => {
      expect(after.lots.get('purchase:p1')?.remaining).toBe(cr(0));
      expect(balanceOf(after)).toMatchObject({ available: cr(0), held: cr(0) });
    });
  });

  it('counts a hold that has timed out as released: its credits are unused again when the claw-back arrives', () => {
    const late = at(HOLD_TIMEOUT_MS + 1);
    given(held).when(clawBack('r1', 'purchase:p1', 100, late)).thenState((after, events) => {
      expect(events.map((e) => e.type)).toEqual(['HoldReleased', 'CreditsClawedBack']);
      expect(after.lots.get('purchase:p1')?.remaining).toBe(cr(0));
    });
  });

  it('lets credits a restoration returns to the clawed-back lot stay with the account', () => {
    const failed = [...partlyUsed, usageFailedAfterCompletion('u1', 30), clawedBack('r1', 'purchase:p1', 70)];
    given(failed).when(restoreUsageCredits('restore:u1', 'u1', LATER)).thenState((after, events) => {
      expect(events).toEqual([creditsRestored('restore:u1', 'u1', [share('purchase:p1', 30)], LATER)]);
      expect(balanceOf(after).available).toBe(cr(30));
    });
  });

  it('a new usage after the claw-back cannot draw on the clawed-back credits', () => {
    given([...bought, clawedBack('r1', 'purchase:p1', 100)]).when(authorizeUsage({ usageId: 'u2', credits: 1, now: LATER })).thenState((_after, events) => {
      expect(events.map((e) => e.type)).toEqual(['UsageDenied']);
    });
  });
});

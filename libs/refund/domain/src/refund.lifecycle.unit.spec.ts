import { parseMoney, wholeCredits } from '@creditflow/kernel';
import { deciderSpecification } from '@creditflow/kernel/testing';
import { RefundCommand, RefundEvent, refundDecider } from './refund.lifecycle';
import { RefundPolicy } from './refund.policy';
import { PurchaseFacts, RefundRequest } from './refund.types';

const T0 = new Date('2025-03-01T12:00:00Z');
const later = new Date('2025-03-01T13:00:00Z');
const apinfer: RefundPolicy = { kind: 'unused-credits-window', windowDays: 30 };
const purchase: PurchaseFacts = {
  purchaseId: 'p-1', lotId: 'purchase:p-1', purchasedAt: T0, credits: wholeCredits(100), unused: wholeCredits(40),
  paid: parseMoney('10', 'CNY'), promotional: false, isInitialPayment: true,
};
const request = (over: Partial<RefundRequest> = {}): RefundRequest => ({ refundId: 'r-1', accountId: 'acc-1', purchaseId: 'p-1', reason: 'unused_credits', ...over });
const decideCmd = (over: Partial<RefundRequest> = {}, facts = { purchase, approvedRefunds: [] }): RefundCommand => ({
  type: 'DecideRefund', data: { request: request(over), policy: apinfer, facts, now: later },
});

const { given } = deciderSpecification(refundDecider);

/** The events a command decides on the given history. */
function decision(history: RefundEvent[], command: RefundCommand): RefundEvent[] {
  let decided: RefundEvent[] = [];
  given(history).when(command).thenState((_after, events) => (decided = events));
  return decided;
}
const decided = () => decision([], decideCmd());

describe('refund lifecycle', () => {
  it('records the first decision of a refundId, pending settlement when it claws credits back', () => {
    given([]).when(decideCmd()).thenState((after, events) => {
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: 'RefundDecided',
        data: { decision: { refundId: 'r-1', status: 'approved', money: { minor: 400n, currency: 'CNY' }, creditsClawedBack: { lotId: 'purchase:p-1', amount: wholeCredits(40) } } },
      });
      expect(after.settlement).toBe('pending');
    });
  });

  it('answers the same refundId with the same request from the record, deciding nothing again', () => {
    given(decided()).when(decideCmd({}, { purchase: { ...purchase, unused: wholeCredits(0) }, approvedRefunds: [] })).thenState((after, events) => {
      expect(events).toEqual([]);
      expect(after.decision?.status).toBe('approved');
    });
  });

  it('refuses the same refundId with another request: REFUND.ID_REUSED', () => {
    for (const other of [{ purchaseId: 'p-2' }, { accountId: 'acc-2' }, { reason: 'initial_payment' as const }]) {
      given(decided()).when(decideCmd(other)).thenThrows('REFUND.ID_REUSED', { refundId: 'r-1' });
    }
  });

  it('has nothing to settle for a denial', () => {
    const denial = decideCmd({}, { purchase: { ...purchase, unused: wholeCredits(0) }, approvedRefunds: [] });
    given([]).when(denial).thenState((after) => {
      expect(after.decision?.status).toBe('denied');
      expect(after.settlement).toBeNull();
    });
    given(decision([], denial)).when({ type: 'SettleRefund', data: { refundId: 'r-1', now: later } }).thenNothingHappens();
  });

  it('settles once when the wallet clawed the credits back', () => {
    const settle: RefundCommand = { type: 'SettleRefund', data: { refundId: 'r-1', now: later } };
    const settled: RefundEvent = { type: 'RefundSettled', data: { refundId: 'r-1', money: { minor: 400n, currency: 'CNY' }, settledAt: later.toISOString() } };
    given(decided()).when(settle).then([settled]);
    given(decided()).when(settle).thenState((after) => expect(after.settlement).toBe('settled'));
    given([...decided(), settled]).when(settle).thenNothingHappens();
  });

  it('voids the refund, saying why, when the wallet refused the claw-back', () => {
    given(decided()).when({ type: 'VoidRefund', data: { refundId: 'r-1', unused: wholeCredits(25), now: later } }).thenState((after, events) => {
      expect(events).toEqual([{
        type: 'RefundVoided',
        data: { refundId: 'r-1', rule: 'REFUND.CREDITS_USED_BEFORE_CLAWBACK', unused: wholeCredits(25), voidedAt: later.toISOString(), reason: expect.stringContaining('only 25 were still unused') },
      }]);
      expect(after.settlement).toBe('voided');
    });
  });

  it('keeps whichever outcome the wallet reported first', () => {
    const settled = [...decided(), { type: 'RefundSettled', data: { refundId: 'r-1', money: null, settledAt: later.toISOString() } } as RefundEvent];
    given(settled).when({ type: 'VoidRefund', data: { refundId: 'r-1', unused: wholeCredits(0), now: later } }).thenNothingHappens();
  });

  it('ignores outcomes for a refundId it never decided', () => {
    given([]).when({ type: 'SettleRefund', data: { refundId: 'r-9', now: later } }).thenNothingHappens();
    given([]).when({ type: 'VoidRefund', data: { refundId: 'r-9', unused: wholeCredits(0), now: later } }).thenNothingHappens();
  });
});

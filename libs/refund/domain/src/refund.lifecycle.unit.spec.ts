import { DomainError, parseMoney, wholeCredits } from '@creditflow/kernel';
import { RefundCommand, RefundEvent, RefundRecord, decideRefundRecord, evolveRefundRecord, initialRefundRecord } from './refund.lifecycle';
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

/** Given past events, when a command: the events it returns (folded too, so evolve accepts them). */
function given(history: RefundEvent[]) {
  const before = history.reduce(evolveRefundRecord, initialRefundRecord);
  return {
    when(command: RefundCommand): { events: RefundEvent[]; after: RefundRecord } {
      const events = decideRefundRecord(command, before);
      return { events, after: events.reduce(evolveRefundRecord, before) };
    },
  };
}

const decided = () => given([]).when(decideCmd()).events;

describe('refund lifecycle', () => {
  it('records the first decision of a refundId, pending settlement when it claws credits back', () => {
    const { events, after } = given([]).when(decideCmd());
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'RefundDecided',
      data: { decision: { refundId: 'r-1', status: 'approved', money: { minor: 400n, currency: 'CNY' }, creditsClawedBack: { lotId: 'purchase:p-1', amount: wholeCredits(40) } } },
    });
    expect(after.settlement).toBe('pending');
  });

  it('answers the same refundId with the same request from the record, deciding nothing again', () => {
    const { events, after } = given(decided()).when(decideCmd({}, { purchase: { ...purchase, unused: wholeCredits(0) }, approvedRefunds: [] }));
    expect(events).toEqual([]);
    expect(after.decision?.status).toBe('approved');
  });

  it('refuses the same refundId with another request: REFUND.ID_REUSED', () => {
    for (const other of [{ purchaseId: 'p-2' }, { accountId: 'acc-2' }, { reason: 'initial_payment' as const }]) {
      let code: string | undefined;
      try {
        given(decided()).when(decideCmd(other));
      } catch (e) {
        code = (e as DomainError).code;
      }
      expect(code).toBe('REFUND.ID_REUSED');
    }
  });

  it('has nothing to settle for a denial', () => {
    const { after } = given([]).when(decideCmd({}, { purchase: { ...purchase, unused: wholeCredits(0) }, approvedRefunds: [] }));
    expect(after.decision?.status).toBe('denied');
    expect(after.settlement).toBeNull();
    expect(given(given([]).when(decideCmd({}, { purchase: { ...purchase, unused: wholeCredits(0) }, approvedRefunds: [] })).events)
      .when({ type: 'SettleRefund', data: { refundId: 'r-1', now: later } }).events).toEqual([]);
  });

  it('settles once when the wallet clawed the credits back', () => {
    const settle: RefundCommand = { type: 'SettleRefund', data: { refundId: 'r-1', now: later } };
    const { events, after } = given(decided()).when(settle);
    expect(events).toEqual([{ type: 'RefundSettled', data: { refundId: 'r-1', money: { minor: 400n, currency: 'CNY' }, settledAt: later.toISOString() } }]);
    expect(after.settlement).toBe('settled');
    expect(given([...decided(), ...events]).when(settle).events).toEqual([]);
  });

  it('voids the refund, saying why, when the wallet refused the claw-back', () => {
    const { events, after } = given(decided()).when({ type: 'VoidRefund', data: { refundId: 'r-1', unused: wholeCredits(25), now: later } });
    expect(events).toEqual([{
      type: 'RefundVoided',
      data: { refundId: 'r-1', rule: 'REFUND.CREDITS_USED_BEFORE_CLAWBACK', unused: wholeCredits(25), voidedAt: later.toISOString(), reason: expect.stringContaining('only 25 were still unused') },
    }]);
    expect(after.settlement).toBe('voided');
  });

  it('keeps whichever outcome the wallet reported first', () => {
    const settled = [...decided(), { type: 'RefundSettled', data: { refundId: 'r-1', money: null, settledAt: later.toISOString() } } as RefundEvent];
    expect(given(settled).when({ type: 'VoidRefund', data: { refundId: 'r-1', unused: wholeCredits(0), now: later } }).events).toEqual([]);
  });

  it('ignores outcomes for a refundId it never decided', () => {
    expect(given([]).when({ type: 'SettleRefund', data: { refundId: 'r-9', now: later } }).events).toEqual([]);
    expect(given([]).when({ type: 'VoidRefund', data: { refundId: 'r-9', unused: wholeCredits(0), now: later } }).events).toEqual([]);
  });
});

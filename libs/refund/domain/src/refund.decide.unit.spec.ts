import { Credits, formatMoney, parseCredits, parseMoney, wholeCredits, ZERO } from '@creditflow/kernel';
import { decideRefund, restorationForFailedUsage } from './refund.decide';
import { RefundPolicy, restoresOnPlatformError } from './refund.policy';
import { PurchaseFacts, RefundFacts, RefundRequest, UsageFacts } from './refund.types';
import { refusalOf } from '@creditflow/kernel/testing';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 24 * HOUR;

const visualgpt: RefundPolicy = { kind: 'initial-payment-window', windowHours: 24, excludePromotional: true, systemFailureRestores: true };
const gptimage2: RefundPolicy = { kind: 'platform-error-restores' };
const amisi: RefundPolicy = { kind: 'none', reason: 'credits are non-refundable' };
const apinfer: RefundPolicy = { kind: 'unused-credits-window', windowDays: 30 };

const purchasedAt = new Date('2025-03-01T12:00:00Z');
const after = (ms: number) => new Date(purchasedAt.getTime() + ms);

const purchase = (over: Partial<PurchaseFacts> = {}): PurchaseFacts => ({
  purchaseId: 'p-1', purchasedAt, credits: wholeCredits(500), unused: wholeCredits(500), paid: parseMoney('9.99', 'USD'),
  promotional: false, isInitialPayment: true, ...over,
});
const usage = (over: Partial<UsageFacts> = {}): UsageFacts => ({
  usageId: 'u-1', charged: wholeCredits(4), failedReason: 'platform_error', restored: false, ...over,
});
const moneyRequest = (reason: 'initial_payment' | 'unused_credits' = 'initial_payment', over: Partial<RefundRequest> = {}): RefundRequest => ({
  refundId: 'r-1', accountId: 'acc-1', purchaseId: 'p-1', reason, ...over,
});
const failureRequest = (over: Partial<RefundRequest> = {}): RefundRequest => ({ refundId: 'r-1', accountId: 'acc-1', usageId: 'u-1', reason: 'system_failure', ...over });
const facts = (over: Partial<RefundFacts> = {}): RefundFacts => ({ approvedRefunds: [], ...over });

describe('visualgpt (initial-payment-window, 24 h)', () => {
  it('refunds the unused credits of the initial payment at its price per credit within 24 h', () => {
    const d = decideRefund(moneyRequest(), visualgpt, facts({ purchase: purchase({ unused: wholeCredits(300) }) }), after(2 * HOUR));
    expect(d).toEqual({
      refundId: 'r-1', accountId: 'acc-1', purchaseId: 'p-1', policy: 'initial-payment-window', status: 'approved',
      rule: 'REFUND.INITIAL_PAYMENT_WINDOW', reason: expect.stringContaining('original price per credit'),
      money: { minor: 599n, currency: 'USD' }, // 9.99 x 300/500 = 5.994 -> 5.99
      moneyUnrounded: { amount: '5.994', currency: 'USD' }, rounding: 'half-even',
      creditsClawedBack: { lotId: 'p-1', amount: wholeCredits(300) }, decidedAt: '2025-03-01T14:00:00.000Z',
    });
  });

  it('approves at 23 h 59 min and at exactly 24 h, denies at 24 h 01 min', () => {
    const f = facts({ purchase: purchase() });
    expect(decideRefund(moneyRequest(), visualgpt, f, after(23 * HOUR + 59 * MINUTE)).status).toBe('approved');
    expect(decideRefund(moneyRequest(), visualgpt, f, after(24 * HOUR)).status).toBe('approved');
    const late = decideRefund(moneyRequest(), visualgpt, f, after(24 * HOUR + MINUTE));
    expect(late).toMatchObject({ status: 'denied', rule: 'REFUND.OUTSIDE_WINDOW' });
    expect(late.money).toBeUndefined();
    expect(late.creditsClawedBack).toBeUndefined();
  });

  it('denies a promotional initial payment', () => {
    const d = decideRefund(moneyRequest(), visualgpt, facts({ purchase: purchase({ promotional: true }) }), after(HOUR));
    expect(d).toMatchObject({ status: 'denied', rule: 'REFUND.PROMOTIONAL' });
  });

  describe('"purchases made at promotional or discounted rates are final" (excludeDiscounted)', () => {
    const visualgptDiscounts: RefundPolicy = { ...visualgpt, excludeDiscounted: true };
    const listPrice = parseMoney('9.99', 'USD');

    it.each([
      ['a discount code', { discountCode: 'SPRING20' }, 'discount code SPRING20'],
      ['a custom contract', { contractId: 'ctr-7' }, 'contract ctr-7'],
    ])('denies an initial payment paid below its list price under %s, saying why', (_what, reason, named) => {
      const discounted = purchase({ paid: parseMoney('7.99', 'USD'), listPrice, ...reason });
      const d = decideRefund(moneyRequest(), visualgptDiscounts, facts({ purchase: discounted }), after(HOUR));
      expect(d).toMatchObject({ status: 'denied', rule: 'REFUND.DISCOUNTED', reason: expect.stringContaining(named) });
      expect(d.reason).toContain('USD 7.99 paid against a list price of USD 9.99');
      expect(d.money).toBeUndefined();
    });

    it('refunds an initial payment at its list price, or above it under a contract', () => {
      expect(decideRefund(moneyRequest(), visualgptDiscounts, facts({ purchase: purchase({ listPrice }) }), after(HOUR)).status).toBe('approved');
      const dearer = purchase({ paid: parseMoney('12', 'USD'), listPrice, contractId: 'ctr-7' });
      expect(decideRefund(moneyRequest(), visualgptDiscounts, facts({ purchase: dearer }), after(HOUR)).status).toBe('approved');
    });

    it('judges a promotional purchase by the promotional rule first', () => {
      const both = purchase({ paid: parseMoney('4.99', 'USD'), listPrice, promotional: true });
      expect(decideRefund(moneyRequest(), visualgptDiscounts, facts({ purchase: both }), after(HOUR)).rule).toBe('REFUND.PROMOTIONAL');
    });

    it('refunds a discounted purchase where the policy does not exclude them (its money at the price paid)', () => {
      const discounted = purchase({ paid: parseMoney('7.99', 'USD'), listPrice, discountCode: 'SPRING20', unused: wholeCredits(250) });
      expect(decideRefund(moneyRequest(), visualgpt, facts({ purchase: discounted }), after(HOUR))).toMatchObject({ status: 'approved', money: { minor: 400n } });
      expect(decideRefund(moneyRequest('unused_credits'), apinfer, facts({ purchase: discounted }), after(HOUR))).toMatchObject({ status: 'approved', money: { minor: 400n } });
    });
  });

  it('denies a repeat purchase (not the initial payment), even within 24 h', () => {
    const d = decideRefund(moneyRequest(), visualgpt, facts({ purchase: purchase({ isInitialPayment: false }) }), after(HOUR));
    expect(d).toMatchObject({ status: 'denied', rule: 'REFUND.NOT_INITIAL_PAYMENT' });
  });

  it('judges an unused_credits request by the same initial-payment rule', () => {
    expect(decideRefund(moneyRequest('unused_credits'), visualgpt, facts({ purchase: purchase() }), after(HOUR))).toMatchObject({
      status: 'approved', rule: 'REFUND.INITIAL_PAYMENT_WINDOW', money: { minor: 999n, currency: 'USD' },
    });
    expect(decideRefund(moneyRequest('unused_credits'), visualgpt, facts({ purchase: purchase({ isInitialPayment: false }) }), after(HOUR)).rule).toBe(
      'REFUND.NOT_INITIAL_PAYMENT',
    );
  });

  it('denies a fully used initial payment: nothing unused', () => {
    const d = decideRefund(moneyRequest(), visualgpt, facts({ purchase: purchase({ unused: ZERO }) }), after(HOUR));
    expect(d).toMatchObject({ status: 'denied', rule: 'REFUND.NOTHING_UNUSED' });
  });

  it('restores the credits of a usage that failed through system failure', () => {
    const d = decideRefund(failureRequest(), visualgpt, facts({ usage: usage() }), after(HOUR));
    expect(d).toMatchObject({ status: 'approved', rule: 'REFUND.PLATFORM_ERROR_RESTORED', usageId: 'u-1', creditsRestored: { usageId: 'u-1', amount: wholeCredits(4) } });
    expect(d.money).toBeUndefined();
  });

  it('denies a system_failure request for a usage that did not fail or was cancelled', () => {
    expect(decideRefund(failureRequest(), visualgpt, facts({ usage: usage({ failedReason: null }) }), after(HOUR)).rule).toBe('REFUND.NOT_A_PLATFORM_ERROR');
    expect(decideRefund(failureRequest(), visualgpt, facts({ usage: usage({ failedReason: 'cancelled' }) }), after(HOUR)).rule).toBe('REFUND.NOT_A_PLATFORM_ERROR');
  });

  it('does not restore when the tenant turns system-failure restoration off', () => {
    const strict: RefundPolicy = { ...visualgpt, systemFailureRestores: false } as RefundPolicy;
    expect(decideRefund(failureRequest(), strict, facts({ usage: usage() }), after(HOUR))).toMatchObject({ status: 'denied', rule: 'REFUND.NO_RESTORATION' });
  });
});

describe('gptimage2 (platform-error-restores)', () => {
  it('restores the credits of a generation that failed through platform error', () => {
    const d = decideRefund(failureRequest(), gptimage2, facts({ usage: usage({ charged: wholeCredits(40) }) }), after(0));
    expect(d).toMatchObject({ status: 'approved', rule: 'REFUND.PLATFORM_ERROR_RESTORED', creditsRestored: { usageId: 'u-1', amount: wholeCredits(40) } });
  });

  it('denies money requests, saying why', () => {
    for (const reason of ['initial_payment', 'unused_credits'] as const) {
      const d = decideRefund(moneyRequest(reason), gptimage2, facts({ purchase: purchase() }), after(HOUR));
      expect(d).toMatchObject({ status: 'denied', rule: 'REFUND.REASON_NOT_COVERED' });
      expect(d.reason).toMatch(/platform or model error/);
    }
  });

  it('denies a usage already restored, and a usage that charged nothing', () => {
    expect(decideRefund(failureRequest(), gptimage2, facts({ usage: usage({ restored: true }) }), after(0)).rule).toBe('REFUND.DUPLICATE');
    expect(decideRefund(failureRequest(), gptimage2, facts({ usage: usage({ charged: ZERO }) }), after(0)).rule).toBe('REFUND.NOTHING_CHARGED');
  });
});

describe('amisi (none)', () => {
  it('denies every request: credits are non-refundable', () => {
    const requests = [moneyRequest('initial_payment'), moneyRequest('unused_credits'), failureRequest()];
    for (const r of requests) {
      const d = decideRefund(r, amisi, facts({ purchase: purchase(), usage: usage() }), after(HOUR));
      expect(d).toMatchObject({ status: 'denied', rule: 'REFUND.NON_REFUNDABLE', reason: 'credits are non-refundable', policy: 'none' });
    }
  });

  it('decides without looking the purchase up', () => {
    expect(decideRefund(moneyRequest(), amisi, facts(), after(HOUR)).rule).toBe('REFUND.NON_REFUNDABLE');
  });
});

describe('apinfer (unused-credits-window, 30 days)', () => {
  const basic = (unused: Credits) => purchase({ credits: wholeCredits(100), unused, paid: parseMoney('10', 'CNY'), isInitialPayment: false });
  const standard = (unused: Credits) => purchase({ credits: wholeCredits(5000), unused, paid: parseMoney('50', 'CNY'), isInitialPayment: false });

  it('refunds 37 unused credits of the basic package (100 for CNY 10) as CNY 3.70', () => {
    const d = decideRefund(moneyRequest('unused_credits'), apinfer, facts({ purchase: basic(wholeCredits(37)) }), after(10 * DAY));
    expect(d).toMatchObject({ status: 'approved', rule: 'REFUND.UNUSED_CREDITS_WINDOW', creditsClawedBack: { lotId: 'p-1', amount: wholeCredits(37) } });
    expect(formatMoney(d.money!)).toBe('3.70');
    expect(d.money!.currency).toBe('CNY');
  });

  it('refunds 1234 unused credits of the standard package (5000 for CNY 50) as CNY 12.34', () => {
    const d = decideRefund(moneyRequest('unused_credits'), apinfer, facts({ purchase: standard(wholeCredits(1234)) }), after(DAY));
    expect(formatMoney(d.money!)).toBe('12.34');
  });

  it('rounds a tie to the even fen by default (37.25 of 100 for CNY 10 = 3.725 -> 3.72) and shows the unrounded figure', () => {
    const d = decideRefund(moneyRequest('unused_credits'), apinfer, facts({ purchase: basic(parseCredits('37.25')) }), after(DAY));
    expect(d.money).toEqual({ minor: 372n, currency: 'CNY' });
    expect(d).toMatchObject({ moneyUnrounded: { amount: '3.725', currency: 'CNY' }, rounding: 'half-even' });
    expect(d.creditsClawedBack).toEqual({ lotId: 'p-1', amount: parseCredits('37.25') });
  });

  it.each([
    // unused of 100 for CNY 10: the policy's rounding -> money
    ['92.125', undefined, '9.2125', '9.21'],
    ['97.375', undefined, '9.7375', '9.74'],
    ['98.25', undefined, '9.825', '9.82'],
    ['98.25', 'half-up', '9.825', '9.83'],
    ['97.375', 'down', '9.7375', '9.73'],
    ['98.25', 'half-even', '9.825', '9.82'],
  ] as const)('refunds %s unused credits rounded %s (default half-even): %s -> CNY %s', (unused, rounding, exact, amount) => {
    const policy: RefundPolicy = { ...apinfer, ...(rounding ? { rounding } : {}) };
    const d = decideRefund(moneyRequest('unused_credits'), policy, facts({ purchase: basic(parseCredits(unused)) }), after(DAY));
    expect({ money: formatMoney(d.money!), unrounded: d.moneyUnrounded?.amount, rounding: d.rounding }).toEqual({ money: amount, unrounded: exact, rounding: rounding ?? 'half-even' });
  });

  it('approves on day 30 (up to exactly 30 x 24 h) and denies on day 31', () => {
    const f = facts({ purchase: basic(wholeCredits(37)) });
    expect(decideRefund(moneyRequest('unused_credits'), apinfer, f, after(29 * DAY + 23 * HOUR)).status).toBe('approved');
    expect(decideRefund(moneyRequest('unused_credits'), apinfer, f, after(30 * DAY)).status).toBe('approved');
    expect(decideRefund(moneyRequest('unused_credits'), apinfer, f, after(30 * DAY + 1)).rule).toBe('REFUND.OUTSIDE_WINDOW');
    expect(decideRefund(moneyRequest('unused_credits'), apinfer, f, after(31 * DAY)).rule).toBe('REFUND.OUTSIDE_WINDOW');
  });

  it('refunds a partly used purchase pro rata and denies a fully used one', () => {
    expect(decideRefund(moneyRequest('unused_credits'), apinfer, facts({ purchase: basic(wholeCredits(100)) }), after(DAY)).money).toEqual({ minor: 1000n, currency: 'CNY' });
    expect(decideRefund(moneyRequest('unused_credits'), apinfer, facts({ purchase: basic(ZERO) }), after(DAY))).toMatchObject({ status: 'denied', rule: 'REFUND.NOTHING_UNUSED' });
  });

  it('does not restrict to the initial payment or non-promotional purchases', () => {
    const d = decideRefund(moneyRequest('initial_payment'), apinfer, facts({ purchase: { ...basic(wholeCredits(50)), promotional: true } }), after(DAY));
    expect(d).toMatchObject({ status: 'approved', money: { minor: 500n, currency: 'CNY' } });
  });

  it('denies unused credits whose money rounds to nothing instead of taking them back for nothing (0.5 fen, half-even -> 0)', () => {
    const d = decideRefund(moneyRequest('unused_credits'), apinfer, facts({ purchase: standard(parseCredits('0.5')) }), after(DAY));
    expect(d).toMatchObject({ status: 'denied', rule: 'REFUND.NOTHING_UNUSED' });
    expect(d.money).toBeUndefined();
  });

  it('restores a platform-error failure (the choice for a pay-per-use product)', () => {
    expect(decideRefund(failureRequest(), apinfer, facts({ usage: usage({ charged: parseCredits('2.625') }) }), after(0)).creditsRestored).toEqual({
      usageId: 'u-1', amount: parseCredits('2.625'),
    });
  });
});

describe('duplicates', () => {
  it('denies a different refundId for a purchase already refunded', () => {
    const f = facts({ purchase: purchase(), approvedRefunds: [{ refundId: 'r-0', purchaseId: 'p-1' }] });
    const d = decideRefund(moneyRequest('initial_payment', { refundId: 'r-2' }), visualgpt, f, after(HOUR));
    expect(d).toMatchObject({ status: 'denied', rule: 'REFUND.DUPLICATE' });
    expect(d.reason).toContain('r-0');
  });

  it('denies a second restoration for the same usage', () => {
    const f = facts({ usage: usage(), approvedRefunds: [{ refundId: 'r-0', usageId: 'u-1' }] });
    expect(decideRefund(failureRequest({ refundId: 'r-2' }), gptimage2, f, after(0)).rule).toBe('REFUND.DUPLICATE');
  });

  it('is not fooled by refunds of other purchases', () => {
    const f = facts({ purchase: purchase(), approvedRefunds: [{ refundId: 'r-0', purchaseId: 'p-other' }] });
    expect(decideRefund(moneyRequest(), visualgpt, f, after(HOUR)).status).toBe('approved');
  });
});

describe('requests no policy can judge', () => {
  it('refuses a money request without purchaseId and a system_failure without usageId', () => {
    expect(refusalOf(() => decideRefund(moneyRequest('unused_credits', { purchaseId: undefined }), apinfer, facts(), after(0))).code).toBe('REFUND.INVALID_REQUEST');
    expect(refusalOf(() => decideRefund(failureRequest({ usageId: undefined }), gptimage2, facts(), after(0))).code).toBe('REFUND.INVALID_REQUEST');
    expect(refusalOf(() => decideRefund({ ...moneyRequest(), reason: 'bored' as never }, apinfer, facts(), after(0))).code).toBe('REFUND.INVALID_REQUEST');
  });

  it('reports an unknown purchase or usage (the shell may retry once the wallet knows it)', () => {
    expect(refusalOf(() => decideRefund(moneyRequest(), apinfer, facts(), after(0))).code).toBe('REFUND.PURCHASE_NOT_FOUND');
    expect(refusalOf(() => decideRefund(moneyRequest(), apinfer, facts({ purchase: purchase({ purchaseId: 'p-9' }) }), after(0))).code).toBe('REFUND.PURCHASE_NOT_FOUND');
    expect(refusalOf(() => decideRefund(failureRequest(), gptimage2, facts(), after(0))).code).toBe('REFUND.USAGE_NOT_FOUND');
  });

  it('refuses facts claiming more unused credits than the purchase granted', () => {
    expect(refusalOf(() => decideRefund(moneyRequest(), apinfer, facts({ purchase: purchase({ unused: wholeCredits(501) }) }), after(0))).code).toBe('REFUND.INCONSISTENT_FACTS');
  });
});

describe('restorationForFailedUsage', () => {
  it('restores platform-error failures for gptimage2, visualgpt and apinfer, not for amisi', () => {
    for (const policy of [gptimage2, visualgpt, apinfer]) {
      expect(restorationForFailedUsage(policy, usage())).toEqual({
        restore: true, usageId: 'u-1', amount: wholeCredits(4), rule: 'REFUND.PLATFORM_ERROR_RESTORED', reason: expect.any(String),
      });
    }
    expect(restorationForFailedUsage(amisi, usage())).toMatchObject({ restore: false, rule: 'REFUND.NON_REFUNDABLE' });
  });

  it('does not restore a cancelled usage or one already restored', () => {
    expect(restorationForFailedUsage(gptimage2, usage({ failedReason: 'cancelled' }))).toMatchObject({ restore: false, rule: 'REFUND.NOT_A_PLATFORM_ERROR' });
    expect(restorationForFailedUsage(gptimage2, usage({ restored: true }))).toMatchObject({ restore: false, rule: 'REFUND.DUPLICATE' });
  });

  it('lets a tenant override the default either way', () => {
    expect(restoresOnPlatformError({ ...amisi, platformErrorRestores: true })).toBe(true);
    expect(restoresOnPlatformError({ ...gptimage2, platformErrorRestores: false })).toBe(false);
    expect(restorationForFailedUsage({ ...apinfer, platformErrorRestores: false }, usage())).toMatchObject({ restore: false, rule: 'REFUND.NO_RESTORATION' });
  });
});

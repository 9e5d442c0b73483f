// The terms a subscription request takes from the tenant's plans. Given amisi's plans (a one-time free
// plan, recurring plans sold monthly and yearly, a custom enterprise plan) and one sold monthly only,
// when a request names a plan, then these terms or this refusal.
import { ZERO, wholeCredits } from '@creditflow/kernel';
import { PlanOffer, SubscriptionRequest, planTerms } from './subscription.plan';
import { refusalOf } from '@creditflow/kernel/testing';

const plans: PlanOffer[] = [
  { id: 'free', custom: false, monthlyCredits: ZERO, rolloverCap: ZERO, prices: { monthly: '0' }, oneTime: wholeCredits(5) },
  { id: 'basic', custom: false, monthlyCredits: wholeCredits(20), rolloverCap: wholeCredits(40), prices: { monthly: '9.99', yearly: '99.99' } },
  { id: 'monthly-only', custom: false, monthlyCredits: wholeCredits(200), rolloverCap: ZERO, prices: { monthly: '9.99' } },
  { id: 'enterprise', custom: true, monthlyCredits: null, rolloverCap: null, prices: {} },
];
const amisi = { plans, precision: 0 };
const request = (planId: string, extra: Partial<SubscriptionRequest> = {}): SubscriptionRequest => ({ planId, billingPeriod: 'monthly', ...extra });

describe('the terms of a subscription request', () => {
  it("grants a recurring plan's monthly credits each cycle and keeps up to its rollover cap", () => {
    expect(planTerms(amisi, request('basic'))).toEqual({ monthlyCredits: wholeCredits(20), rolloverCap: wholeCredits(40), oneTime: false });
  });

  it('takes the same terms for a yearly subscription where the plan is sold yearly', () => {
    expect(planTerms(amisi, request('basic', { billingPeriod: 'yearly' }))).toEqual({ monthlyCredits: wholeCredits(20), rolloverCap: wholeCredits(40), oneTime: false });
  });

  it("grants a one-time plan's credits once", () => {
    expect(planTerms(amisi, request('free'))).toEqual({ monthlyCredits: wholeCredits(5), rolloverCap: ZERO, oneTime: true });
  });

  it('takes a one-time plan whatever the billing period, as it is never billed again', () => {
    expect(planTerms(amisi, request('free', { billingPeriod: 'yearly' }))).toEqual({ monthlyCredits: wholeCredits(5), rolloverCap: ZERO, oneTime: true });
  });

  it("takes a custom plan's allocation from the contract figures in the request", () => {
    expect(planTerms(amisi, request('enterprise', { monthlyCredits: '1000', rolloverCap: '2000' }))).toEqual({
      monthlyCredits: wholeCredits(1000), rolloverCap: wholeCredits(2000), oneTime: false,
    });
    expect(planTerms(amisi, request('enterprise', { billingPeriod: 'yearly', monthlyCredits: '1000', rolloverCap: '0' }))).toEqual({
      monthlyCredits: wholeCredits(1000), rolloverCap: ZERO, oneTime: false,
    });
  });

  it('refuses a plan the tenant does not have, naming those it has', () => {
    expect(refusalOf(() => planTerms(amisi, request('platinum')))).toEqual({
      code: 'SCHEDULER.UNKNOWN_PLAN', message: 'unknown plan "platinum"', details: { allowed: ['free', 'basic', 'monthly-only', 'enterprise'] },
    });
    expect(refusalOf(() => planTerms({ plans: [], precision: 3 }, request('pro')))).toMatchObject({ code: 'SCHEDULER.UNKNOWN_PLAN', details: { allowed: [] } });
  });

  it('refuses a custom plan without its monthly credits or its rollover cap', () => {
    const missing = {
      code: 'SCHEDULER.CUSTOM_PLAN',
      message: 'plan "enterprise" has a custom allocation agreed per contract: give its monthlyCredits and rolloverCap',
    };
    expect(refusalOf(() => planTerms(amisi, request('enterprise')))).toEqual(missing);
    expect(refusalOf(() => planTerms(amisi, request('enterprise', { monthlyCredits: '1000' })))).toEqual(missing);
    expect(refusalOf(() => planTerms(amisi, request('enterprise', { rolloverCap: '2000' })))).toEqual(missing);
  });

  it("refuses contract figures finer than the tenant's precision", () => {
    expect(refusalOf(() => planTerms(amisi, request('enterprise', { monthlyCredits: '10.5', rolloverCap: '0' }))).code).toBe('AMOUNT.INVALID');
  });

  it('refuses an allocation in the request for a plan with fixed credits', () => {
    const fixed = { code: 'SCHEDULER.INVALID_REQUEST', message: 'plan "basic" has fixed credits; monthlyCredits and rolloverCap are only for custom plans' };
    expect(refusalOf(() => planTerms(amisi, request('basic', { monthlyCredits: '30' })))).toEqual(fixed);
    expect(refusalOf(() => planTerms(amisi, request('basic', { rolloverCap: '0' })))).toEqual(fixed);
  });

  it('refuses a yearly subscription to a plan sold monthly only, naming the periods it is sold for', () => {
    expect(refusalOf(() => planTerms(amisi, request('monthly-only', { billingPeriod: 'yearly' })))).toEqual({
      code: 'SCHEDULER.BILLING_PERIOD_UNAVAILABLE', message: 'plan "monthly-only" is not sold yearly', details: { prices: ['monthly'] },
    });
  });

  it('refuses a fixed allocation before an unavailable billing period', () => {
    expect(refusalOf(() => planTerms(amisi, request('monthly-only', { billingPeriod: 'yearly', rolloverCap: '0' }))).code).toBe('SCHEDULER.INVALID_REQUEST');
  });
});

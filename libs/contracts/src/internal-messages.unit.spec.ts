// The messages the services write to each other are checked on receipt too: anyone who can write to
// a topic can send one (the fault suite's poison corpus found the wallet taking them on trust).
import { MonthlyGrantData, RolloverExpiryData } from './scheduler/scheduler.messages';
import { PricedUsage } from './usage/usage.messages';
import { validatePayload } from './validate';

describe('PricedUsage', () => {
  const authorize = {
    action: 'authorize', usageId: 'u1', accountId: 'a1', userId: 'm1', feature: 'qwen-image', options: { quality: 'high', quantity: 2 },
    price: { credits: '2.625', phases: { generate: '1', accept: '1.625' }, priceVersion: '2025-01-01' },
  };

  it('accepts what pricing forwards: an authorize with its price, a step, a refusal', () => {
    expect(validatePayload(PricedUsage, authorize)).toMatchObject({ ok: true, value: { options: { quality: 'high', quantity: 2 } } });
    expect(validatePayload(PricedUsage, { action: 'fail', usageId: 'u1', accountId: 'a1', reason: 'platform_error' })).toMatchObject({ ok: true });
    expect(validatePayload(PricedUsage, { ...authorize, price: undefined, error: { error: 'unknown_feature', message: 'no such feature', details: { feature: 'x' } } })).toMatchObject({ ok: true });
  });

  it.each([
    ['a numeric usageId', { usageId: 42 }, 'usageId must be 1-128 characters'],
    ['an unknown action', { action: 'explode' }, 'action must be one of the following values'],
    ['a negative price', { price: { credits: '-1', priceVersion: 'v' } }, 'price.credits must be a non-negative decimal string'],
    ['a numeric price', { price: { credits: 2.625, priceVersion: 'v' } }, 'price.credits must be a non-negative decimal string'],
    ['a bad phase', { price: { credits: '1', phases: { generate: 'x', accept: '1' }, priceVersion: 'v' } }, 'price.phases.generate must be a non-negative decimal string'],
    ['an option that would overwrite the usage id', { options: { usageId: 'other' } }, 'property usageId should not exist'],
  ])('refuses %s', (_what, change, problem) => {
    const result = validatePayload(PricedUsage, { ...authorize, ...change });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.join('; ')).toContain(problem);
  });
});

describe('scheduler grants', () => {
  const grant = { eventId: 'monthly-grant:s1:0', subscriptionId: 's1', accountId: 'a1', planId: 'pro', cycle: 0, lotType: 'subscription', amount: '50', at: '2025-01-01T00:00:00.000Z', expiresAt: null };

  it('accepts what the scheduler writes', () => {
    expect(validatePayload(MonthlyGrantData, grant)).toMatchObject({ ok: true });
    expect(validatePayload(MonthlyGrantData, { ...grant, expiresAt: '2025-03-01T00:00:00.000Z' })).toMatchObject({ ok: true });
    expect(validatePayload(RolloverExpiryData, { eventId: 'rollover-expiry:s1:0', subscriptionId: 's1', accountId: 'a1', cycle: 0, rolloverCap: '100', at: grant.at })).toMatchObject({ ok: true });
  });

  it.each([
    ['an `at` that is no date (used to be granted at the wallet\'s now)', { at: 'yesterday' }, 'at must be a valid ISO 8601 date string'],
    ['a lot type the wallet does not know (used to crash the batch)', { lotType: 'gold' }, 'lotType must be one of the following values'],
    ['an amount that is no decimal', { amount: '1e9' }, 'amount must be a non-negative decimal string'],
  ])('refuses %s', (_what, change, problem) => {
    const result = validatePayload(MonthlyGrantData, { ...grant, ...change });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.join('; ')).toContain(problem);
  });
});

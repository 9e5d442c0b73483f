// The rules that turn a request into a wallet command: reward grants, daily login lots, purchases and
// usage-id ownership. Given the tenant's terms, when a request arrives at a fixed time, then this
// command (and, run through the decider, these events) or this error.
import { formatMoney, parseCredits, parseMoney, wholeCredits } from '@creditflow/kernel';
import { isDiscounted } from './wallet.events';
import { DailyCredits } from './wallet.policy';
import { PackagePurchase, PurchaseTerms, assertUsageIdOwner, dailyLoginGrant, purchaseGrant, refuseTransfer, rewardGrant } from './wallet.requests';
import { T0, accountOpened, creditsGranted, walletSpec } from './testing/wallet.fixtures';
import { refusalOf } from '@creditflow/kernel/testing';

describe('a reward grant', () => {
  it('grants a reward lot named by its grant id, with the expiry the admin gave', () => {
    const expiresAt = new Date('2025-04-01T00:00:00Z');
    expect(rewardGrant({ grantId: 'g-1', lotType: 'reward', amount: wholeCredits(5), expiresAt }, T0)).toEqual({
      type: 'GrantCredits',
      data: { lotId: 'grant:g-1', lotType: 'reward', amount: wholeCredits(5), expiresAt, costBasis: null, source: { kind: 'grant', id: 'g-1' }, now: T0 },
    });
  });

  it('is recorded as the lot it names', () => {
    walletSpec()
      .given([accountOpened()])
      .when(rewardGrant({ grantId: 'g-1', lotType: 'reward', amount: wholeCredits(5), expiresAt: null }, T0))
      .then([creditsGranted({ lotId: 'grant:g-1', amount: 5, source: { kind: 'grant', id: 'g-1' } })]);
  });

  it('refuses a reward grant of zero credits', () => {
    expect(refusalOf(() => rewardGrant({ grantId: 'g-0', lotType: 'reward', amount: wholeCredits(0), expiresAt: null }, T0))).toEqual({
      code: 'WALLET.INVALID_AMOUNT', message: 'amount must be greater than 0',
    });
  });
});

describe('the daily lot of a login', () => {
  const daily = (expiry: DailyCredits['expiry'], resetTimeZone: string): DailyCredits => ({ amount: wholeCredits(3), expiry, resetTimeZone });
  const lotOf = (d: DailyCredits, now: string) => {
    const grant = dailyLoginGrant(d, new Date(now));
    return grant && { lotId: grant.data.lotId, expiresAt: grant.data.expiresAt?.toISOString() };
  };

  it('names the lot after the local day of the reset zone and keeps it 24 hours (rolling-24h)', () => {
    // 2025-03-01 23:30 in Shanghai is 15:30 UTC.
    expect(dailyLoginGrant(daily('rolling-24h', 'Asia/Shanghai'), new Date('2025-03-01T15:30:00Z'))).toEqual({
      type: 'GrantCredits',
      data: {
        lotId: 'daily:2025-03-01', lotType: 'daily', amount: wholeCredits(3), expiresAt: new Date('2025-03-02T15:30:00Z'), costBasis: null,
        source: { kind: 'login', id: '2025-03-01' }, now: new Date('2025-03-01T15:30:00Z'),
      },
    });
  });

  it('starts a new day window at local midnight, not at UTC midnight', () => {
    expect(lotOf(daily('rolling-24h', 'Asia/Shanghai'), '2025-03-01T16:00:00Z')).toMatchObject({ lotId: 'daily:2025-03-02' });
    expect(lotOf(daily('rolling-24h', 'America/Los_Angeles'), '2025-03-02T07:59:59Z')).toMatchObject({ lotId: 'daily:2025-03-01' });
  });

  it('expires a lot of a reset-zone tenant at the next local midnight', () => {
    expect(lotOf(daily('reset', 'Asia/Shanghai'), '2025-03-01T15:30:00Z')).toEqual({ lotId: 'daily:2025-03-01', expiresAt: '2025-03-01T16:00:00.000Z' });
    expect(lotOf(daily('reset', 'UTC'), '2025-03-01T00:00:00Z')).toEqual({ lotId: 'daily:2025-03-01', expiresAt: '2025-03-02T00:00:00.000Z' });
  });

  it('keeps the lot until its day ends when clocks fall back from 00:00 to 23:00 (America/Santiago)', () => {
    // 2022-04-03 00:00 (-03) became 2022-04-02 23:00 (-04): the day key stays 2022-04-02 until 04:00Z.
    expect(lotOf(daily('reset', 'America/Santiago'), '2022-04-02T20:00:00Z')).toEqual({ lotId: 'daily:2022-04-02', expiresAt: '2022-04-03T04:00:00.000Z' });
    expect(lotOf(daily('reset', 'America/Santiago'), '2022-04-03T03:30:00Z')).toMatchObject({ lotId: 'daily:2022-04-02' });
  });

  it('expires the lot at the first instant of a day whose midnight is skipped (Asia/Amman)', () => {
    // 2021-02-26 00:00 did not exist in Amman: 23:59:59 (+02) was followed by 01:00 (+03), 22:00Z.
    expect(lotOf(daily('reset', 'Asia/Amman'), '2021-02-25T12:00:00Z')).toEqual({ lotId: 'daily:2021-02-25', expiresAt: '2021-02-25T22:00:00.000Z' });
  });

  it('expires the lot at the first of two midnights when clocks fall back from 01:00 to 00:00 (Asia/Amman)', () => {
    expect(lotOf(daily('reset', 'Asia/Amman'), '2021-10-28T12:00:00Z')).toEqual({ lotId: 'daily:2021-10-28', expiresAt: '2021-10-28T21:00:00.000Z' });
  });

  it('grants nothing where the tenant has no daily credits', () => {
    expect(dailyLoginGrant(undefined, T0)).toBeNull();
  });

  it('grants one lot per local day, whichever login asks first (a later login would have a later rolling expiry)', () => {
    const d = daily('rolling-24h', 'UTC');
    const first = dailyLoginGrant(d, new Date('2025-03-01T08:00:00Z'))!;
    walletSpec()
      .given([accountOpened(), creditsGranted({ lotId: 'daily:2025-03-01', lotType: 'daily', amount: 3, expiresAt: first.data.expiresAt, source: { kind: 'login', id: '2025-03-01' }, now: first.data.now })])
      .when(dailyLoginGrant(d, new Date('2025-03-01T20:00:00Z'))!)
      .thenNothingHappens();
  });
});

describe('a purchase', () => {
  const apinfer: PurchaseTerms = {
    tenantId: 'apinfer', currency: 'CNY',
    packages: [
      { id: 'basic', credits: wholeCredits(100), price: parseMoney('10', 'CNY') },
      { id: 'standard', credits: wholeCredits(5000), price: parseMoney('50', 'CNY') },
    ],
  };
  const basic = { purchaseId: 'p-1', packageId: 'basic', amountPaid: '10', currency: 'CNY', promotional: false };

  it('grants the package as a top-up lot that never expires and carries the price paid and the list price', () => {
    expect(purchaseGrant(apinfer, basic, T0)).toEqual({
      type: 'GrantCredits',
      data: {
        lotId: 'purchase:p-1', lotType: 'topup', amount: wholeCredits(100), expiresAt: null,
        costBasis: { paidMinor: 1000n, currency: 'CNY', promotional: false, listPriceMinor: 1000n }, source: { kind: 'purchase', id: 'p-1' }, now: T0,
      },
    });
  });

  it('records whether the purchase was promotional', () => {
    expect(purchaseGrant(apinfer, { ...basic, promotional: true }, T0).data.costBasis).toEqual({ paidMinor: 1000n, currency: 'CNY', promotional: true, listPriceMinor: 1000n });
  });

  it.each([
    ['999999999999999', 'far above'],
    ['0', 'nothing'],
    ['9.99', 'a fen below'],
    ['10.01', 'a fen above'],
  ])('refuses the CNY 10 package paid %s (%s) without a reason, naming the list price and the amount paid', (amountPaid) => {
    const refusal = refusalOf(() => purchaseGrant(apinfer, { ...basic, amountPaid }, T0));
    expect(refusal).toMatchObject({
      code: 'WALLET.PRICE_MISMATCH',
      message: expect.stringContaining('package "basic" costs CNY 10.00'),
      details: { packageId: 'basic', listPrice: { amount: '10.00', currency: 'CNY' }, amountPaid: { amount: formatMoney(parseMoney(amountPaid, 'CNY')), currency: 'CNY' } },
    });
  });

  it('accepts a price below the list price when the purchase says why, and keeps the reason in the cost basis', () => {
    expect(purchaseGrant(apinfer, { ...basic, amountPaid: '8', promotional: true }, T0).data.costBasis).toEqual({
      paidMinor: 800n, currency: 'CNY', promotional: true, listPriceMinor: 1000n,
    });
    expect(purchaseGrant(apinfer, { ...basic, amountPaid: '8', discountCode: 'SPRING20' }, T0).data.costBasis).toEqual({
      paidMinor: 800n, currency: 'CNY', promotional: false, listPriceMinor: 1000n, discountCode: 'SPRING20',
    });
    expect(purchaseGrant(apinfer, { ...basic, amountPaid: '0', contractId: 'ctr-7' }, T0).data.costBasis).toEqual({
      paidMinor: 0n, currency: 'CNY', promotional: false, listPriceMinor: 1000n, contractId: 'ctr-7',
    });
  });

  it('recognises the repeat of a purchase whose lot was recorded before list prices were kept', () => {
    const recorded = creditsGranted({ lotId: 'purchase:p-1', lotType: 'topup', amount: 100, costBasis: { paidMinor: 1000n, currency: 'CNY', promotional: false }, source: { kind: 'purchase', id: 'p-1' } });
    walletSpec().given([accountOpened(), recorded]).when(purchaseGrant(apinfer, basic, T0)).then([]);
  });

  it('accepts a price above the list price only under a custom contract', () => {
    expect(purchaseGrant(apinfer, { ...basic, amountPaid: '12', contractId: 'ctr-7' }, T0).data.costBasis).toMatchObject({ paidMinor: 1200n, contractId: 'ctr-7' });
    for (const reason of [{ promotional: true }, { discountCode: 'SPRING20' }]) {
      expect(refusalOf(() => purchaseGrant(apinfer, { ...basic, amountPaid: '12', ...reason }, T0))).toMatchObject({
        code: 'WALLET.PRICE_MISMATCH', message: expect.stringContaining('cannot make a package dearer'),
      });
    }
  });

  it('tells a discounted purchase (paid below the list price, whatever the reason) from one at the list price', () => {
    const basis = (over: Partial<PackagePurchase>) => purchaseGrant(apinfer, { ...basic, ...over }, T0).data.costBasis!;
    expect(isDiscounted(basis({ amountPaid: '8', discountCode: 'SPRING20' }))).toBe(true);
    expect(isDiscounted(basis({ amountPaid: '8', contractId: 'ctr-7' }))).toBe(true);
    expect(isDiscounted(basis({ promotional: true }))).toBe(false);
    expect(isDiscounted(basis({ amountPaid: '12', contractId: 'ctr-7' }))).toBe(false);
    expect(isDiscounted({ paidMinor: 1n, currency: 'CNY', promotional: false })).toBe(false); // bought before list prices were recorded
  });

  it('refuses a package the tenant does not sell, naming those it sells', () => {
    expect(refusalOf(() => purchaseGrant(apinfer, { ...basic, packageId: 'gold' }, T0))).toEqual({
      code: 'WALLET.UNKNOWN_PACKAGE', message: 'unknown package "gold"', details: { allowed: ['basic', 'standard'] },
    });
  });

  it('refuses a payment in another currency than the tenant sells in', () => {
    expect(refusalOf(() => purchaseGrant(apinfer, { ...basic, currency: 'USD' }, T0))).toEqual({
      code: 'WALLET.INVALID_CURRENCY', message: 'apinfer sells in CNY, not USD',
    });
  });

  it('names an unknown package before a wrong currency', () => {
    expect(refusalOf(() => purchaseGrant(apinfer, { ...basic, packageId: 'gold', currency: 'USD' }, T0)).code).toBe('WALLET.UNKNOWN_PACKAGE');
  });

  it('refuses an amount finer than the currency allows', () => {
    expect(refusalOf(() => purchaseGrant(apinfer, { ...basic, amountPaid: '10.001' }, T0)).code).toBe('MONEY.INVALID');
  });

  it('grants fractional package credits exactly', () => {
    const fractional: PurchaseTerms = { ...apinfer, packages: [{ id: 'taster', credits: parseCredits('2.625'), price: parseMoney('10', 'CNY') }] };
    expect(purchaseGrant(fractional, { ...basic, packageId: 'taster' }, T0).data.amount).toBe(2_625_000n);
  });
});

describe('the owner of a usage id', () => {
  it('lets an account authorize a usage id nobody has used', () => {
    expect(() => assertUsageIdOwner('u-1', 'acc-1', null)).not.toThrow();
  });

  it('lets the same account repeat an authorization under its usage id', () => {
    expect(() => assertUsageIdOwner('u-1', 'acc-1', 'acc-1')).not.toThrow();
  });

  it("refuses a usage id already used for another account", () => {
    expect(refusalOf(() => assertUsageIdOwner('u-1', 'acc-2', 'acc-1'))).toEqual({
      code: 'WALLET.ID_REUSED', message: 'id "u-1" was already used for a different request', details: { id: 'u-1' },
    });
  });
});

describe('transfers', () => {
  it('refuses every transfer between accounts: WALLET.TRANSFER_REFUSED', () => {
    expect(refusalOf(() => refuseTransfer())).toMatchObject({ code: 'WALLET.TRANSFER_REFUSED', message: expect.stringMatching(/cannot be transferred/) });
  });
});

// The reconciler's checks on hand-made histories: each corruption is found, with its evidence, and a
// consistent history gives nothing. Amounts are units of 10^-6 credit as stored.
import { divide, unitsOf } from './amounts';
import { CatalogText } from './prices';
import { Reconciler, StoredFact, TenantTerms } from './reconciler';

const c = (text: string) => unitsOf(text)!;
const catalogs: CatalogText[] = [
  { version: 'v1', effectiveFrom: '2026-01-01T00:00:00Z', features: { img: { price: '1.75', quality: { standard: 1, high: '1.5' }, defaultQuality: 'standard' }, edit: { priceBy: 'resolution', prices: { '4K': { generate: 2, accept: 4 } } } } },
  { version: 'v2', effectiveFrom: '2026-06-01T00:00:00Z', features: { img: { price: 2 } } },
];
const terms: TenantTerms = { catalogs, refundRounding: 'half-even', currency: 'CNY' };

class History {
  private revision = 0n;
  private position = 0n;
  readonly reconciler: Reconciler;
  constructor(tenantTerms: TenantTerms = terms) {
    this.reconciler = new Reconciler((t) => (t === 't' ? tenantTerms : undefined));
  }

  wallet(type: string, data: Record<string, unknown>): string {
    const fact = this.fact('wallet-t_a', type, data);
    this.reconciler.wallet(fact);
    return fact.eventId;
  }

  refund(refundId: string, type: string, data: Record<string, unknown>): void {
    this.reconciler.refund({ ...this.fact(`refund-t_${refundId}`, type, data), revision: 0n });
  }

  private fact(stream: string, type: string, data: Record<string, unknown>): StoredFact {
    const revision = this.revision++;
    return { stream, eventId: `e${++this.position}`, revision, position: this.position, recordedAt: '2026-03-01T00:00:00.000Z', type, tenant: 't', account: 'a', data };
  }
}

function purchased(h: History) {
  h.wallet('CreditsGranted', { lotId: 'p1', lotType: 'topup', amount: c('100'), expiresAt: null, costBasis: { paidMinor: 1000n, currency: 'CNY' } });
}

function held(h: History, usageId: string, credits: string, extra: Record<string, unknown> = {}) {
  return h.wallet('HoldPlaced', { usageId, feature: 'img', options: { quality: 'high' }, credits: c(credits), phases: null, priceVersion: 'v1', lots: [{ lotId: 'p1', amount: c(credits) }], placedAt: '2026-03-01T00:00:00Z', ...extra });
}

describe('the reconciler', () => {
  it('finds nothing in a consistent history', () => {
    const h = new History();
    purchased(h);
    held(h, 'u1', '2.625');
    h.wallet('HoldCaptured', { usageId: 'u1', lots: [{ lotId: 'p1', amount: c('2.625') }], amount: c('2.625') });
    h.wallet('CreditsClawedBack', { refundId: 'r1', lotId: 'p1', amount: c('97.375') });
    h.refund('r1', 'RefundDecided', { decision: { refundId: 'r1', status: 'approved', rounding: 'half-even', money: { minor: 974n, currency: 'CNY' }, creditsClawedBack: { lotId: 'p1', amount: c('97.375') } } });
    h.refund('r1', 'RefundSettled', { refundId: 'r1', money: { minor: 974n, currency: 'CNY' } });
    const report = h.reconciler.report();
    expect(report.discrepancies).toEqual([]);
    expect(report.balances).toEqual([expect.objectContaining({ granted: '100', spent: '2.625', clawedBack: '97.375', available: '0', held: '0', byType: { topup: '0' } })]);
    expect(report.tenants).toEqual([{ tenant: 't', accounts: 1, events: { wallet: 4, refund: 2 } }]);
  });

  it('finds money in paid below the list price without a reason, above it without a contract, or in another currency', () => {
    const h = new History();
    const lot = (lotId: string, costBasis: Record<string, unknown>) => h.wallet('CreditsGranted', { lotId, lotType: 'topup', amount: c('100'), expiresAt: null, costBasis: { currency: 'CNY', listPriceMinor: 1000n, ...costBasis } });
    lot('list', { paidMinor: 1000n });
    lot('promo', { paidMinor: 800n, promotional: true });
    lot('code', { paidMinor: 900n, discountCode: 'SPRING' });
    lot('contract', { paidMinor: 1200n, contractId: 'k-1' });
    lot('old', { paidMinor: 700n, listPriceMinor: undefined });
    const cheap = lot('cheap', { paidMinor: 900n });
    const dear = lot('dear', { paidMinor: 1100n, discountCode: 'X' });
    lot('usd', { paidMinor: 1000n, currency: 'USD' });
    expect(h.reconciler.report().discrepancies.map((d) => [d.kind, d.expected, d.found, d.evidence.at(-1)!.eventId])).toEqual([
      ['purchase', '10.00 CNY', '9.00 CNY', cheap],
      ['purchase', '10.00 CNY', '11.00 CNY', dear],
      ['purchase', 'CNY', 'USD', 'e8'],
    ]);
  });

  it('finds a hold priced otherwise than its catalog version, and one priced with a version not yet in effect', () => {
    const h = new History();
    purchased(h);
    const wrong = held(h, 'u1', '2.5');
    held(h, 'u2', '2', { feature: 'img', options: {}, priceVersion: 'v2' });
    const [price, early, ...rest] = h.reconciler.report().discrepancies;
    expect(price).toMatchObject({ kind: 'price', expected: '2.625 (unphased)', found: '2.5 (unphased)', evidence: [{ eventId: wrong, type: 'HoldPlaced' }] });
    expect(early).toMatchObject({ kind: 'price', message: expect.stringContaining('before it took effect') });
    expect(rest).toEqual([]);
  });

  it('finds a capture at another amount, a second capture and a second restoration', () => {
    const h = new History();
    purchased(h);
    held(h, 'u1', '2.625');
    h.wallet('HoldCaptured', { usageId: 'u1', lots: [{ lotId: 'p1', amount: c('3') }], amount: c('3') });
    const again = h.wallet('HoldCaptured', { usageId: 'u1', lots: [{ lotId: 'p1', amount: c('2.625') }], amount: c('2.625') });
    h.wallet('CreditsRestored', { restorationId: 'x1', usageId: 'u1', lots: [{ lotId: 'p1', amount: c('2.625') }], amount: c('2.625') });
    const twice = h.wallet('CreditsRestored', { restorationId: 'x2', usageId: 'u1', lots: [{ lotId: 'p1', amount: c('2.625') }], amount: c('2.625') });
    const found = h.reconciler.report().discrepancies.map((d) => [d.kind, d.message, d.evidence.at(-1)!.eventId]);
    expect(found).toEqual(expect.arrayContaining([
      ['charge', 'usage u1 captured at another amount than it was authorized at', 'e3'],
      ['charge', 'usage u1 charged twice: captured after it was captured', again],
      ['restore', 'usage u1 restored twice', twice],
    ]));
    expect(found.filter(([kind]) => kind === 'balance')).toHaveLength(1);
  });

  it('finds an accept phase charged at another price, and a lot going below zero', () => {
    const h = new History();
    h.wallet('CreditsGranted', { lotId: 'g', lotType: 'reward', amount: c('5'), expiresAt: null, costBasis: null });
    h.wallet('HoldPlaced', { usageId: 'u1', feature: 'edit', options: { resolution: '4K' }, credits: c('2'), phases: { generate: c('2'), accept: c('4') }, priceVersion: 'v1', lots: [{ lotId: 'g', amount: c('2') }], placedAt: '2026-03-01T00:00:00Z' });
    h.wallet('HoldCaptured', { usageId: 'u1', lots: [{ lotId: 'g', amount: c('2') }], amount: c('2') });
    h.wallet('AcceptCharged', { usageId: 'u1', lots: [{ lotId: 'g', amount: c('5') }], amount: c('5') });
    const kinds = h.reconciler.report().discrepancies.map((d) => [d.kind, d.expected, d.found]);
    expect(kinds).toEqual([
      ['lot', '>= 0', '-2'],
      ['charge', '4', '5'],
    ]);
  });

  it("finds refund money that is not the credits at the purchase's price per credit, rounded by the policy", () => {
    const h = new History();
    purchased(h);
    h.wallet('CreditsClawedBack', { refundId: 'r1', lotId: 'p1', amount: c('98.25') });
    // 98.25 of 100 for CNY 10 = 9.825: half-even 9.82 (half-up would pay 9.83).
    h.refund('r1', 'RefundDecided', { decision: { refundId: 'r1', status: 'approved', rounding: 'half-up', money: { minor: 983n, currency: 'CNY' }, creditsClawedBack: { lotId: 'p1', amount: c('98.25') } } });
    h.refund('r1', 'RefundSettled', { refundId: 'r1', money: { minor: 983n, currency: 'CNY' } });
    const found = h.reconciler.report().discrepancies;
    expect(found.map((d) => [d.kind, d.expected, d.found])).toEqual([
      ['refund', '9.82 CNY', '9.83 CNY'],
      ['refund', 'half-even', 'half-up'],
    ]);
    expect(found[0].evidence.map((e) => e.type)).toEqual(['CreditsGranted', 'RefundDecided']);
  });

  it('finds a claw-back nobody decided and a settlement without a claw-back', () => {
    const h = new History();
    purchased(h);
    h.wallet('CreditsClawedBack', { refundId: 'r9', lotId: 'p1', amount: c('10') });
    h.refund('r1', 'RefundDecided', { decision: { refundId: 'r1', status: 'approved', rounding: 'half-even', money: { minor: 100n, currency: 'CNY' }, creditsClawedBack: { lotId: 'p1', amount: c('10') } } });
    h.refund('r1', 'RefundSettled', { refundId: 'r1', money: { minor: 100n, currency: 'CNY' } });
    expect(h.reconciler.report().discrepancies.map((d) => d.message)).toEqual([
      'refund r1 settled without a claw-back in the wallet',
      'the wallet clawed back 10 credits for refund r9, which no approved refund decided',
    ]);
  });

  it('finds a decision naming no wallet event or saying other than its event; skips those the consumer answered itself', () => {
    const h = new History();
    purchased(h);
    const hold = held(h, 'u1', '2.625');
    const message = (id: string, type: string, data: Record<string, unknown>) =>
      h.reconciler.decision({ topic: 'creditflow.usage-decisions.v1', partition: 0, offset: id, id, type, time: '2026-03-01T00:00:00Z', tenant: 't', account: 'a', data });
    message(`decision:${hold}`, 'creditflow.usage.authorized', { usageId: 'u1', status: 'authorized', credits: '2.6250' });
    message(`decision:${hold}`, 'creditflow.usage.completed', { usageId: 'u1', status: 'completed', credits: '2.625' });
    message('decision:e99', 'creditflow.usage.completed', { usageId: 'u9', credits: '1' });
    message('denied:x', 'creditflow.usage.denied', { usageId: 'u7', error: 'unknown_feature' });
    expect(h.reconciler.report().discrepancies.map((d) => [d.kind, d.expected, d.found])).toEqual([
      ['decision', 'creditflow.usage.authorized, u1, credits 2.625 (t/a)', 'creditflow.usage.completed, u1, credits 2.625 (t/a)'],
      ['decision', 'a wallet usage event with that id', 'none'],
    ]);
  });

  it('compares a stated balance at the revision the fold ends at, and skips one at another revision', () => {
    const h = new History();
    purchased(h);
    held(h, 'u1', '2.625');
    const state = (revision: bigint, available: string, topup: string) =>
      h.reconciler.statedBalance({ source: 'the ops read model', tenant: 't', account: 'a', revision, available: c(available), held: c('2.625'), byType: { daily: 0n, topup: c(topup) } });
    state(1n, '97.375', '97.375');
    state(1n, '97.375', '97');
    state(0n, '100', '100');
    const report = h.reconciler.report();
    expect(report.statedBalances).toEqual({ compared: 2, skipped: 1 });
    expect(report.discrepancies.map((d) => [d.kind, d.expected, d.found])).toEqual([
      ['balance', 'available 97.375, held 2.625, daily 0, topup 97.375', 'available 97.375, held 2.625, daily 0, topup 97'],
    ]);
  });

  it('rounds money as each policy says', () => {
    // Ties: 2.5 and 3.5 go to the even neighbour, or up; below and above a tie every rule but down agrees.
    expect([divide(25n, 10n, 'half-even'), divide(35n, 10n, 'half-even'), divide(25n, 10n, 'half-up'), divide(26n, 10n, 'down')]).toEqual([2n, 4n, 3n, 2n]);
    expect([divide(24n, 10n, 'half-up'), divide(26n, 10n, 'half-even'), divide(30n, 10n, 'down')]).toEqual([2n, 3n, 3n]);
  });
});

describe('the reconciler on the access waterfall (allowances, rate limits)', () => {
  const waterfall: TenantTerms = {
    ...terms,
    allowances: new Map([['free-img', { unit: 'uses' as const, amount: 2n, windowMs: 3_600_000 }], ['daily', { unit: 'credits' as const, amount: c('3'), windowMs: 86_400_000 }]]),
    rateLimits: new Map([['burst', { uses: 2, windowMs: 60_000 }]]),
  };
  const at = (minutes: number) => new Date(Date.parse('2026-03-01T00:00:00Z') + minutes * 60_000).toISOString();
  const free = (usageId: string, minutes: number, extra: Record<string, unknown> = {}) => ({
    usageId, feature: 'img', options: { quality: 'high' }, credits: c('2.625'), phases: null, priceVersion: 'v1', lots: [],
    allowances: [{ allowanceId: 'free-img', credits: c('2.625'), uses: 1, until: at(minutes + 60) }], placedAt: at(minutes), ...extra,
  });

  it('finds nothing when allowances pay within their windows, uses come back on release, and decisions say where credits came from', () => {
    const h = new History(waterfall);
    purchased(h);
    const placed = h.wallet('HoldPlaced', free('u1', 0, { rateLimits: [{ limitId: 'burst', until: at(1) }] }));
    const captured = h.wallet('HoldCaptured', { usageId: 'u1', lots: [], amount: 0n, allowances: free('u1', 0).allowances });
    h.wallet('HoldPlaced', free('u2', 10));
    h.wallet('HoldReleased', { usageId: 'u2', lots: [], amount: 0n, reason: 'cancelled', allowances: free('u2', 10).allowances });
    h.wallet('HoldPlaced', free('u3', 20));
    // Part allowance, part lot.
    h.wallet('HoldPlaced', {
      ...free('u4', 30), allowances: [{ allowanceId: 'daily', credits: c('2'), uses: 0, until: at(30 + 24 * 60) }], lots: [{ lotId: 'p1', amount: c('0.625') }],
    });
    const message = (id: string, type: string, data: Record<string, unknown>) =>
      h.reconciler.decision({ topic: 'creditflow.usage-decisions.v1', partition: 0, offset: id, id, type, time: at(0), tenant: 't', account: 'a', data });
    message(`decision:${placed}`, 'creditflow.usage.authorized', { usageId: 'u1', credits: '2.625', paidFrom: [{ source: 'allowance:free-img', amount: '2.625' }] });
    message(`decision:${captured}`, 'creditflow.usage.completed', { usageId: 'u1', credits: '2.625', paidFrom: [{ source: 'allowance:free-img', amount: '2.625' }] });
    const report = h.reconciler.report();
    expect(report.discrepancies).toEqual([]);
    expect(report.balances[0]).toMatchObject({ available: '99.375', held: '0.625' });
  });

  it('finds an allowance that paid beyond its window, a decision that misstates paidFrom, and an unknown allowance', () => {
    const h = new History(waterfall);
    purchased(h);
    const first = h.wallet('HoldPlaced', free('u1', 0));
    h.wallet('HoldPlaced', free('u2', 10));
    const third = h.wallet('HoldPlaced', free('u3', 59));
    h.wallet('HoldPlaced', free('u4', 71)); // u1's and u2's uses have left the window
    const unknown = h.wallet('HoldPlaced', { ...free('u5', 72), allowances: [{ allowanceId: 'ghost', credits: c('2.625'), uses: 1, until: at(132) }] });
    h.reconciler.decision({
      topic: 'creditflow.usage-decisions.v1', partition: 0, offset: '1', id: `decision:${first}`, type: 'creditflow.usage.authorized', time: at(0), tenant: 't', account: 'a',
      data: { usageId: 'u1', credits: '2.625', paidFrom: [{ source: 'lot:p1', amount: '2.625' }] },
    });
    expect(h.reconciler.report().discrepancies.map((d) => [d.kind, d.expected, d.found, d.evidence.at(-1)!.eventId])).toEqual([
      ['allowance', 'at most 2 uses', '3 uses', third],
      ['allowance', 'an allowance of wallet.allowances', 'ghost', unknown],
      ['decision', 'creditflow.usage.authorized, u1, credits 2.625, paidFrom allowance:free-img=2.625 (t/a)', 'creditflow.usage.authorized, u1, credits 2.625, paidFrom lot:p1=2.625 (t/a)', `decision:${first}`],
    ]);
  });

  it('finds a capture that charges the lots what an allowance paid, and a price not covered by allowances and lots together', () => {
    const h = new History(waterfall);
    purchased(h);
    h.wallet('HoldPlaced', free('u1', 0));
    const capture = h.wallet('HoldCaptured', { usageId: 'u1', lots: [{ lotId: 'p1', amount: c('2.625') }], amount: c('2.625') });
    const short = h.wallet('HoldPlaced', { ...free('u2', 1), allowances: [{ allowanceId: 'daily', credits: c('1'), uses: 0, until: at(1 + 24 * 60) }] });
    expect(h.reconciler.report().discrepancies.map((d) => [d.kind, d.expected, d.found, d.evidence.at(-1)!.eventId])).toEqual([
      ['charge', '0', '2.625', capture],
      ['lot', '1', '2.625', short],
      // The lots gave 2.625 they never held: the flows no longer add up.
      ['balance', '97.375', '100', short],
    ]);
  });

  it('finds a rate limit passed, and a rate_limited denial that the counted authorizations do not justify or that names another retry time', () => {
    const h = new History(waterfall);
    purchased(h);
    const placed = (usageId: string, minutes: number) =>
      held(h, usageId, '2.625', { placedAt: at(minutes), rateLimits: [{ limitId: 'burst', until: at(minutes + 1) }] });
    const denied = (usageId: string, minutes: number, retryAt: string) =>
      h.wallet('UsageDenied', { usageId, feature: 'img', phase: 'generate', required: c('2.625'), available: c('100') - c('2.625') * 3n, deniedAt: at(minutes), rateLimit: { limitId: 'burst', uses: 2, per: 'minute', retryAt } });
    placed('u1', 0);
    placed('u2', 0.25);
    const beyond = placed('u3', 0.5);
    // Three in the window: denied rightly, but two must leave before one more is allowed: u2's at 1.25, not u1's at 1.
    denied('u4', 0.75, at(1));
    const early = denied('u5', 2, at(3));
    const report = h.reconciler.report().discrepancies.map((d) => [d.kind, d.expected, d.found, d.evidence.at(-1)!.eventId]);
    expect(report).toEqual([
      ['rate-limit', 'at most 2', '3', beyond],
      ['rate-limit', at(1.25), at(1), report[1][3]],
      ['rate-limit', '2 in the window', '0', early],
    ]);
  });
});

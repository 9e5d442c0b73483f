// The money report from stored wallet events written by hand, against VisualGPT's real tenant file:
// purchases named by their package, claw-backs valued as the refund service values them (the
// policy's half-even rounding, per refund), breakage summed exactly and rounded once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '@creditflow/event-store';
import { Credits, encodeBigInts, parseCredits } from '@creditflow/kernel';
import { OpsProjections } from '@creditflow/ops-projections';
import { findTenantsDir, loadTenants } from '@creditflow/tenancy';
import { walletStream } from '@creditflow/wallet-application';
import { CostBasis, WalletEvent, initialState } from '@creditflow/wallet-domain';
import { moneyReport, packageOf } from './ops.money';

const cr = (s: string) => parseCredits(s) as Credits;
const T = (day: number) => `2031-06-0${day}T10:00:00.000Z`;
const visualgpt = loadTenants(findTenantsDir()).get('visualgpt');

let position = 0n;
const revisions = new Map<string, bigint>();
function stored(accountId: string, event: WalletEvent): RecordedEvent {
  const revision = (revisions.get(accountId) ?? -1n) + 1n;
  revisions.set(accountId, revision);
  position += 1n;
  return {
    streamName: walletStream('visualgpt', accountId), id: `e${position}`, type: event.type, data: encodeBigInts(event.data),
    metadata: { tenantId: 'visualgpt', accountId }, revision, position, recordedAt: new Date(Date.UTC(2031, 5, 9, 0, 0, Number(position))),
  };
}
const opened = (accountId: string): WalletEvent => ({ type: 'AccountOpened', data: { tenantId: 'visualgpt', accountId, kind: 'personal', members: [], openedAt: T(1) } });
const bought = (purchaseId: string, credits: string, day: number, costBasis: CostBasis): WalletEvent => ({
  type: 'CreditsGranted',
  data: { lotId: `purchase:${purchaseId}`, lotType: 'topup', amount: cr(credits), grantedAt: T(day), expiresAt: null, costBasis, source: { kind: 'purchase', id: purchaseId }, fingerprint: purchaseId },
});
const usd = (paidMinor: bigint, listPriceMinor?: bigint, promotional = false): CostBasis => ({ paidMinor, currency: 'USD', promotional, ...(listPriceMinor !== undefined ? { listPriceMinor } : {}) });

let dir: string;
let projections: OpsProjections;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ops-money-'));
  projections = new OpsProjections(join(dir, 'ops.sqlite'), async () => initialState);
  await projections.apply([
    stored('a', opened('a')),
    stored('a', bought('p-small', '100', 1, usd(999n, 999n))),
    stored('a', bought('p-medium', '500', 1, usd(3999n, 3999n))),
    stored('b', opened('b')),
    stored('b', bought('p-promo', '100', 2, usd(500n, 999n, true))),
    // A lot bought before list prices were recorded, of a size the catalog no longer sells.
    stored('b', bought('p-old', '250', 2, usd(1234n))),
    stored('b', { type: 'CreditsGranted', data: { lotId: 'grant:r', lotType: 'reward', amount: cr('5'), grantedAt: T(2), expiresAt: T(3), costBasis: null, source: { kind: 'grant', id: 'r' }, fingerprint: 'r' } }),
    // 33 of the 100 credits bought for 9.99: 3.2967, paid back as 3.30 (half-even to the cent).
    stored('a', { type: 'CreditsClawedBack', data: { refundId: 'refund-1', lotId: 'purchase:p-small', amount: cr('33'), clawedBackAt: T(3) } }),
    // 1 credit of each: 0.0999 + 0.07998 = 0.17988 -> 0.18.
    stored('a', { type: 'LotExpired', data: { lotId: 'purchase:p-small', amount: cr('1'), expiredAt: T(3) } }),
    stored('a', { type: 'LotExpired', data: { lotId: 'purchase:p-medium', amount: cr('1'), expiredAt: T(4) } }),
    stored('b', { type: 'LotExpired', data: { lotId: 'grant:r', amount: cr('5'), expiredAt: T(3) } }),
  ]);
});
afterAll(() => {
  projections.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the money report', () => {
  it('names the package of a purchase by its credits and list price, and null for one the catalog does not sell', () => {
    expect(packageOf(visualgpt, cr('100'), 999n, 'USD')).toBe('small');
    expect(packageOf(visualgpt, cr('500'), null, 'USD')).toBe('medium');
    expect(packageOf(visualgpt, cr('100'), 111n, 'USD')).toBeNull();
    expect(packageOf(visualgpt, cr('100'), 999n, 'EUR')).toBeNull();
  });

  it('sums revenue exactly by package and plan, refunds as paid back, breakage exact then rounded once', () => {
    const report = moneyReport(projections, visualgpt, '0000-01-01', '9999-12-31');
    expect(report.currency).toBe('USD');
    expect(report.revenue.total).toEqual([{ amount: '67.32', currency: 'USD', purchases: 4, listAmount: '72.31' }]);
    expect(report.revenue.byPackage).toEqual([
      { packageId: 'medium', credits: '500', purchases: 1, amount: '39.99', currency: 'USD', listAmount: '39.99' },
      { packageId: 'small', credits: '100', purchases: 2, amount: '14.99', currency: 'USD', listAmount: '19.98' },
      { packageId: null, credits: '250', purchases: 1, amount: '12.34', currency: 'USD', listAmount: '12.34' },
    ]);
    expect(report.revenue.byPlan).toEqual([{ planId: null, purchases: 4, amount: '67.32', currency: 'USD' }]);
    expect(report.refunds).toEqual({ rounding: 'half-even', total: [{ amount: '3.30', currency: 'USD', refunds: 1, credits: '33' }] });
    expect(report.breakage).toEqual({ total: [{ amount: '0.18', currency: 'USD', amountUnrounded: '0.17988', credits: '2' }], unpricedCredits: '5' });
    expect(report.days).toEqual([
      { day: '2031-06-01', revenue: [{ amount: '49.98', currency: 'USD' }], refunds: [], breakage: [] },
      { day: '2031-06-02', revenue: [{ amount: '17.34', currency: 'USD' }], refunds: [], breakage: [] },
      { day: '2031-06-03', revenue: [], refunds: [{ amount: '3.30', currency: 'USD' }], breakage: [{ amount: '0.10', currency: 'USD' }] },
      { day: '2031-06-04', revenue: [], refunds: [], breakage: [{ amount: '0.08', currency: 'USD' }] },
    ]);
    // A period holds only its days.
    expect(moneyReport(projections, visualgpt, '2031-06-02', '2031-06-02').revenue.total).toEqual([{ amount: '17.34', currency: 'USD', purchases: 2, listAmount: '22.33' }]);
  });
});

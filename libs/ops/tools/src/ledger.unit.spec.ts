import type { RecordedEvent } from '@creditflow/event-store';
import { Credits, encodeBigInts, parseCredits } from '@creditflow/kernel';
import { walletStream } from '@creditflow/wallet-application';
import { WalletEvent } from '@creditflow/wallet-domain';
import { AccountNotFound, accountView, formatAccountView } from './account-view';
import { LEDGER_COLUMNS, LedgerBuilder, costBasisText } from './ledger';
import { table } from './table';

const cr = (s: string) => parseCredits(s) as Credits;
let position = 0n;
const revisions = new Map<string, bigint>();
/** A stored wallet event as the store returns it (bigints marked, metadata naming tenant and account). */
function recorded(tenantId: string, accountId: string, event: WalletEvent): RecordedEvent {
  const key = `${tenantId}/${accountId}`;
  const revision = revisions.has(key) ? revisions.get(key)! + 1n : 0n;
  revisions.set(key, revision);
  position += 1n;
  return {
    streamName: walletStream(tenantId, accountId), id: `id-${position}`, type: event.type, data: encodeBigInts(event.data),
    metadata: { tenantId, accountId }, revision, position, recordedAt: new Date(Date.UTC(2026, 2, 2, 10, 0, Number(position))),
  };
}

const T = (minute: number) => `2026-03-02T10:${String(minute).padStart(2, '0')}:00.000Z`;
const source = { kind: 'purchase' as const, id: 'pur-1' };
const events = [
  recorded('apinfer', 'acc-1', { type: 'AccountOpened', data: { tenantId: 'apinfer', accountId: 'acc-1', kind: 'personal', members: [], openedAt: T(0) } }),
  recorded('apinfer', 'acc-1', {
    type: 'CreditsGranted',
    data: {
      lotId: 'purchase:pur-1', lotType: 'topup', amount: cr('100'), grantedAt: T(1), expiresAt: null,
      costBasis: { paidMinor: 1000n, currency: 'CNY', promotional: false, listPriceMinor: 1000n }, source, fingerprint: 'f',
    },
  }),
  recorded('amisi', 'other', { type: 'AccountOpened', data: { tenantId: 'amisi', accountId: 'other', kind: 'personal', members: [], openedAt: T(1) } }),
  recorded('apinfer', 'acc-1', {
    type: 'HoldPlaced',
    data: {
      usageId: 'u-1', userId: null, feature: 'qwen-image', options: { quality: 'high' }, credits: cr('2.625'), phases: null, priceVersion: 'v1',
      lots: [{ lotId: 'purchase:pur-1', amount: cr('2.625') }], placedAt: T(2), expiresAt: T(12), fingerprint: 'h1',
    },
  }),
  recorded('apinfer', 'acc-1', { type: 'HoldCaptured', data: { usageId: 'u-1', lots: [{ lotId: 'purchase:pur-1', amount: cr('2.625') }], amount: cr('2.625'), capturedAt: T(3) } }),
  recorded('apinfer', 'acc-1', {
    type: 'HoldPlaced',
    data: {
      usageId: 'u-2', userId: 'ann', feature: 'qwen-image', options: {}, credits: cr('1.75'), phases: null, priceVersion: 'v1',
      lots: [{ lotId: 'purchase:pur-1', amount: cr('1.75') }], placedAt: T(4), expiresAt: T(14), fingerprint: 'h2',
    },
  }),
  recorded('apinfer', 'acc-1', { type: 'UsageDenied', data: { usageId: 'u-3', userId: null, feature: 'qwen-image', phase: 'generate', required: cr('500'), available: cr('95.625'), deniedAt: T(5), fingerprint: 'd' } }),
];

describe('the ledger', () => {
  it("gives one row per event of the tenant's accounts, with the running balance after it", () => {
    const builder = new LedgerBuilder('apinfer');
    const rows = events.map((e) => builder.add(e)).filter((r) => r !== null);
    expect(rows.map((r) => [r.revision, r.type, r.credits, r.availableChange, r.available, r.held])).toEqual([
      ['0', 'AccountOpened', '', '0', '0', '0'],
      ['1', 'CreditsGranted', '100', '100', '100', '0'],
      ['2', 'HoldPlaced', '2.625', '-2.625', '97.375', '2.625'],
      ['3', 'HoldCaptured', '2.625', '0', '97.375', '0'],
      ['4', 'HoldPlaced', '1.75', '-1.75', '95.625', '1.75'],
      ['5', 'UsageDenied', '500', '0', '95.625', '1.75'],
    ]);
    expect(builder.accounts).toBe(1);
    expect(rows[1]).toMatchObject({ at: T(1), reference: 'purchase:pur-1', lotType: 'topup', detail: 'topup lot from purchase pur-1, paid CNY 10.00' });
    expect(rows[2]).toMatchObject({ reference: 'u-1', lotType: 'topup', detail: `hold for qwen-image (quality=high) on purchase:pur-1 2.625, until ${T(12)}` });
    expect(rows[5].detail).toBe('qwen-image generate denied: needed 500, had 95.625');
    // Every column is a field of the row, in the documented order.
    expect(Object.keys(rows[0])).toEqual(LEDGER_COLUMNS);
  });

  it('describes a lot price with the list price and why they differ', () => {
    expect(costBasisText(null)).toBe('');
    expect(costBasisText({ paidMinor: 999n, currency: 'USD', promotional: false })).toBe('USD 9.99');
    expect(costBasisText({ paidMinor: 500n, currency: 'USD', promotional: true, listPriceMinor: 999n, discountCode: 'HALF' })).toBe('USD 5.00, list 9.99 (promotional, code HALF)');
    expect(costBasisText({ paidMinor: 5n, currency: 'XYZ', promotional: false })).toBe('XYZ 5 minor units');
  });

  it('writes tables padded', () => {
    expect(table(['A', 'NUM'], [['xx', '1'], ['y', '22']], new Set([1]))).toBe('  A   NUM\n  xx    1\n  y    22\n');
  });
});

describe('an account at a revision', () => {
  const mine = events.filter((e) => e.streamName === walletStream('apinfer', 'acc-1'));

  it('folds the stream up to the revision: lots, open holds and balance as stored then', () => {
    const now = accountView('apinfer', 'acc-1', mine);
    expect(now).toMatchObject({
      revision: '5', lastRevision: '5', kind: 'personal',
      balance: { available: '95.625', held: '1.75', byType: { topup: '95.625', daily: '0' } },
      lots: [{ lotId: 'purchase:pur-1', type: 'topup', amount: '100', remaining: '95.625', status: 'open', expiresAt: null, source: 'purchase pur-1', costBasis: 'CNY 10.00' }],
      holds: [{ usageId: 'u-2', feature: 'qwen-image', userId: 'ann', credits: '1.75', lots: 'purchase:pur-1 1.75', expiresAt: T(14) }],
    });
    expect(now.events).toHaveLength(6);

    const earlier = accountView('apinfer', 'acc-1', mine, 2n);
    expect(earlier).toMatchObject({ revision: '2', lastRevision: '5', balance: { available: '97.375', held: '2.625' }, holds: [{ usageId: 'u-1' }] });
    expect(earlier.events.map((e) => e.type)).toEqual(['AccountOpened', 'CreditsGranted', 'HoldPlaced']);
    expect(accountView('apinfer', 'acc-1', mine, 0n).balance.available).toBe('0');
  });

  it('refuses a revision past the end and an empty stream', () => {
    expect(() => accountView('apinfer', 'acc-1', mine, 6n)).toThrow(new RangeError('wallet-apinfer_acc-1 ends at revision 5; there is no revision 6'));
    expect(() => accountView('apinfer', 'nobody', [])).toThrow(AccountNotFound);
  });

  it('prints the account, its lots, holds and the latest events', () => {
    const text = formatAccountView(accountView('apinfer', 'acc-1', mine, 4n), 2);
    expect(text).toContain('account apinfer/acc-1 (personal), stream wallet-apinfer_acc-1 at revision 4 of 5');
    expect(text).toContain('balance: available 95.625, held 1.75 (topup 95.625)');
    expect(text).toMatch(/purchase:pur-1\s+topup\s+100\s+95\.625\s+open/);
    expect(text).toContain('open holds (1):');
    expect(text).toContain('events (5; the last 2, --events all shows every one):');
    expect(text).not.toMatch(/AccountOpened/);
  });
});

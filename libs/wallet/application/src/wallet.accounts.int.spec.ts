// Two wallet processes (two WalletServices with their own caches) on one store: the one that decided
// on a stale state must lose the append, reload and decide again; nothing is lost or doubled.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@creditflow/event-store';
import { wholeCredits } from '@creditflow/kernel';
import { WalletPolicy, balanceOf } from '@creditflow/wallet-domain';
import { WalletCommandEnvelope, WalletAccounts } from './index';

const policy: WalletPolicy = { precision: 0, consumptionOrder: ['daily', 'trial', 'subscription', 'reward', 'topup'], holdTimeoutMs: 600_000 };
const now = new Date('2030-01-01T00:00:00Z');
const at = (tenantId: string, accountId: string, command: WalletCommandEnvelope['command']): WalletCommandEnvelope => ({ tenantId, accountId, command });
const authorize = (usageId: string, credits: number) =>
  at('t', 'a', { type: 'AuthorizeUsage', data: { usageId, userId: null, feature: 'f', options: {}, credits: wholeCredits(credits), phases: null, priceVersion: 'v', now } });

describe('WalletAccounts on a shared store', () => {
  let dir: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wallet-race-'));
    store = SqliteEventStore.open(join(dir, 'events.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes the replica that decided on a stale state decide again, so both usages are held', async () => {
    const first = new WalletAccounts(store, () => policy);
    const second = new WalletAccounts(store, () => policy);
    await first.execute(at('t', 'a', { type: 'OpenAccount', data: { tenantId: 't', accountId: 'a', kind: 'personal', members: [], now } }));
    await first.execute(at('t', 'a', { type: 'GrantCredits', data: { lotId: 'g', lotType: 'reward', amount: wholeCredits(10), expiresAt: null, costBasis: null, source: { kind: 'grant', id: 'g' }, now } }));
    await second.state('t', 'a'); // the second replica caches the account now

    const a = await first.execute(authorize('u1', 4));
    const b = await second.execute(authorize('u2', 5)); // decided on its stale cache first
    expect(a.ok && b.ok).toBe(true);

    const fresh = await new WalletAccounts(store, () => policy).state('t', 'a');
    expect([...fresh.usages.keys()].sort()).toEqual(['u1', 'u2']);
    expect(balanceOf(fresh)).toMatchObject({ available: wholeCredits(1), held: wholeCredits(9) });
  });

  it('refuses, after reloading, what the other replica already spent', async () => {
    const first = new WalletAccounts(store, () => policy);
    const second = new WalletAccounts(store, () => policy);
    await first.execute(at('t', 'a', { type: 'OpenAccount', data: { tenantId: 't', accountId: 'a', kind: 'personal', members: [], now } }));
    await first.execute(at('t', 'a', { type: 'GrantCredits', data: { lotId: 'g', lotType: 'reward', amount: wholeCredits(10), expiresAt: null, costBasis: null, source: { kind: 'grant', id: 'g' }, now } }));
    await second.state('t', 'a');

    await first.execute(authorize('u1', 8));
    const late = await second.execute(authorize('u2', 8));
    expect(late.ok && late.state.usages.get('u2')?.status).toBe('denied');
    expect(balanceOf(await new WalletAccounts(store, () => policy).state('t', 'a'))).toMatchObject({ available: wholeCredits(2), held: wholeCredits(8) });
  });
});

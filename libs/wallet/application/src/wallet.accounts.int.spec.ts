// Two wallet processes (two WalletServices with their own caches) on one store: the one that decided
// on a stale state must lose the append, reload and decide again; nothing is lost or doubled.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore, snapshotStream } from '@creditflow/event-store';
import { wholeCredits } from '@creditflow/kernel';
import { WalletPolicy, balanceOf, fold, initialState, walletSnapshot } from '@creditflow/wallet-domain';
import { WalletAccounts, WalletCommandEnvelope, WalletOutcome, fromRecorded, walletStateAt, walletStream } from './index';

const policy: WalletPolicy = { precision: 0, consumptionOrder: ['daily', 'trial', 'subscription', 'reward', 'topup'], holdTimeoutMs: 600_000 };
const now = new Date('2030-01-01T00:00:00Z');
const at = (tenantId: string, accountId: string, command: WalletCommandEnvelope['command']): WalletCommandEnvelope => ({ tenantId, accountId, command });
const authorize = (usageId: string, credits: number) =>
  at('t', 'a', { type: 'AuthorizeUsage', data: { usageId, userId: null, feature: 'f', options: {}, credits: wholeCredits(credits), phases: null, priceVersion: 'v', now } });

/** A fresh SQLite store in its own directory for each test of the describe block that calls it. */
function freshStore(prefix: string): () => SqliteEventStore {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    store = SqliteEventStore.open(join(dir, 'events.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return () => store;
}

describe('WalletAccounts on a shared store', () => {
  const storeOf = freshStore('wallet-race-');
  let store: SqliteEventStore;
  beforeEach(() => (store = storeOf()));

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

describe('WalletAccounts keeping few closed usages (retired usages recalled from the history)', () => {
  const storeOf = freshStore('wallet-recall-');
  let store: SqliteEventStore;
  let wallet: WalletAccounts;
  const grant = at('t', 'a', { type: 'GrantCredits', data: { lotId: 'g', lotType: 'reward', amount: wholeCredits(100), expiresAt: null, costBasis: null, source: { kind: 'grant', id: 'g' }, now } });
  const step = (type: 'CompleteUsage', usageId: string) => at('t', 'a', { type, data: { usageId, now } });
  const typesOf = (outcome: WalletOutcome) => (outcome.ok ? outcome.events.map((e) => e.type) : outcome.error.code);

  beforeEach(async () => {
    store = storeOf();
    wallet = new WalletAccounts(store, () => policy, { closedUsagesKept: 2 });
    await wallet.execute(at('t', 'a', { type: 'OpenAccount', data: { tenantId: 't', accountId: 'a', kind: 'personal', members: [], now } }));
    await wallet.execute(grant);
    for (const usageId of ['u1', 'u2', 'u3', 'u4', 'u5']) {
      expect(typesOf(await wallet.execute(authorize(usageId, 3)))).toEqual(['HoldPlaced']);
      expect(typesOf(await wallet.execute(step('CompleteUsage', usageId)))).toEqual(['HoldCaptured']);
    }
  });

  it('keeps only the latest closed usages, and answers a repeat of a retired one from its record without charging again', async () => {
    const state = await wallet.state('t', 'a');
    expect([...state.usages.keys()].sort()).toEqual(['u4', 'u5']);
    expect(balanceOf(state).available).toBe(wholeCredits(85));

    const repeat = await wallet.execute(authorize('u1', 3));
    expect(typesOf(repeat)).toEqual(['UsageRecalled']);
    expect(repeat.ok && repeat.state.usages.get('u1')?.status).toBe('completed');
    const otherFeature = authorize('u2', 3);
    (otherFeature.command.data as { feature: string }).feature = 'other';
    expect(typesOf(await wallet.execute(otherFeature))).toBe('WALLET.ID_REUSED'); // other content, same id
    expect(typesOf(await wallet.execute(step('CompleteUsage', 'u3')))).toEqual(['UsageRecalled']);
    expect(typesOf(await wallet.execute(step('CompleteUsage', 'nobody')))).toBe('WALLET.USAGE_NOT_FOUND');
    expect(balanceOf(await wallet.state('t', 'a')).available).toBe(wholeCredits(85));
  });

  it('fails and restores a retired usage with the credits it was charged', async () => {
    expect(typesOf(await wallet.execute(at('t', 'a', { type: 'FailUsage', data: { usageId: 'u2', reason: 'platform_error', now } })))).toEqual(['UsageRecalled', 'UsageFailedAfterCompletion']);
    for (const usageId of ['u6', 'u7', 'u8']) {
      await wallet.execute(authorize(usageId, 1));
      await wallet.execute(step('CompleteUsage', usageId));
    }
    const restore = (restorationId: string) => at('t', 'a', { type: 'RestoreUsageCredits', data: { restorationId, usageId: 'u2', reason: 'platform_error', now } });
    const restored = await wallet.execute(restore('r1'));
    expect(typesOf(restored)).toEqual(['UsageRecalled', 'CreditsRestored']);
    expect(restored.ok && restored.events[1]).toMatchObject({ data: { amount: wholeCredits(3) } });
    expect(typesOf(await wallet.execute(restore('r2')))).toEqual([]); // restored once: the usage is hot again and says so
    expect(balanceOf(await new WalletAccounts(store, () => policy, { closedUsagesKept: 2 }).state('t', 'a')).available).toBe(wholeCredits(85));
  });

  it('finds a usage that retired more than one page of history ago (read backwards, 1,000 events at a time)', async () => {
    const later = Array.from({ length: 700 }, (_, i) => `later-${i}`);
    // written by a replica that keeps every usage (no recalls): this one sees them retire as it catches up
    await new WalletAccounts(store, () => policy, { closedUsagesKept: 10_000 }).executeBatch(later.flatMap((usageId) => [authorize(usageId, 0), step('CompleteUsage', usageId)]));
    const restored = await wallet.execute(at('t', 'a', { type: 'RestoreUsageCredits', data: { restorationId: 'r-old', usageId: 'u1', reason: 'platform_error', now } }));
    expect(typesOf(restored)).toEqual(['UsageRecalled', 'CreditsRestored']);
    expect(restored.ok && restored.events[1]).toMatchObject({ data: { amount: wholeCredits(3) } });
  });

  it('decides a batch in its order when some of its commands need a recall', async () => {
    const outcomes = await wallet.executeBatch([step('CompleteUsage', 'u1'), authorize('u9', 2), at('t', 'a', { type: 'FailUsage', data: { usageId: 'u1', reason: 'cancelled', now } })]);
    expect(outcomes.map(typesOf)).toEqual([['UsageRecalled'], ['HoldPlaced'], ['UsageFailedAfterCompletion']]);
  });

  it('does not read the history for an authorize whose usage id was claimed just now', async () => {
    const reads = jest.spyOn(store, 'readStream');
    const state = await wallet.known('t', 'a');
    reads.mockClear();
    const fresh = await wallet.execute({ ...authorize('u10', 1), recall: WalletAccounts.newUsage('u10', state) });
    expect(typesOf(fresh)).toEqual(['HoldPlaced']);
    const historyReads = () => reads.mock.calls.filter(([stream, options]) => stream === 'wallet-t_a' && options?.direction === 'backwards' && options.maxCount! > 1);
    expect(historyReads()).toEqual([]);
    const unclaimed = await wallet.execute(authorize('u11', 1)); // without the claim's word: looked for, not found, placed
    expect(typesOf(unclaimed)).toEqual(['HoldPlaced']);
    expect(historyReads()).toHaveLength(1);
  });
});

describe('walletStateAt (where a read model resumes an account)', () => {
  const storeOf = freshStore('wallet-state-at-');
  let store: SqliteEventStore;
  beforeEach(() => (store = storeOf()));

  it('starts from the snapshot when it was taken at or before the position, from the first event otherwise, to the same state', async () => {
    const wallet = new WalletAccounts(store, () => policy);
    await wallet.execute(at('t', 'a', { type: 'OpenAccount', data: { tenantId: 't', accountId: 'a', kind: 'personal', members: [], now } }));
    await wallet.execute(at('t', 'a', { type: 'GrantCredits', data: { lotId: 'g', lotType: 'reward', amount: wholeCredits(1000), expiresAt: null, costBasis: null, source: { kind: 'grant', id: 'g' }, now } }));
    const usages = Array.from({ length: 200 }, (_, i) => `u${i}`);
    await wallet.executeBatch(usages.flatMap((usageId) => [authorize(usageId, 1), at('t', 'a', { type: 'CompleteUsage', data: { usageId, now } })]));
    const snapshots = () => store.readStream(snapshotStream(walletStream('t', 'a')));
    for (let i = 0; i < 100 && (await snapshots()).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const [snapshot] = await snapshots();
    expect(snapshot).toBeDefined();
    await wallet.execute(authorize('after-the-snapshot', 1));

    const recorded = await store.readStream(walletStream('t', 'a'));
    const reads = jest.spyOn(store, 'readStream');
    for (const r of [recorded[100], recorded[recorded.length - 3], recorded[recorded.length - 1]]) {
      reads.mockClear();
      const expected = fold(recorded.filter((e) => e.position <= r.position).map(fromRecorded), initialState);
      const state = await walletStateAt(store, 't', 'a', r.position);
      expect(walletSnapshot(state)).toEqual(walletSnapshot(expected));
      const fromFirst = reads.mock.calls.some(([stream, options]) => stream === walletStream('t', 'a') && options?.fromRevision === undefined);
      expect(fromFirst).toBe(r.revision < BigInt((snapshot.data as { revision: string }).revision));
    }
  });
});

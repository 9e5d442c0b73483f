// Two platform processes on one data directory share one event store, as two wallet replicas share
// one database: what one replica did, the other answers and continues, with nothing kept beside the
// store that only one of them has.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { waitFor } from '@creditflow/kernel/testing';
import { EmbeddedPlatform, apiKey, startEmbeddedPlatform } from './embedded-platform';

describe('two replicas on one store', () => {
  let dataDir: string;
  let first: EmbeddedPlatform;
  let second: EmbeddedPlatform;
  const call = (platform: EmbeddedPlatform, role: 'admin' | 'ops' | 'service', method: string, path: string, body?: unknown) =>
    platform.request(method, path, { key: apiKey('apinfer', role), body });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'creditflow-replicas-'));
    first = await startEmbeddedPlatform({ dataDir });
    second = await startEmbeddedPlatform({ dataDir });
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('completes on one replica a usage authorized on the other, and both answer the balance the store holds', async () => {
    expect((await call(first, 'admin', 'PUT', '/v1/accounts/acc-r1', { type: 'personal' })).status).toBe(200);
    await call(first, 'admin', 'POST', '/v1/purchases', { purchaseId: 'p-r1', accountId: 'acc-r1', packageId: 'basic', amountPaid: '10', currency: 'CNY' });
    expect((await call(first, 'service', 'POST', '/v1/usage/authorize', { usageId: 'u-r1', accountId: 'acc-r1', feature: 'qwen-image' })).status).toBe(200);
    expect((await call(first, 'ops', 'GET', '/v1/accounts/acc-r1/balance')).body).toMatchObject({ available: '98.25', held: '1.75' });

    // The usage's account used to live in a file of the replica that authorized it: the other answered 404.
    const completed = await call(second, 'service', 'POST', '/v1/usage/u-r1/complete');
    expect({ status: completed.status, body: completed.body }).toEqual({ status: 200, body: { usageId: 'u-r1', status: 'completed', credits: '1.75', paidFrom: [{ source: 'lot:purchase:p-r1', amount: '1.75' }] } });

    // The first replica had the account cached before the completion: it answers what the store holds now.
    expect((await call(first, 'ops', 'GET', '/v1/accounts/acc-r1/balance')).body).toMatchObject({ available: '98.25', held: '0' });
    expect((await call(first, 'service', 'POST', '/v1/usage/u-r1/complete')).body).toEqual({ usageId: 'u-r1', status: 'completed', credits: '1.75', paidFrom: [{ source: 'lot:purchase:p-r1', amount: '1.75' }] });
  });

  it('publishes each stored wallet event once, not once per replica', async () => {
    await call(second, 'admin', 'PUT', '/v1/accounts/acc-p1', { type: 'personal' });
    await call(first, 'admin', 'POST', '/v1/purchases', { purchaseId: 'p-p1', accountId: 'acc-p1', packageId: 'basic', amountPaid: '10', currency: 'CNY' });
    const bus = new Database(join(dataDir, 'bus.sqlite'), { readonly: true });
    try {
      const published = () =>
        (bus.prepare("SELECT value FROM bus_messages WHERE topic = 'creditflow.wallet-events.v1' AND key = 'apinfer:acc-p1'").all() as { value: string }[])
          .map((m) => JSON.parse(m.value).id as string);
      await waitFor('both events published', () => (published().length >= 2 ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // time for the other replica to publish them again, were it to
      expect(published()).toHaveLength(2);
      expect(new Set(published()).size).toBe(2);
    } finally {
      bus.close();
    }
  });

  it('finishes a usage on a replica that has nothing but the event store (its local files gone, as with a pod moved elsewhere)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'creditflow-moved-'));
    try {
      const before = await startEmbeddedPlatform({ dataDir: dir });
      await call(before, 'admin', 'PUT', '/v1/accounts/acc-m1', { type: 'personal' });
      await call(before, 'admin', 'POST', '/v1/purchases', { purchaseId: 'p-m1', accountId: 'acc-m1', packageId: 'basic', amountPaid: '10', currency: 'CNY' });
      expect((await call(before, 'service', 'POST', '/v1/usage/authorize', { usageId: 'u-m1', accountId: 'acc-m1', feature: 'qwen-image' })).status).toBe(200);
      await before.close();
      for (const file of readdirSync(dir)) if (!file.startsWith('events.sqlite')) rmSync(join(dir, file), { force: true });

      const moved = await startEmbeddedPlatform({ dataDir: dir });
      try {
        // Used to answer 404: the usage's account lived in wallet-usage-index.sqlite beside the store.
        expect((await call(moved, 'service', 'POST', '/v1/usage/u-m1/complete')).body).toEqual({ usageId: 'u-m1', status: 'completed', credits: '1.75', paidFrom: [{ source: 'lot:purchase:p-m1', amount: '1.75' }] });
        expect((await call(moved, 'ops', 'GET', '/v1/accounts/acc-m1/balance')).body).toMatchObject({ available: '98.25', held: '0' });
        // The ops read model lost with its file rebuilds from the start of the store (its position lives in the file, not in the store).
        const rebuilt = await waitFor('the rebuilt ops projection', async () => {
          const rows = (await call(moved, 'ops', 'GET', '/v1/projections/balances')).body.balances as { accountId: string; available: string }[];
          return rows.find((r) => r.accountId === 'acc-m1' && r.available === '98.25');
        });
        expect(rebuilt).toMatchObject({ accountId: 'acc-m1', available: '98.25' });
      } finally {
        await moved.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses on one replica a usage id the other gave to another account', async () => {
    for (const accountId of ['acc-r2', 'acc-r3']) {
      await call(first, 'admin', 'PUT', `/v1/accounts/${accountId}`, { type: 'personal' });
      await call(first, 'admin', 'POST', '/v1/purchases', { purchaseId: `p-${accountId}`, accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' });
    }
    expect((await call(first, 'service', 'POST', '/v1/usage/authorize', { usageId: 'u-shared', accountId: 'acc-r2', feature: 'qwen-image' })).status).toBe(200);

    const reused = await call(second, 'service', 'POST', '/v1/usage/authorize', { usageId: 'u-shared', accountId: 'acc-r3', feature: 'qwen-image' });
    expect({ status: reused.status, error: reused.body.error }).toEqual({ status: 409, error: 'id_reused' });
    expect((await call(second, 'ops', 'GET', '/v1/accounts/acc-r3/balance')).body).toMatchObject({ held: '0' });
  });
});

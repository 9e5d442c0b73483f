// The bounded wallet state through the whole embedded platform (HTTP, the refund service's
// restoration over the bus, a restart): with only 2 closed usages kept, every later step of an old
// usage finds its record in the history, answers what it answered before, and never charges twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPlatform, startEmbeddedPlatform } from '@creditflow/testing';
import { tenantApi, uniqueId } from './seeds/seed-platform.testing';

const KEPT = { CREDITFLOW_WALLET_CLOSED_USAGES_KEPT: '2' };

describe('a wallet that keeps 2 closed usages per account', () => {
  let dataDir: string;
  let platform: EmbeddedPlatform | undefined;
  const gpt = tenantApi(() => platform!, 'gptimage2');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'bounded-state-'));
    platform = await startEmbeddedPlatform({ dataDir, env: KEPT });
  });
  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers repeats of old usages as first, restores an old usage once, and keeps the balance across a restart', async () => {
    const accountId = await gpt.openAccount();
    await gpt.purchase(accountId, 'small', '4.99', 'USD'); // 100 + the trial's 20
    const charges = [];
    for (let i = 0; i < 6; i++) charges.push(await gpt.charge(accountId, { feature: 'text-to-image', resolution: '1K' }));
    expect(await gpt.balance(accountId)).toMatchObject({ available: '60', held: '0' });

    // The oldest usages left the state long ago: repeats answer from their records, charging nothing.
    const [first, second] = charges;
    expect(await gpt.ok(gpt.authorize({ usageId: first.usageId, accountId, feature: 'text-to-image', resolution: '1K' }))).toEqual(first.authorized);
    expect(await gpt.ok(gpt.step(first.usageId, 'complete'))).toEqual(first.completed);
    const reused = await gpt.authorize({ usageId: second.usageId, accountId, feature: 'text-to-image', resolution: '4K' });
    expect(reused.status).toBe(409);
    expect(await gpt.balance(accountId)).toMatchObject({ available: '60', held: '0' });

    // A platform error reported after completion on an old usage: the refund service restores it, once.
    for (let i = 0; i < 3; i++) await gpt.charge(accountId, { feature: 'text-to-image', resolution: '1K' });
    expect((await gpt.step(second.usageId, 'fail', { reason: 'platform_error' })).status).toBe(200);
    await gpt.balanceWhen(accountId, 'the old usage restored', (b) => b.available === '40');
    for (let i = 0; i < 3; i++) await gpt.charge(accountId, { feature: 'text-to-image', resolution: '1K' });
    await gpt.step(second.usageId, 'fail', { reason: 'platform_error' });
    expect((await gpt.transactions(accountId)).filter((t) => t.type === 'CreditsRestored')).toEqual([expect.objectContaining({ usageId: second.usageId, amount: '10' })]);
    expect(await gpt.balance(accountId)).toMatchObject({ available: '10', held: '0' });

    // A usage id never seen: no record in the history, a new hold.
    const fresh = uniqueId('u');
    expect((await gpt.ok(gpt.authorize({ usageId: fresh, accountId, feature: 'text-to-image', resolution: '1K' }))).status).toBe('authorized');
    expect(await gpt.balance(accountId)).toMatchObject({ available: '0', held: '10' });

    // After a restart (states from snapshots and the store), the same answers and the same balance.
    await platform!.close();
    platform = await startEmbeddedPlatform({ dataDir, env: KEPT });
    expect(await gpt.balance(accountId)).toMatchObject({ available: '0', held: '10' });
    expect(await gpt.ok(gpt.step(first.usageId, 'complete'))).toEqual(first.completed);
    expect(await gpt.ok(gpt.step(fresh, 'complete'))).toMatchObject({ status: 'completed' });
    expect(await gpt.balance(accountId)).toMatchObject({ available: '0', held: '0' });
    expect((await gpt.transactions(accountId)).some((t) => t.type === 'UsageRecalled')).toBe(true);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '@creditflow/event-store';
import { waitFor } from '@creditflow/kernel/testing';
import { cloudEvent } from '@creditflow/contracts';
import { BusLog } from './bus';
import { SqliteBus } from './sqlite.bus';

const message = (id: string) => ({ key: 'apinfer:acc-1', value: cloudEvent({ id, source: 'test', type: 'creditflow.test.sent', tenantid: 'apinfer', data: {} }) });

describe('the SQLite bus: health, lag and a consumer that dies', () => {
  let dir: string;
  let bus: SqliteBus;
  const logged: { level: string; message: string; fields: object }[] = [];
  const log: BusLog = {
    info: (fields, message) => void logged.push({ level: 'info', message, fields }),
    warn: (fields, message) => void logged.push({ level: 'warn', message, fields }),
    error: (fields, message) => void logged.push({ level: 'error', message, fields }),
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'creditflow-bus-'));
    bus = new SqliteBus(join(dir, 'bus.sqlite'), log);
    logged.length = 0;
  });
  afterEach(async () => {
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers health and each group's lag: what was written and not yet committed by the group", async () => {
    await expect(bus.health()).resolves.toBeUndefined();
    await bus.publish('t.one', [message('a'), message('b'), message('c')]);
    expect(await bus.lag('readers', ['t.one', 't.two'])).toEqual([{ topic: 't.one', partition: 0, lag: 3 }, { topic: 't.two', partition: 0, lag: 0 }]);
    const seen: string[] = [];
    const consumer = await bus.consume({ groupId: 'readers', topics: ['t.one'], handle: async (batch) => void seen.push(...batch.map((m) => m.offset)) });
    await waitFor('the messages', async () => (seen.length === 3 ? true : undefined), 5_000);
    await waitFor('the lag to be 0', async () => ((await bus.lag('readers', ['t.one']))[0].lag === 0 ? true : undefined), 5_000);
    expect(consumer.status()).toMatchObject({ state: 'running', crashes: 0 });
    await consumer.stop();
    expect(consumer.status().state).toBe('stopped');
  });

  it('lets timers and I/O run between the batches of a long backlog (a large log does not hold off requests)', async () => {
    await bus.publish('t.one', Array.from({ length: 20_000 }, (_, i) => message(`m${i}`))); // 40 batches: longer than a loop may hold the event loop (10 ms)
    let seen = 0;
    const consumer = await bus.consume({ groupId: 'readers', topics: ['t.one'], handle: async (batch) => void (seen += batch.length) });
    let seenWhenIoRan = -1;
    setImmediate(() => (seenWhenIoRan = seen));
    await waitFor('the backlog', async () => (seen === 20_000 ? true : undefined), 10_000);
    await consumer.stop();
    expect(seenWhenIoRan).toBeGreaterThanOrEqual(0);
    expect(seenWhenIoRan).toBeLessThan(20_000);
  });

  it("marks what the platform's own bus publishes, not what another writer of the file does", async () => {
    const platform = new SqliteBus(join(dir, 'bus.sqlite'), log, { fromPlatform: true });
    await platform.publish('t.one', [message('own')]);
    await bus.publish('t.one', [message('other')]);
    await platform.close();
    const seen: { id: string; fromPlatform?: true }[] = [];
    const consumer = await bus.consume({ groupId: 'readers', topics: ['t.one'], handle: async (batch) => void seen.push(...batch.map((m) => ({ id: JSON.parse(m.value).id, fromPlatform: m.fromPlatform }))) });
    await waitFor('the messages', async () => (seen.length === 2 ? true : undefined), 5_000);
    await consumer.stop();
    expect(seen).toEqual([{ id: 'own', fromPlatform: true }, { id: 'other', fromPlatform: undefined }]);
  });

  it('reports a consumer whose loop fails as dead, logs it, and runs it again when it can: nothing is lost', async () => {
    const seen: string[] = [];
    const consumer = await bus.consume({ groupId: 'readers', topics: ['t.one'], handle: async (batch) => void seen.push(...batch.map((m) => JSON.parse(m.value).id)) });
    await waitFor('the consumer to run', async () => (consumer.status().state === 'running' ? true : undefined), 5_000);

    // Another process breaks the file under it: the offsets table is gone.
    const other = openSqlite(join(dir, 'bus.sqlite'));
    other.exec('ALTER TABLE bus_offsets RENAME TO bus_offsets_away');
    await bus.publish('t.one', [message('m1')]);
    const dead = await waitFor('the consumer to die', async () => (consumer.status().state === 'crashed' ? consumer.status() : undefined), 5_000);
    expect(dead).toMatchObject({ crashes: 1, lastError: expect.stringMatching(/bus_offsets/) });
    expect(logged).toContainEqual({ level: 'error', message: expect.stringMatching(/consumer readers died: .*; runs again in 1000 ms/), fields: expect.objectContaining({ groupId: 'readers', crashes: 1 }) });

    other.exec('ALTER TABLE bus_offsets_away RENAME TO bus_offsets');
    other.close();
    await waitFor('the message, once the consumer runs again', async () => (seen.includes('m1') ? true : undefined), 10_000);
    expect(consumer.status()).toMatchObject({ state: 'running', crashes: expect.any(Number) });
    expect(seen).toEqual(['m1']);
  });
});

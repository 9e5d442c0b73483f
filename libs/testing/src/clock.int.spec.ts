// The manual clock (CREDITFLOW_CLOCK=manual) as an admin meets it: it never goes back once set, and a
// restart finds it where it was set, with every change recorded in the event store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@creditflow/event-store';
import { EmbeddedPlatform, apiKey, startEmbeddedPlatform } from './embedded-platform';

describe('the manual clock', () => {
  let dataDir: string;
  const setClock = (platform: EmbeddedPlatform, now: string) => platform.request('POST', '/v1/admin/clock', { key: apiKey('apinfer', 'admin'), body: { now } });
  const clockOf = async (platform: EmbeddedPlatform) => (await platform.request('GET', '/health')).body.now;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'creditflow-clock-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses to go back once set (a complete refused at T+2h used to pass at T+5m), and goes forward', async () => {
    const platform = await startEmbeddedPlatform({ dataDir, clock: 'manual' });
    try {
      expect((await setClock(platform, '2031-05-05T12:00:00Z')).status).toBe(200);
      const back = await setClock(platform, '2031-05-05T11:59:59Z');
      expect({ status: back.status, body: back.body }).toEqual({
        status: 422,
        body: { error: 'moves_backwards', message: expect.stringContaining('never goes back'), details: { now: '2031-05-05T12:00:00.000Z', requested: '2031-05-05T11:59:59.000Z' } },
      });
      expect(await clockOf(platform)).toBe('2031-05-05T12:00:00.000Z');
      expect((await setClock(platform, '2031-05-05T12:00:00Z')).status).toBe(200);
      expect((await setClock(platform, '2031-06-01T00:00:00Z')).body).toEqual({ now: '2031-06-01T00:00:00.000Z' });
    } finally {
      await platform.close();
    }
  });

  it('survives a restart, and the store records who set it from what', async () => {
    const before = await startEmbeddedPlatform({ dataDir, clock: 'manual' });
    await setClock(before, '2031-05-05T12:00:00Z');
    await setClock(before, '2031-05-06T12:00:00Z');
    await before.close();

    const after = await startEmbeddedPlatform({ dataDir, clock: 'manual' });
    try {
      // Used to restart at the system time.
      expect(await clockOf(after)).toBe('2031-05-06T12:00:00.000Z');
      expect((await setClock(after, '2031-05-05T12:00:00Z')).status).toBe(422);
      const store = SqliteEventStore.open(join(dataDir, 'events.sqlite'));
      const changes = await store.readStream('clock-platform');
      await store.close();
      expect(changes.map((e) => e.data)).toEqual([
        { now: '2031-05-05T12:00:00.000Z', previous: null, by: 'apinfer/admin' },
        { now: '2031-05-06T12:00:00.000Z', previous: '2031-05-05T12:00:00.000Z', by: 'apinfer/admin' },
      ]);
    } finally {
      await after.close();
    }
  });
});

// `npm run build` emits JavaScript that starts every service with plain `node` (no TypeScript at run
// time): the embedded platform, and the four distributed services against the test broker.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from '@creditflow/kernel/testing';
import { E2E_WAIT_MS, kafkaBrokers } from './distributed-services';

const root = resolve(__dirname, '../../..');
const MAINS = {
  platform: 'dist/apps/platform/src/main.js',
  pricing: 'dist/apps/pricing/src/main.js',
  wallet: 'dist/apps/wallet/src/main.js',
  'subscription-scheduler': 'dist/apps/subscription-scheduler/src/main.js',
  refund: 'dist/apps/refund/src/main.js',
};

describe('the compiled build', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'creditflow-dist-'));
  const children: ChildProcess[] = [];

  beforeAll(() => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)))));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(Object.entries(MAINS).map(([name, main], i) => [name, main, 3960 + i] as const))('starts %s with plain node (%s)', async (name, main, port) => {
    const child = spawn(process.execPath, [main], {
      cwd: root,
      env: {
        PATH: process.env.PATH, PORT: String(port), CREDITFLOW_DATA_DIR: join(dataDir, name), CREDITFLOW_CREATE_TOPICS: 'true',
        CREDITFLOW_SCHEDULER_INTERVAL_MS: '0', CREDITFLOW_GROUP_PREFIX: `dist-${process.pid}`, KAFKA_BROKERS: kafkaBrokers().join(','),
        CREDITFLOW_API_KEYS: JSON.stringify({ 'dist-key': { tenant: 'apinfer', role: 'ops' } }),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const health = await waitFor(`${name} from dist`, async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}: ${stderr}`);
      return fetch(`http://127.0.0.1:${port}/health`).then((r) => (r.ok ? r.json() : undefined), () => undefined);
    }, E2E_WAIT_MS);
    expect(health).toMatchObject({ status: 'ok', mode: name === 'platform' ? 'embedded' : 'distributed' });
  });
});

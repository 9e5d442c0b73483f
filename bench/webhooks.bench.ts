// Alert webhooks: what delivering them costs the platform's HTTP path, and how long an alert takes to
// reach a receiver. The embedded platform (its own process) with apinfer's webhook to a node:http
// receiver in this process, beside the same platform without webhooks (the baseline), alternating
// within each repetition:
//   - ordinary usage: authorize+complete pairs (1.75 credits, no alert), one at a time: p50/p99 ms;
//   - crossings: one authorize+complete per account that takes it below the low-balance threshold
//     (two alerts: low-balance, auto top-up): the pair's ms, and (webhooks) from the authorize's
//     answer to the receiver's receipt of the low-balance alert, waited for one at a time: p50/p99/max.
// Run: npm run bench:webhooks [-- --accounts 50 --pairs 300 --reps 3 --record]
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, REPS, log, machine, median, numberFlag, percentile, progress, report, round, run, sleep } from './lib/common';
import { KEYS, Proc, startPlatform } from './lib/processes';

const ACCOUNTS = numberFlag('accounts', 50);
const PAIRS = numberFlag('pairs', 300);
if (PAIRS > 51 * ACCOUNTS) throw new Error('--pairs may be at most 51 per account: more would cross the threshold before the crossings');
const SECRET = 'bench-webhook-secret-0123456789abcdef';

const received = new Map<string, number>(); // account -> when its low-balance alert arrived
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (body.type === 'creditflow.alert.low-balance') received.set(body.subject, performance.now());
    res.writeHead(200).end();
  });
});

const scratch: string[] = [];
let platform: Proc | null = null;

/** The repository's tenants with apinfer's webhook to `url` (low-balance and auto top-up). */
function tenantsWithWebhook(url: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'creditflow-bench-tenants-'));
  scratch.push(dir);
  const source = join(REPO_ROOT, 'config', 'tenants');
  for (const f of readdirSync(source).filter((f) => /\.ya?ml$/.test(f))) copyFileSync(join(source, f), join(dir, f));
  const file = join(dir, 'apinfer.yaml');
  writeFileSync(file, `${readFileSync(file, 'utf8')}
webhooks:
  - { id: bench, url: "${url}", alerts: [low-balance, auto-top-up-requested], secretEnv: CREDITFLOW_WEBHOOK_SECRET_BENCH }
`);
  return dir;
}

async function call(url: string, key: string, method: string, path: string, body?: unknown): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}${path}`, {
    method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  await response.text();
  if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status}`);
  return performance.now() - started;
}

async function oneRun(variant: 'webhooks' | 'baseline', tenantsDir: string, rep: number) {
  const dataDir = mkdtempSync(join(tmpdir(), `creditflow-bench-webhooks-${variant}-`));
  scratch.push(dataDir);
  const env: Record<string, string> = variant === 'webhooks' ? { CREDITFLOW_TENANTS_DIR: tenantsDir, CREDITFLOW_WEBHOOK_SECRET_BENCH: SECRET, CREDITFLOW_WEBHOOK_PRIVATE_TARGETS: 'true' } : {};
  platform = await startPlatform({ dataDir, env });
  const { url } = platform;
  const account = (i: number) => `${variant}-${rep}-acc-${i}`;
  for (let i = 0; i < ACCOUNTS; i++) {
    await call(url, KEYS.admin, 'PUT', `/v1/accounts/${account(i)}`, { type: 'personal' });
    await call(url, KEYS.admin, 'POST', '/v1/purchases', { purchaseId: `${account(i)}-p`, accountId: account(i), packageId: 'basic', amountPaid: '10', currency: 'CNY' });
  }
  const pair = async (accountId: string, usageId: string, quantity: number) =>
    (await call(url, KEYS.service, 'POST', '/v1/usage/authorize', { usageId, accountId, feature: 'qwen-image', quantity })) +
    (await call(url, KEYS.service, 'POST', `/v1/usage/${usageId}/complete`));

  const ordinary: number[] = [];
  for (let i = 0; i < PAIRS; i++) {
    ordinary.push(await pair(account(i % ACCOUNTS), `${variant}-${rep}-u-${i}`, 1));
    if (i % 50 === 0) progress(`rep ${rep} ${variant}: ordinary pair ${i}/${PAIRS}`);
  }
  const crossing: number[] = [];
  const delivery: number[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const accountId = account(i);
    const usageId = `${variant}-${rep}-cross-${i}`;
    const started = performance.now();
    // What the ordinary pairs left (1.75 each), less all but one or two images: between 1.75 and 3.5, below 10.
    const used = Math.floor(PAIRS / ACCOUNTS) + (i < PAIRS % ACCOUNTS ? 1 : 0);
    const quantity = Math.floor((100 - used * 1.75) / 1.75) - 1;
    await call(url, KEYS.service, 'POST', '/v1/usage/authorize', { usageId, accountId, feature: 'qwen-image', quantity });
    const answered = performance.now();
    await call(url, KEYS.service, 'POST', `/v1/usage/${usageId}/complete`);
    crossing.push(performance.now() - started);
    if (variant === 'webhooks') {
      const deadline = Date.now() + 30_000;
      while (!received.has(accountId)) {
        if (Date.now() > deadline) throw new Error(`no webhook for ${accountId} within 30 s`);
        await sleep(2);
      }
      delivery.push(received.get(accountId)! - answered);
    }
    progress(`rep ${rep} ${variant}: crossing ${i + 1}/${ACCOUNTS}`);
  }
  await platform.stop();
  platform = null;
  const stats = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { n: sorted.length, p50: round(percentile(sorted, 50), 2), p99: round(percentile(sorted, 99), 2), max: round(sorted[sorted.length - 1], 2) };
  };
  return { ordinaryPairMs: stats(ordinary), crossingPairMs: stats(crossing), ...(variant === 'webhooks' ? { deliveryMs: stats(delivery) } : {}) };
}

run(
  async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const tenantsDir = tenantsWithWebhook(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`);
    const runs: Record<'webhooks' | 'baseline', Awaited<ReturnType<typeof oneRun>>[]> = { webhooks: [], baseline: [] };
    for (let rep = 1; rep <= REPS; rep++) {
      const order = rep % 2 === 1 ? (['webhooks', 'baseline'] as const) : (['baseline', 'webhooks'] as const);
      for (const variant of order) runs[variant].push(await oneRun(variant, tenantsDir, rep));
      log(`rep ${rep} done`);
    }
    const med = (variant: 'webhooks' | 'baseline', pick: (r: Awaited<ReturnType<typeof oneRun>>) => number | null) => round(median(runs[variant].map(pick).filter((v): v is number => v !== null)), 2);
    report('webhooks', {
      name: 'webhooks',
      machine: machine(),
      sizes: { accounts: ACCOUNTS, pairs: PAIRS, reps: REPS },
      medianOverReps: {
        ordinaryPairP50Ms: { webhooks: med('webhooks', (r) => r.ordinaryPairMs.p50), baseline: med('baseline', (r) => r.ordinaryPairMs.p50) },
        ordinaryPairP99Ms: { webhooks: med('webhooks', (r) => r.ordinaryPairMs.p99), baseline: med('baseline', (r) => r.ordinaryPairMs.p99) },
        crossingPairP50Ms: { webhooks: med('webhooks', (r) => r.crossingPairMs.p50), baseline: med('baseline', (r) => r.crossingPairMs.p50) },
        deliveryP50Ms: med('webhooks', (r) => r.deliveryMs!.p50),
        deliveryP99Ms: med('webhooks', (r) => r.deliveryMs!.p99),
        deliveryMaxMs: med('webhooks', (r) => r.deliveryMs!.max),
      },
      runs,
    });
  },
  async () => {
    await platform?.stop();
    receiver.close();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  },
);

// The independent reconciler (libs/reconciler) over real traffic: purchases, grants, logins,
// authorize/complete/fail/accept/reject, a restoration and a money refund, expiry by the manual
// clock, all through the embedded platform's HTTP API. `ops reconcile` finds nothing, its balances
// are the wallet's own answers, and the continuous run publishes zeros; then a corrupted event
// appended to an account's stream (a second capture of a completed usage, at another amount) is
// reported with its evidence, by the command and by the metric; so is a decision published with
// other credits than its event. GET /v1/reconciliation shows the continuous run's last findings to the
// ops role, each tenant its own.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS, USAGE_DECISION_TYPES, cloudEvent, messageKey } from '@creditflow/contracts';
import { createEventStore } from '@creditflow/event-store';
import { encodeBigInts, parseCredits } from '@creditflow/kernel';
import { waitFor } from '@creditflow/kernel/testing';
import { SqliteBus } from '@creditflow/messaging';
import type { ReconciliationReport } from '@creditflow/reconciler-domain';
import { walletStream } from '@creditflow/wallet-application';
import { EmbeddedPlatform, apiKey, startEmbeddedPlatform } from './embedded-platform';
import { ops } from './ops-command';


const reconcile = (env: NodeJS.ProcessEnv, ...argv: string[]) => ops(env, 'reconcile', ...argv);

describe('the independent reconciler on an embedded platform', () => {
  let platform: EmbeddedPlatform;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  const call = async (tenant: string, role: 'admin' | 'service' | 'ops', method: string, path: string, body?: unknown, expected = 200) => {
    const r = await platform.request(method, path, { key: apiKey(tenant, role), body });
    if (r.status !== expected) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const setClock = (now: string) => call('apinfer', 'admin', 'POST', '/v1/admin/clock', { now });
  const metric = async (labels: string) => {
    const text = (await platform.request('GET', '/metrics')).body as string;
    const line = text.split('\n').find((l) => l.startsWith(`creditflow_reconciler_discrepancies{${labels}`));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'creditflow-reconciler-'));
    platform = await startEmbeddedPlatform({ dataDir, clock: 'manual', env: { CREDITFLOW_RECONCILE_INTERVAL_MS: '300' } });
    env = { CREDITFLOW_DATA_DIR: dataDir };
    await setClock('2026-03-01T08:00:00Z');

    // apinfer: a purchase, fractional prices, a cancelled hold, a platform error restored on request,
    // a reward that expires, and a refund of unused credits (money at the purchase's price per credit).
    await call('apinfer', 'admin', 'PUT', '/v1/accounts/rc-a', { type: 'personal' });
    await call('apinfer', 'admin', 'POST', '/v1/purchases', { purchaseId: 'rc-p1', accountId: 'rc-a', packageId: 'basic', amountPaid: '10', currency: 'CNY' });
    const use = async (tenant: string, accountId: string, usageId: string, request: Record<string, unknown>, ...steps: [string, unknown?][]) => {
      await call(tenant, 'service', 'POST', '/v1/usage/authorize', { usageId, accountId, ...request });
      for (const [step, body] of steps) await call(tenant, 'service', 'POST', `/v1/usage/${usageId}/${step}`, body);
    };
    await use('apinfer', 'rc-a', 'rc-u1', { feature: 'qwen-image', quality: 'high' }, ['complete']);
    await use('apinfer', 'rc-a', 'rc-u2', { feature: 'qwen-image', quality: 'ultra', quantity: 3 }, ['fail', { reason: 'cancelled' }]);
    await use('apinfer', 'rc-a', 'rc-u3', { feature: 'qwen-image' }, ['complete'], ['fail', { reason: 'platform_error' }]);
    await use('apinfer', 'rc-a', 'rc-u4', { feature: 'qwen-image', quality: 'ultra', quantity: 2 }, ['complete']);
    await call('apinfer', 'admin', 'POST', '/v1/accounts/rc-a/grants', { grantId: 'rc-g1', type: 'reward', amount: '5', expiresAt: '2026-03-02T00:00:00Z' });
    await setClock('2026-03-02T09:00:00Z'); // the reward expired; the next command records it
    await use('apinfer', 'rc-a', 'rc-u5', { feature: 'qwen-image', quality: 'high', quantity: 2 }, ['complete']);
    const restored = await call('apinfer', 'admin', 'POST', '/v1/refunds', { refundId: 'rc-r1', accountId: 'rc-a', usageId: 'rc-u3', reason: 'system_failure' });
    expect(restored).toMatchObject({ status: 'approved' });
    // The restoration reaches the wallet over the bus: the refund below is judged on the balance after it.
    await waitFor('the restoration applied', async () => ((await call('apinfer', 'ops', 'GET', '/v1/accounts/rc-a/balance')).available === '85.125' ? true : undefined), 20_000);
    const refund = await call('apinfer', 'admin', 'POST', '/v1/refunds', { refundId: 'rc-r2', accountId: 'rc-a', purchaseId: 'rc-p1', reason: 'unused_credits' });
    // 85.125 unused of 100 credits bought for CNY 10: 8.5125, half-even to the fen.
    expect(refund).toMatchObject({ status: 'approved', money: { amount: '8.51', currency: 'CNY' } });
    await waitFor('the refund settled', async () => ((await call('apinfer', 'ops', 'GET', '/v1/refunds/rc-r2')).settlement === 'settled' ? true : undefined), 20_000);

    // listing-editor: a phased feature, accepted and rejected; a hold left open.
    await call('listing-editor', 'admin', 'PUT', '/v1/accounts/rc-l', { type: 'personal' });
    await call('listing-editor', 'admin', 'POST', '/v1/accounts/rc-l/grants', { grantId: 'rc-lg', type: 'reward', amount: '20' });
    await use('listing-editor', 'rc-l', 'rc-l1', { feature: 'ai-edit', resolution: '4K' }, ['complete'], ['accept']);
    await use('listing-editor', 'rc-l', 'rc-l2', { feature: 'ai-edit', resolution: '1K' }, ['complete'], ['reject']);
    await use('listing-editor', 'rc-l', 'rc-l3', { feature: 'ai-edit', resolution: '2K' });

    // visualgpt: daily credits from a login, priced by model; a denial for want of credits.
    await call('visualgpt', 'admin', 'PUT', '/v1/accounts/rc-v', { type: 'personal' });
    await call('visualgpt', 'service', 'POST', '/v1/accounts/rc-v/logins', { loginId: 'rc-login-1' });
    await use('visualgpt', 'rc-v', 'rc-v1', { feature: 'image-editor', model: 'flux-kontext-pro' }, ['complete']);
    await call('visualgpt', 'service', 'POST', '/v1/usage/authorize', { usageId: 'rc-v2', accountId: 'rc-v', feature: 'image-editor', model: 'flux-kontext-pro', quantity: 2 }, 402);

    // gptimage2: trial credits, a platform error after completion restored automatically.
    await call('gptimage2', 'admin', 'PUT', '/v1/accounts/rc-t', { type: 'personal' });
    await use('gptimage2', 'rc-t', 'rc-t1', { feature: 'text-to-image', resolution: '1K' }, ['complete'], ['fail', { reason: 'platform_error' }]);
    await use('gptimage2', 'rc-t', 'rc-t2', { feature: 'text-to-image', resolution: '1K' }, ['complete']);
    await waitFor('the automatic restoration', async () => ((await call('gptimage2', 'ops', 'GET', '/v1/accounts/rc-t/balance')).available === '10' ? true : undefined), 20_000);

    // amisi: a monthly subscription over four cycles; at the fourth boundary what exceeds the rollover cap (40) expires.
    await call('amisi', 'admin', 'PUT', '/v1/accounts/rc-s', { type: 'personal' });
    await call('amisi', 'admin', 'PUT', '/v1/accounts/rc-s/subscription', { planId: 'basic', billingPeriod: 'monthly' });
    await call('amisi', 'admin', 'POST', '/v1/scheduler/ticks');
    await waitFor('the first grant', async () => ((await call('amisi', 'ops', 'GET', '/v1/accounts/rc-s/balance')).available === '20' ? true : undefined), 20_000);
    await use('amisi', 'rc-s', 'rc-s1', { feature: 'chat-message' }, ['complete']);
    for (const month of ['2026-04-02T12:00:00Z', '2026-05-02T12:00:00Z', '2026-06-02T12:00:00Z']) {
      await setClock(month);
      await call('amisi', 'admin', 'POST', '/v1/scheduler/ticks');
    }
    // 19 + 20 + 20 = 59 at the last boundary: 19 over the cap expire, then the fourth grant: 40 + 20.
    await waitFor('the fourth grant', async () => ((await call('amisi', 'ops', 'GET', '/v1/accounts/rc-s/balance')).available === '60' ? true : undefined), 20_000);

    // Time went on: the listing-editor hold left open timed out, the next command on the account records its release.
    await use('listing-editor', 'rc-l', 'rc-l4', { feature: 'ai-edit', resolution: '1K' }, ['complete']);
    // The reconciler folds what is recorded (as the wallet's ledger export does); the wallet's balance
    // answer also applies time. A login of a new day records the expiry of the old day's lot.
    await call('visualgpt', 'service', 'POST', '/v1/accounts/rc-v/logins', { loginId: 'rc-login-2' });
  }, 90_000);

  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds no discrepancy in real traffic, and derives the balances the wallet answers', async () => {
    // Once the ops read model has applied every event, each account's projected balance is compared too.
    const { code, stdout, stderr } = await waitFor('the ops read model at every account\'s last revision', async () => {
      const run = await reconcile(env, '--json');
      return (JSON.parse(run.stdout) as ReconciliationReport).statedBalances.compared === 5 ? run : undefined;
    });
    const report = JSON.parse(stdout) as ReconciliationReport;
    expect({ code, discrepancies: report.discrepancies }).toEqual({ code: 0, discrepancies: [] });
    expect(stderr).toMatch(/^reconciled: no discrepancies in 5 accounts .*; 5 balances of the ops read model compared\)/);
    expect(report.usages).toEqual({ authorized: 13, completed: 11 });
    // Every usage event's decision, as the wallet published it on the bus (authorized, denied, completed, failed, accepted, rejected).
    expect(report.events.decisions).toBeGreaterThanOrEqual(13 + 11 + 2 + 1);
    // rc-r1, rc-r2, restore:rc-u3 (the platform error itself, judged without a request: apinfer does not restore
    // automatically) and restore:rc-t1 (gptimage2 does).
    expect(report.refunds).toEqual({ decided: 4, withMoney: 1 });
    for (const [tenant, account] of [['apinfer', 'rc-a'], ['listing-editor', 'rc-l'], ['visualgpt', 'rc-v'], ['gptimage2', 'rc-t'], ['amisi', 'rc-s']]) {
      const balance = await call(tenant, 'ops', 'GET', `/v1/accounts/${account}/balance`);
      const derived = report.balances.find((b) => b.tenant === tenant && b.account === account)!;
      expect({ available: parseCredits(derived.available), held: parseCredits(derived.held) }).toEqual({ available: parseCredits(balance.available), held: parseCredits(balance.held) });
    }
    const apinfer = report.balances.find((b) => b.account === 'rc-a')!;
    // 100 + 5 granted; 2.625 + 1.75 + 7 + 5.25 spent; the 5 reward credits expired unused; 1.75 restored; the rest clawed back by the refund.
    expect(apinfer).toMatchObject({ granted: '105', spent: '16.625', expired: '5', restored: '1.75', clawedBack: '85.125', available: '0', held: '0' });
    expect(report.balances.find((b) => b.account === 'rc-s')).toMatchObject({ granted: '80', spent: '1', expired: '19', available: '60', byType: { subscription: '60' } });
    expect(report.balances.find((b) => b.account === 'rc-t')).toMatchObject({ granted: '20', spent: '20', restored: '10', available: '10' });
    const human = await reconcile(env, '--tenant', 'listing-editor');
    expect(human).toMatchObject({ code: 0, stdout: expect.stringMatching(/^reconciled: no discrepancies in 1 account /) });
    await waitFor('the continuous run', async () => ((await metric('tenant="apinfer",kind="charge"')) === 0 ? true : undefined));

    // Its last run over HTTP, for the ops role: this tenant's accounts and events, nothing found.
    const last = await call('apinfer', 'ops', 'GET', '/v1/reconciliation');
    expect(last).toMatchObject({ intervalMs: 300, accounts: 1, discrepancies: [], discrepancyCounts: { balance: 0, charge: 0, refund: 0, decision: 0 } });
    expect(last.events.wallet).toBeGreaterThan(10);
    expect(last.events.refund).toBeGreaterThan(0);
    expect(Date.parse(last.finishedAt)).toBeGreaterThanOrEqual(Date.parse(last.startedAt));
    await call('apinfer', 'service', 'GET', '/v1/reconciliation', undefined, 403);
  });

  it('reports a decision that says other than its event and a corrupted event, with their evidence, on demand and as the metric', async () => {
    const store = createEventStore({ kind: 'sqlite', path: join(dataDir, 'events.sqlite') });
    const stream = walletStream('listing-editor', 'rc-l');
    const eventId = randomUUID();
    let appendedAt: bigint;
    try {
      const [captured] = (await store.readStream(stream)).filter((e) => e.type === 'HoldCaptured' && (e.data as { usageId: string }).usageId === 'rc-l1');
      const data = encodeBigInts({ usageId: 'rc-l1', lots: [{ lotId: 'grant:rc-lg', amount: parseCredits('1') }], amount: parseCredits('1'), capturedAt: '2026-03-02T09:30:00.000Z' });
      ({ nextExpectedRevision: appendedAt } = await store.appendToStream(stream, [{ id: eventId, type: 'HoldCaptured', data, metadata: captured.metadata }], { expectedRevision: 'any' }));
    } finally {
      await store.close();
    }
    // A completed decision for apinfer's rc-u1 claiming 3 credits where the wallet captured 2.625.
    const bus = new SqliteBus(join(dataDir, 'bus.sqlite'));
    const wallet = createEventStore({ kind: 'sqlite', path: join(dataDir, 'events.sqlite') });
    const [capture] = (await wallet.readStream(walletStream('apinfer', 'rc-a'))).filter((e) => e.type === 'HoldCaptured' && (e.data as { usageId: string }).usageId === 'rc-u1');
    await wallet.close();
    const decisionId = `decision:${capture.id}`;
    try {
      await bus.publish(TOPICS.usageDecisions, [{
        key: messageKey('apinfer', 'rc-a'),
        value: cloudEvent({ id: decisionId, source: 'creditflow/wallet', type: USAGE_DECISION_TYPES.completed, subject: 'rc-a', tenantid: 'apinfer', time: new Date().toISOString(), data: { usageId: 'rc-u1', status: 'completed', credits: '3' } }),
      }]);
    } finally {
      await bus.close();
    }
    const apinfer = JSON.parse((await reconcile(env, '--json', '--tenant', 'apinfer')).stdout) as ReconciliationReport;
    expect(apinfer.discrepancies).toEqual([expect.objectContaining({
      kind: 'decision', account: 'rc-a', expected: 'creditflow.usage.completed, rc-u1, credits 2.625 (apinfer/rc-a)', found: 'creditflow.usage.completed, rc-u1, credits 3 (apinfer/rc-a)',
      evidence: [expect.objectContaining({ eventId: capture.id, type: 'HoldCaptured' }), expect.objectContaining({ stream: TOPICS.usageDecisions, eventId: decisionId })],
    })]);

    const { code, stdout } = await reconcile(env, '--json', '--tenant', 'listing-editor');
    const report = JSON.parse(stdout) as ReconciliationReport;
    expect(code).toBe(3);
    expect(report.discrepancies).toContainEqual(expect.objectContaining({
      kind: 'charge', tenant: 'listing-editor', account: 'rc-l', message: expect.stringContaining('usage rc-l1 charged twice'),
      expected: 'one capture', found: 'another capture of 1',
      evidence: expect.arrayContaining([expect.objectContaining({ stream, eventId, revision: appendedAt.toString(), type: 'HoldCaptured' })]),
    }));
    // The same credits were counted spent without leaving any lot: the balance no longer adds up.
    expect(report.discrepancies).toContainEqual(expect.objectContaining({ kind: 'balance', account: 'rc-l', expected: '11', found: '12' }));
    // --from: only what events recorded since then show; a time in the future leaves nothing, a malformed one is a usage mistake.
    expect(await reconcile(env, '--from', '2999-01-01T00:00:00Z')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^reconciled: no discrepancies/) });
    expect(await reconcile(env, '--from', 'yesterday')).toMatchObject({ code: 2, stderr: expect.stringContaining('--from must be an ISO 8601 time') });
    const human = await reconcile(env, '--from', new Date(Date.now() - 60_000).toISOString());
    expect(human.code).toBe(3);
    expect(human.stdout).toContain(`HoldCaptured at ${stream}@${appendedAt} (position`);
    expect(human.stdout).toContain(eventId);
    await waitFor('the metric to show it', async () => ((await metric('tenant="listing-editor",kind="charge"')) === 1 ? true : undefined));

    // GET /v1/reconciliation: the tenant's own discrepancies with their evidence, none of another tenant's.
    const last = await call('listing-editor', 'ops', 'GET', '/v1/reconciliation');
    expect(last.discrepancyCounts).toMatchObject({ charge: 1, balance: 1, price: 0 });
    expect(last.discrepancies).toContainEqual({
      kind: 'charge', account: 'rc-l', message: expect.stringContaining('usage rc-l1 charged twice'), expected: 'one capture', found: 'another capture of 1',
      evidence: expect.arrayContaining([{ stream, eventId, revision: appendedAt.toString(), position: expect.any(String), type: 'HoldCaptured' }]),
    });
    // The continuous run reads no decisions (the bus is read by ops reconcile): apinfer's records agree.
    expect((await call('apinfer', 'ops', 'GET', '/v1/reconciliation')).discrepancies).toEqual([]);
  });
});

describe('GET /v1/reconciliation before the reconciler has run', () => {
  it('answers 404 reconciliation_not_run, saying when it runs or that it is off', async () => {
    for (const [interval, message] of [['0', /periodic reconciler is off \(CREDITFLOW_RECONCILE_INTERVAL_MS=0\)/], ['3600000', /has not run yet: it runs every 3600 s/]] as const) {
      const platform = await startEmbeddedPlatform({ env: { CREDITFLOW_RECONCILE_INTERVAL_MS: interval } });
      try {
        const r = await platform.request('GET', '/v1/reconciliation', { key: apiKey('apinfer', 'ops') });
        expect(r).toMatchObject({ status: 404, body: { error: 'reconciliation_not_run', message: expect.stringMatching(message) } });
      } finally {
        await platform.close();
      }
    }
  });
});

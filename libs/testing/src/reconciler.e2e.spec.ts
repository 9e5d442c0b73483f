// The independent reconciler over the distributed mode: pricing, the wallet and the refund service as
// separate applications with their own SQLite stores, usage commands and decisions on a real Kafka
// broker (KAFKA_BROKERS). `ops reconcile` reads the wallet's store, the refund service's and the
// decisions on creditflow.usage-decisions.v1 (a throw-away consumer group) and finds this run's account
// in agreement; a decision published with other credits than its event is reported with where it is
// on the topic. The broker is shared with the other e2e suites, whose decisions name events of their
// own stores: the test looks at its own account.
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { REFUND_TYPES, TOPICS, USAGE_DECISION_TYPES, cloudEvent, messageKey } from '@creditflow/contracts';
import { waitFor } from '@creditflow/kernel/testing';
import type { ReconciliationReport } from '@creditflow/reconciler-domain';
import { E2E_WAIT_MS, callService, distributedFor, kafkaBrokers } from './distributed-services';
import { ops } from './ops-command';

const run = randomUUID().slice(0, 8);
const key = `admin-apinfer-${run}`;
const accountId = `acc-reconcile-${run}`;

describe('the reconciler over the distributed mode', () => {
  const { services, seen, send, sendUsage, decision } = distributedFor({
    name: `e2e-reconciler-${run}`,
    services: ['pricing', 'wallet', 'refund'],
    keys: { [key]: { tenant: 'apinfer', role: 'admin' } },
    topics: [TOPICS.usageDecisions, TOPICS.refunds],
    // The wallet's continuous run, every second: its last run is served at GET /v1/reconciliation.
    env: { CREDITFLOW_RECONCILE_INTERVAL_MS: '1000' },
  });

  const http = (service: 'wallet' | 'refund', method: string, path: string, body?: unknown) => callService(services[service]!, key, method, path, body);
  const usage = (action: string, data: Record<string, unknown>) => sendUsage('apinfer', accountId, action, data);
  const reconcile = async (...argv: string[]) => {
    const env = { KAFKA_BROKERS: kafkaBrokers().join(','), CREDITFLOW_DATA_DIR: dirname(services.wallet!.dataDir) };
    const { code, stdout, stderr } = await ops(env, 'reconcile', '--json', '--tenant', 'apinfer', ...argv);
    return { code, report: JSON.parse(stdout) as ReconciliationReport, stderr };
  };
  const ours = (report: ReconciliationReport) => report.discrepancies.filter((d) => d.account === accountId);

  it('finds the three records in agreement after usage over Kafka and a refund', async () => {
    expect((await http('wallet', 'PUT', `/v1/accounts/${accountId}`, { type: 'personal' })).status).toBe(200);
    expect((await http('wallet', 'POST', '/v1/purchases', { purchaseId: `p-${run}`, accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' })).status).toBe(200);
    await usage('authorize', { usageId: `u1-${run}`, feature: 'qwen-image', quality: 'high' });
    await usage('complete', { usageId: `u1-${run}` });
    await usage('authorize', { usageId: `u2-${run}`, feature: 'qwen-image', quality: 'ultra', quantity: 2 });
    await usage('fail', { usageId: `u2-${run}`, reason: 'cancelled' });
    await decision(`u1-${run}`, USAGE_DECISION_TYPES.completed);
    await decision(`u2-${run}`, USAGE_DECISION_TYPES.failed);
    // The refund service decides on the wallet events it has processed: wait until it has them all.
    const { transactions } = (await http('wallet', 'GET', `/v1/accounts/${accountId}/transactions`)).body;
    const head = transactions[transactions.length - 1].revision;
    await waitFor('the refund service to catch up', async () => {
      const r = await http('refund', 'GET', `/v1/accounts/${accountId}/purchases`);
      return r.status === 200 && r.body.walletRevision === head ? true : undefined;
    }, E2E_WAIT_MS);
    const refund = await http('refund', 'POST', '/v1/refunds', { refundId: `r-${run}`, accountId, purchaseId: `p-${run}`, reason: 'unused_credits' });
    // 97.375 unused of 100 credits for CNY 10: 9.7375, half-even to 9.74.
    expect(refund.body).toMatchObject({ status: 'approved', money: { amount: '9.74', currency: 'CNY' } });
    await waitFor('the settlement', () => seen.find((s) => s.event?.type === REFUND_TYPES.settled && s.event.data.refundId === `r-${run}`) ?? undefined, E2E_WAIT_MS);

    const { code, report } = await reconcile();
    expect(ours(report)).toEqual([]);
    // Anything else found is another suite's decision on the shared broker, naming an event of its own store.
    for (const d of report.discrepancies) expect(d).toMatchObject({ kind: 'decision', found: 'none' });
    expect(code).toBe(report.discrepancies.length ? 3 : 0);
    expect(report.balances.find((b) => b.account === accountId)).toMatchObject({ granted: '100', spent: '2.625', clawedBack: '97.375', available: '0', held: '0' });
    expect(report.refunds).toMatchObject({ withMoney: 1 });
    expect(report.events.decisions).toBeGreaterThanOrEqual(4);

    // The wallet process serves its continuous run's last findings: its own store, this run's account.
    const last = await waitFor('a continuous run after the claw-back', async () => {
      const r = await http('wallet', 'GET', '/v1/reconciliation');
      return r.status === 200 && r.body.events.wallet >= transactions.length + 1 ? r.body : undefined;
    }, E2E_WAIT_MS);
    expect(last).toMatchObject({ accounts: 1, intervalMs: 1000 });
    expect(last.discrepancies).toEqual([]);
  }, 120_000);

  it('reports a decision on Kafka that says other than its event, with its partition and offset', async () => {
    const completed = await decision(`u1-${run}`, USAGE_DECISION_TYPES.completed);
    await send(TOPICS.usageDecisions, [{
      key: messageKey('apinfer', accountId),
      value: cloudEvent({ id: completed.id, source: 'creditflow/wallet', type: USAGE_DECISION_TYPES.completed, subject: accountId, tenantid: 'apinfer', time: new Date().toISOString(), data: { usageId: `u1-${run}`, status: 'completed', credits: '9' } }),
    }]);
    const forged = await waitFor('the forged decision', () => seen.find((s) => s.topic === TOPICS.usageDecisions && s.event?.id === completed.id && s.event.data.credits === '9'), E2E_WAIT_MS);
    const { code, report } = await reconcile();
    expect(code).toBe(3);
    expect(ours(report)).toEqual([expect.objectContaining({
      kind: 'decision', expected: `creditflow.usage.completed, u1-${run}, credits 2.625 (apinfer/${accountId})`, found: `creditflow.usage.completed, u1-${run}, credits 9 (apinfer/${accountId})`,
      evidence: [expect.objectContaining({ type: 'HoldCaptured' }), expect.objectContaining({ stream: TOPICS.usageDecisions, revision: String(forged.partition), eventId: completed.id })],
    })]);
  }, 120_000);
});

// Policy simulation over the distributed mode: usage commands on a real Kafka broker (KAFKA_BROKERS)
// through pricing and the wallet as separate applications, then POST /v1/admin/simulations on the
// wallet service replays what its store recorded under a candidate tenant file with a dearer
// qwen-image, without changing anything. Every figure worked out by hand below.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOPICS, USAGE_DECISION_TYPES } from '@creditflow/contracts';
import { parse } from 'yaml';
import { callService, distributedFor } from './distributed-services';
import { REPOSITORY_ROOT } from './ops-command';

const run = randomUUID().slice(0, 8);
const key = `admin-apinfer-${run}`;
const accountId = `acc-simulate-${run}`;

describe('policy simulation over the distributed mode', () => {
  const { services, sendUsage, decision } = distributedFor({
    name: `e2e-simulate-${run}`,
    services: ['pricing', 'wallet'],
    keys: { [key]: { tenant: 'apinfer', role: 'admin' }, [`ops-${key}`]: { tenant: 'apinfer', role: 'ops' } },
    topics: [TOPICS.usageDecisions],
  });

  const http = (method: string, path: string, body?: unknown, as = key) => callService(services.wallet!, as, method, path, body);
  const usage = (action: string, data: Record<string, unknown>) => sendUsage('apinfer', accountId, action, data);

  it('replays usage decided over Kafka under a candidate price, checked by hand, and changes nothing', async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    expect((await http('PUT', `/v1/accounts/${accountId}`, { type: 'personal' })).status).toBe(200);
    expect((await http('POST', '/v1/purchases', { purchaseId: `p-${run}`, accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' })).status).toBe(200);
    await usage('authorize', { usageId: `u1-${run}`, feature: 'qwen-image', quality: 'high' });
    await usage('complete', { usageId: `u1-${run}` });
    await usage('authorize', { usageId: `u2-${run}`, feature: 'qwen-image' });
    await usage('complete', { usageId: `u2-${run}` });
    await usage('authorize', { usageId: `u3-${run}`, feature: 'qwen-image', quality: 'ultra', quantity: 2 });
    await usage('fail', { usageId: `u3-${run}`, reason: 'cancelled' });
    await decision(`u1-${run}`, USAGE_DECISION_TYPES.completed);
    await decision(`u2-${run}`, USAGE_DECISION_TYPES.completed);
    await decision(`u3-${run}`, USAGE_DECISION_TYPES.failed);
    const before = (await http('GET', `/v1/accounts/${accountId}/balance`)).body;
    // 100 credits bought; 1.75 x 1.5 (high) + 1.75 charged; the ultra pair held, then released.
    expect(before).toMatchObject({ available: '95.625', held: '0' });

    // The candidate: qwen-image at 2.5 credits instead of 1.75, quality multipliers unchanged.
    const current = readFileSync(join(REPOSITORY_ROOT, 'config/tenants/apinfer.yaml'), 'utf8');
    expect(current).toContain('price: "1.75"');
    const candidate = parse(current.replace('price: "1.75"', 'price: "2.5"'));
    const body = { from, to: new Date(Date.now() + 60_000).toISOString(), candidate };
    const r = await http('POST', '/v1/admin/simulations', body);
    expect(r.status).toBe(200);
    // Recorded: 2.625 + 1.75 = 4.375. Candidate: 2.5 x 1.5 + 2.5 = 6.25, a change of 1.875. Three usages
    // were authorized; the failed pair charges nothing on either side. 100 credits cover everything: no
    // denial, nobody runs out.
    expect(r.body).toMatchObject({
      tenantId: 'apinfer', accounts: 1,
      rows: [{ feature: 'qwen-image', plan: '(none)', usages: 3, recordedCredits: '4.375', candidateCredits: '6.25', change: '1.875' }],
      totals: { recordedCredits: '4.375', candidateCredits: '6.25', change: '1.875' },
      denials: { recorded: 0, candidate: 0 },
      accountsRanOut: { recorded: 0, candidate: 0 },
    });
    // The purchase is replayed as made: the same money on both sides.
    expect(r.body.revenue.candidateMoney).toEqual(r.body.revenue.recordedMoney);
    const csv = await http('POST', '/v1/admin/simulations?format=csv', body);
    expect(csv.body).toBe('feature,plan,usages,recordedCredits,candidateCredits,change\r\nqwen-image,(none),3,4.375,6.25,1.875\r\n');

    // Only an admin may simulate, and simulating changed nothing.
    expect((await http('POST', '/v1/admin/simulations', body, `ops-${key}`)).status).toBe(403);
    expect((await http('GET', `/v1/accounts/${accountId}/balance`)).body).toMatchObject({ available: '95.625', held: '0' });
  });
});

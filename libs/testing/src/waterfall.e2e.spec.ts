// The access waterfall over a real Kafka broker: usage commands on creditflow.usage.v1 are paid by
// free allowances before the lots, each decision on creditflow.usage-decisions.v1 says where its
// credits came from (paidFrom), and a rate limit's denial is a creditflow.usage.denied decision with
// reason rate_limited and retryAt. VisualGPT's daily free credits as an allowance (visualgpt-free).
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { TOPICS, cloudEvent, messageKey } from '@creditflow/contracts';
import { waitFor } from '@creditflow/kernel/testing';
import { E2E_WAIT_MS, callService, distributedFor } from './distributed-services';
import { tenantsWithWaterfall } from './tenant-variants';

const TENANT = 'visualgpt-free';
const run = randomUUID().slice(0, 8);
const key = `admin-waterfall-${run}`;
const tenantsDir = tenantsWithWaterfall(TENANT);
afterAll(() => rmSync(tenantsDir, { recursive: true, force: true }));

describe('the access waterfall over a real Kafka broker', () => {
  const { services, seen, send } = distributedFor({
    name: `e2e-waterfall-${run}`,
    services: ['pricing', 'wallet'],
    keys: { [key]: { tenant: TENANT, role: 'admin' } },
    topics: [TOPICS.usageDecisions],
    env: { CREDITFLOW_TENANTS_DIR: tenantsDir },
  });
  const http = (method: string, path: string, body?: unknown) => callService(services.wallet!, key, method, path, body);
  const usage = (accountId: string, action: string, data: Record<string, unknown>) =>
    send(TOPICS.usage, [{
      key: messageKey(TENANT, accountId),
      value: cloudEvent({ id: randomUUID(), source: 'e2e', type: `creditflow.usage.${action}`, subject: accountId, tenantid: TENANT, time: new Date().toISOString(), data: { accountId, ...data } }),
    }]);
  const decision = async (usageId: string, type: string) =>
    (await waitFor(`${type} for ${usageId}`, () => seen.find((s) => s.topic === TOPICS.usageDecisions && s.event?.type === type && s.event.data.usageId === usageId), E2E_WAIT_MS)).event!.data;

  it('pays from allowances, then the lot, says so in every decision, and denies beyond the rate limit with rate_limited', async () => {
    const accountId = `acc-wf-${run}`;
    const lot = `lot:purchase:p-${run}`;
    expect((await http('PUT', `/v1/accounts/${accountId}`, { type: 'personal' })).status).toBe(200);
    expect((await http('POST', '/v1/purchases', { purchaseId: `p-${run}`, accountId, packageId: 'small', amountPaid: '9.99', currency: 'USD' })).status).toBe(200);
    const authorized = async (usageId: string, request: Record<string, unknown>) => {
      await usage(accountId, 'authorize', { usageId, ...request });
      return decision(usageId, 'creditflow.usage.authorized');
    };
    const u = (n: number) => `wf${n}-${run}`;
    expect(await authorized(u(1), { feature: 'background-remover' })).toEqual({ usageId: u(1), status: 'authorized', credits: '1', paidFrom: [{ source: 'allowance:images-hourly', amount: '1' }] });
    expect((await authorized(u(2), { feature: 'background-remover' })).paidFrom).toEqual([{ source: 'allowance:images-hourly', amount: '1' }]);
    expect((await authorized(u(3), { feature: 'image-editor', model: 'flux-kontext-pro' })).paidFrom).toEqual([{ source: 'allowance:daily-free', amount: '5' }]);
    expect((await authorized(u(4), { feature: 'image-editor', model: 'nano-banana' })).paidFrom).toEqual([{ source: 'allowance:daily-free', amount: '4' }]);
    // One daily free credit is left: the rest comes from the lot.
    expect((await authorized(u(5), { feature: 'image-editor', model: 'gempix-2' })).paidFrom).toEqual([{ source: 'allowance:daily-free', amount: '1' }, { source: lot, amount: '3' }]);

    await usage(accountId, 'complete', { usageId: u(5) });
    expect(await decision(u(5), 'creditflow.usage.completed')).toEqual({
      usageId: u(5), status: 'completed', credits: '4', paidFrom: [{ source: 'allowance:daily-free', amount: '1' }, { source: lot, amount: '3' }],
    });

    // The sixth authorization within a minute (the five above took seconds).
    await usage(accountId, 'authorize', { usageId: u(6), feature: 'background-remover' });
    const denied = await decision(u(6), 'creditflow.usage.denied');
    expect(denied).toMatchObject({ usageId: u(6), error: 'rate_limited', phase: 'generate', required: '1', rateLimit: 'burst', limit: 5, per: 'minute' });
    expect(Date.parse(denied.retryAt as string)).toBeGreaterThan(Date.now() - 1000);

    const balance = (await http('GET', `/v1/accounts/${accountId}/balance`)).body;
    expect(balance).toMatchObject({ available: '97', held: '0' });
    expect(balance.allowances.map((a: { allowanceId: string; used: string; left: string }) => [a.allowanceId, a.used, a.left])).toEqual([['images-hourly', '2', '0'], ['daily-free', '10', '0']]);
  });
});

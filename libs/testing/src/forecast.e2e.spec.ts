// Forecasts over a real Kafka broker: usage commands on creditflow.usage.v1 run an account's 7-day
// burn rate down; the distributed wallet publishes creditflow.alert.running-out once, when the
// forecast crosses under the tenant's wallet.runOutAlertDays, and its balance answer shows the forecast.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { TOPICS, cloudEvent, messageKey } from '@creditflow/contracts';
import { waitFor } from '@creditflow/kernel/testing';
import { E2E_WAIT_MS, callService, distributedFor } from './distributed-services';
import { tenantsWithRunOutAlert } from './tenant-variants';

const run = randomUUID().slice(0, 8);
const key = `admin-apinfer-forecast-${run}`;
const tenantsDir = tenantsWithRunOutAlert(3);
afterAll(() => rmSync(tenantsDir, { recursive: true, force: true }));

describe('the run-out alert over a real Kafka broker', () => {
  const { services, seen, send } = distributedFor({
    name: `e2e-forecast-${run}`,
    services: ['pricing', 'wallet'],
    keys: { [key]: { tenant: 'apinfer', role: 'admin' } },
    topics: [TOPICS.usageDecisions, TOPICS.alerts],
    env: { CREDITFLOW_TENANTS_DIR: tenantsDir },
  });
  const http = (method: string, path: string, body?: unknown) => callService(services.wallet!, key, method, path, body);
  const usage = (accountId: string, action: string, data: Record<string, unknown>) =>
    send(TOPICS.usage, [{
      key: messageKey('apinfer', accountId),
      value: cloudEvent({ id: randomUUID(), source: 'e2e', type: `creditflow.usage.${action}`, subject: accountId, tenantid: 'apinfer', time: new Date().toISOString(), data: { accountId, ...data } }),
    }]);
  const decided = (usageId: string, type: string) =>
    waitFor(`${type} for ${usageId}`, () => seen.find((s) => s.topic === TOPICS.usageDecisions && s.event?.type === type && s.event.data.usageId === usageId), E2E_WAIT_MS);

  it('publishes one running-out alert when the charges bring the forecast under 3 days', async () => {
    const accountId = `acc-forecast-${run}`;
    expect((await http('PUT', `/v1/accounts/${accountId}`, { type: 'personal' })).status).toBe(200);
    expect((await http('POST', '/v1/purchases', { purchaseId: `p-${run}`, accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' })).status).toBe(200);
    // Ultra images at 3.5 each, all today: the rate is what was charged (a day at least), so the
    // forecast is available / charged: under 3 days once 72 or less is left beside 24.5 or more charged.
    for (let i = 0; i < 10; i++) {
      const usageId = `fu${i}-${run}`;
      await usage(accountId, 'authorize', { usageId, feature: 'qwen-image', quality: 'ultra' });
      await decided(usageId, 'creditflow.usage.authorized');
      await usage(accountId, 'complete', { usageId });
      await decided(usageId, 'creditflow.usage.completed');
    }
    const alerts = () => seen.filter((s) => s.topic === TOPICS.alerts && s.event?.type === 'creditflow.alert.running-out' && s.event.subject === accountId);
    const [alert] = await waitFor('the running-out alert', () => (alerts().length ? alerts() : undefined), E2E_WAIT_MS);
    expect(alert.event!.data).toMatchObject({ accountId, available: '72', perDay: '24.5', withinDays: 3 });
    const balance = (await http('GET', `/v1/accounts/${accountId}/balance`)).body;
    expect(balance).toMatchObject({ available: '65', forecast: { spent: '35', perDay: '35' } });
    expect(balance.forecast.runsOutInDays).toBe(1.8); // 65 / 35 = 1.857
    expect(alerts()).toHaveLength(1);
  });
});

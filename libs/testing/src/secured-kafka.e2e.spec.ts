// The four services over a SASL_SSL listener, as a secured production cluster runs it: TLS to a broker
// whose certificate a private CA signed (KAFKA_SSL_CA), SCRAM-SHA-512 credentials (KAFKA_SASL_*).
// scripts/test.sh starts the test broker with that listener (scripts/kafka/kafka.sh, KAFKA_SASL_SSL_PORT)
// and exports where it is; the plaintext port stays for the other suites.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TOPICS, cloudEvent, messageKey } from '@creditflow/contracts';
import { waitFor } from '@creditflow/kernel/testing';
import { E2E_WAIT_MS, callService, distributedFor } from './distributed-services';

const secured = {
  brokers: process.env.KAFKA_SASL_SSL_BROKERS ?? '',
  ca: process.env.KAFKA_SASL_SSL_CA ?? '',
  username: process.env.KAFKA_SASL_SSL_USER ?? '',
  password: process.env.KAFKA_SASL_SSL_PASSWORD ?? '',
};
if (!secured.brokers || !secured.ca) {
  throw new Error('the secured-Kafka e2e test needs KAFKA_SASL_SSL_BROKERS, KAFKA_SASL_SSL_CA, _USER and _PASSWORD: run it through `npm test`, or start the broker with KAFKA_SASL_SSL_PORT set (scripts/kafka/kafka.sh)');
}
const run = randomUUID().slice(0, 8);
const adminKey = `admin-apinfer-${run}`;

describe('the four services over SASL_SSL (TLS with a private CA, SCRAM-SHA-512)', () => {
  const { services, seen, send } = distributedFor({
    name: `e2e-secured-${run}`,
    services: ['pricing', 'wallet', 'subscription-scheduler', 'refund'],
    keys: { [adminKey]: { tenant: 'apinfer', role: 'admin' } },
    topics: [TOPICS.usageDecisions],
    env: {
      KAFKA_BROKERS: secured.brokers, KAFKA_SSL_CA: secured.ca,
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: secured.username, KAFKA_SASL_PASSWORD: secured.password,
    },
    client: {
      brokers: secured.brokers.split(','), ssl: { ca: [readFileSync(secured.ca, 'utf8')] },
      sasl: { mechanism: 'scram-sha-512', username: secured.username, password: secured.password },
    },
  });

  it('decides a usage command sent over the secured listener, and the decision comes back over it', async () => {
    const accountId = `acc-secured-${run}`;
    expect((await callService(services.wallet!, adminKey, 'PUT', `/v1/accounts/${accountId}`, { type: 'personal' })).status).toBe(200);
    await callService(services.wallet!, adminKey, 'POST', '/v1/purchases', { purchaseId: `p-${run}`, accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' });
    const usageId = `u-secured-${run}`;
    await send(TOPICS.usage, [{
      key: messageKey('apinfer', accountId),
      value: cloudEvent({ id: randomUUID(), source: 'e2e', type: 'creditflow.usage.authorize', subject: accountId, tenantid: 'apinfer', data: { usageId, accountId, feature: 'qwen-image' } }),
    }]);

    const decision = await waitFor('the decision over SASL_SSL', () =>
      seen.find((s) => s.event?.type === 'creditflow.usage.authorized' && s.event.data.usageId === usageId)?.event ?? undefined, E2E_WAIT_MS);
    expect(decision.data).toMatchObject({ usageId, status: 'authorized', credits: '1.75' });
  });
});

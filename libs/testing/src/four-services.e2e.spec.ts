// The four services as separate NestJS applications with their own Kafka clients, on a real broker
// (KAFKA_BROKERS, started by `npm test`). Each test uses its own accounts; results are polled.
import { randomUUID } from 'node:crypto';
import { TOPICS, cloudEvent, dlqTopic, messageKey } from '@creditflow/contracts';
import { waitFor } from '@creditflow/kernel/testing';
import { ServiceName } from '@creditflow/shell';
import { E2E_WAIT_MS, callService, distributedFor } from './distributed-services';

const run = randomUUID().slice(0, 8);
const keys = {
  [`admin-apinfer-${run}`]: { tenant: 'apinfer', role: 'admin' },
  [`admin-amisi-${run}`]: { tenant: 'amisi', role: 'admin' },
  [`admin-gptimage2-${run}`]: { tenant: 'gptimage2', role: 'admin' },
};
const adminKey = (tenant: string) => `admin-${tenant}-${run}`;

describe('four services over a real Kafka broker', () => {
  const { services, seen, send, sendUsage, decision, restart } = distributedFor({
    name: `e2e-${run}`,
    services: ['pricing', 'wallet', 'subscription-scheduler', 'refund'],
    keys,
    topics: [TOPICS.usageDecisions, TOPICS.scheduler, TOPICS.refunds, TOPICS.walletEvents, TOPICS.balances, ...[TOPICS.usage, TOPICS.pricedUsage, TOPICS.refunds, TOPICS.scheduler].map(dlqTopic)],
  });

  const http = (service: ServiceName, method: string, path: string, tenant: string, body?: unknown) =>
    callService(services[service]!, adminKey(tenant), method, path, body);

  const balanceOf = async (tenant: string, accountId: string) => (await http('wallet', 'GET', `/v1/accounts/${accountId}/balance`, tenant)).body;

  async function fundedApinferAccount(accountId: string) {
    expect((await http('wallet', 'PUT', `/v1/accounts/${accountId}`, 'apinfer', { type: 'personal' })).status).toBe(200);
    const purchase = await http('wallet', 'POST', '/v1/purchases', 'apinfer', { purchaseId: `p-${accountId}`, accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' });
    expect(purchase.status).toBe(200);
  }

  it('turns a usage command on creditflow.usage.v1 into decisions on creditflow.usage-decisions.v1 and the right balance', async () => {
    const accountId = `acc-usage-${run}`;
    await fundedApinferAccount(accountId);

    await sendUsage('apinfer', accountId, 'authorize', { usageId: `u1-${run}`, feature: 'qwen-image', quality: 'high' });
    const authorized = await decision(`u1-${run}`, 'creditflow.usage.authorized');
    expect(authorized.data).toEqual({ usageId: `u1-${run}`, status: 'authorized', credits: '2.625', paidFrom: [{ source: `lot:purchase:p-${accountId}`, amount: '2.625' }] });
    expect(authorized.tenantid).toBe('apinfer');

    await sendUsage('apinfer', accountId, 'complete', { usageId: `u1-${run}` });
    await decision(`u1-${run}`, 'creditflow.usage.completed');
    const balance = await balanceOf('apinfer', accountId);
    expect(balance).toMatchObject({ available: '97.375', held: '0', byType: expect.objectContaining({ topup: '97.375' }) });

    await sendUsage('apinfer', accountId, 'authorize', { usageId: `u2-${run}`, feature: 'qwen-image', quantity: 100 });
    const denied = await decision(`u2-${run}`, 'creditflow.usage.denied');
    expect(denied.data).toMatchObject({ error: 'insufficient_credits', required: '175', available: '97.375' });
    expect((await balanceOf('apinfer', accountId)).available).toBe('97.375');

    // The ops projection beside the wallet publishes the latest balance on the compacted topic.
    const snapshot = await waitFor('a balance snapshot of 97.375', () =>
      seen.filter((s) => s.topic === TOPICS.balances && s.key === messageKey('apinfer', accountId)).map((s) => s.event!.data).find((d) => d.available === '97.375' && d.held === '0'),
      E2E_WAIT_MS,
    );
    expect(snapshot).toMatchObject({ accountId, byType: expect.objectContaining({ topup: '97.375' }) });
  });

  it("denies a team member's usage over Kafka beyond their monthly spending limit, and the statement shows each change", async () => {
    const accountId = `acc-team-${run}`;
    expect((await http('wallet', 'PUT', `/v1/accounts/${accountId}`, 'apinfer', { type: 'team', members: ['ann', 'bob'] })).status).toBe(200);
    await http('wallet', 'POST', '/v1/purchases', 'apinfer', { purchaseId: `p-${accountId}`, accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' });
    expect((await http('wallet', 'PUT', `/v1/accounts/${accountId}/members/ann/spending-limit`, 'apinfer', { monthlyCredits: '3' })).status).toBe(200);

    await sendUsage('apinfer', accountId, 'authorize', { usageId: `ms1-${run}`, userId: 'ann', feature: 'qwen-image' });
    await decision(`ms1-${run}`, 'creditflow.usage.authorized');
    await sendUsage('apinfer', accountId, 'authorize', { usageId: `ms2-${run}`, userId: 'ann', feature: 'qwen-image' });
    const denied = await decision(`ms2-${run}`, 'creditflow.usage.denied');
    expect(denied.data).toMatchObject({ error: 'member_spending_limit', phase: 'generate', required: '1.75', limit: '3', spent: '1.75' });
    await sendUsage('apinfer', accountId, 'authorize', { usageId: `ms3-${run}`, userId: 'bob', feature: 'qwen-image' });
    await decision(`ms3-${run}`, 'creditflow.usage.authorized');

    const statement = (await http('wallet', 'GET', `/v1/accounts/${accountId}/statement`, 'apinfer')).body;
    expect(statement.lines.map((l: { type: string; reference: string; available: string; held: string }) => [l.type, l.reference, l.available, l.held])).toEqual([
      ['CreditsGranted', `purchase:p-${accountId}`, '100', '0'],
      ['HoldPlaced', `ms1-${run}`, '98.25', '1.75'],
      ['HoldPlaced', `ms3-${run}`, '96.5', '3.5'],
    ]);
  });

  it('sends a malformed message to the DLQ with its reason and processes the next message', async () => {
    const accountId = `acc-dlq-${run}`;
    await fundedApinferAccount(accountId);
    const poison = `not json ${run}`;
    await send(TOPICS.usage, [{ key: messageKey('apinfer', accountId), value: poison }]);
    await sendUsage('apinfer', accountId, 'authorize', { usageId: `u-after-poison-${run}`, feature: 'qwen-image' });

    const dead = await waitFor('the poison message on the DLQ', () =>
      seen.find((s) => s.topic === dlqTopic(TOPICS.usage) && (s.event?.data as { value?: string })?.value === poison),
      E2E_WAIT_MS,
    );
    expect(dead.event!.data).toMatchObject({ reason: 'value is not JSON', topic: TOPICS.usage });
    await decision(`u-after-poison-${run}`, 'creditflow.usage.authorized');
  });

  it('keeps deciding after a ~900 KB authorize and one nested 10,000 levels deep: both reach the DLQ, bounded', async () => {
    const accountId = `acc-poison-${run}`;
    await fundedApinferAccount(accountId);
    const base = { specversion: '1.0', source: 'e2e', type: 'creditflow.usage.authorize', subject: accountId, tenantid: 'apinfer' };
    // Its dead-letter copy used to exceed the broker's message size: the send failed and the consumer crashed for good.
    const oversized = JSON.stringify({ ...base, id: `oversized-${run}`, data: { usageId: `big-${run}`, accountId, feature: 'qwen-image', padding: Array.from({ length: 300_000 }, () => '') } });
    // class-transformer used to recurse into it until the stack ran out, outside any handler.
    const deep = JSON.stringify({ ...base, id: `deep-${run}`, data: { usageId: `deep-${run}`, accountId, feature: 'qwen-image' } })
      .replace('"feature":"qwen-image"', `"feature":"qwen-image","x":${'{"a":'.repeat(10_000)}{}${'}'.repeat(10_000)}`);
    expect(oversized.length).toBeGreaterThan(900_000);
    await send(TOPICS.usage, [{ key: messageKey('apinfer', accountId), value: oversized }]);
    await send(TOPICS.usage, [{ key: messageKey('apinfer', accountId), value: deep }]);
    await sendUsage('apinfer', accountId, 'authorize', { usageId: `u-after-big-${run}`, feature: 'qwen-image' });

    await decision(`u-after-big-${run}`, 'creditflow.usage.authorized');
    const letters = await waitFor('both poison messages on the DLQ', () => {
      const mine = seen.filter((s) => s.topic === dlqTopic(TOPICS.usage) && s.key === messageKey('apinfer', accountId));
      return mine.length >= 2 ? mine : undefined;
    });
    const [big, nested] = letters.map((l) => l.event!.data as { truncated: boolean; valueLength: number; reason: string });
    expect(big).toMatchObject({ truncated: true, valueLength: oversized.length });
    expect(letters[0].value.length).toBeLessThan(200 * 1024);
    expect(nested.reason).toMatch(/deeper than 32 levels/);
  });

  it('answers a repeated usage command (a new message id, the same usageId) with its first decision again', async () => {
    const accountId = `acc-repeat-${run}`;
    await fundedApinferAccount(accountId);
    const usageId = `u-repeat-${run}`;
    const decisions = (type: string) => seen.filter((s) => s.topic === TOPICS.usageDecisions && s.event?.type === type && s.event.data.usageId === usageId);

    await sendUsage('apinfer', accountId, 'authorize', { usageId, feature: 'qwen-image' });
    await decision(usageId, 'creditflow.usage.authorized');
    await sendUsage('apinfer', accountId, 'complete', { usageId });
    await decision(usageId, 'creditflow.usage.completed');
    // An upstream service that timed out retries both (used to get no decision at all).
    await sendUsage('apinfer', accountId, 'authorize', { usageId, feature: 'qwen-image' });
    await sendUsage('apinfer', accountId, 'complete', { usageId });

    const [authorized, completed] = await waitFor('the repeated decisions', () => {
      const [a, c] = [decisions('creditflow.usage.authorized'), decisions('creditflow.usage.completed')];
      return a.length >= 2 && c.length >= 2 ? [a, c] : undefined;
    });
    expect(authorized[1].value).toBe(authorized[0].value);
    expect(completed[1].value).toBe(completed[0].value);
    expect((await balanceOf('apinfer', accountId)).available).toBe('98.25'); // charged once
  });

  it('dead-letters usage whose key, tenantid, subject and data.accountId disagree, and changes no account', async () => {
    const accountId = `acc-mismatch-${run}`;
    const other = `acc-other-${run}`;
    await fundedApinferAccount(accountId);
    await fundedApinferAccount(other);
    const authorize = (id: string, key: string, tenantid: string, subject: string, dataAccount: string) =>
      send(TOPICS.usage, [
        { key, value: JSON.stringify({ specversion: '1.0', id, source: 'e2e', type: 'creditflow.usage.authorize', subject, tenantid, data: { usageId: id, accountId: dataAccount, feature: 'qwen-image' } }) },
      ]);
    // Used to place a hold on a visualgpt account, and on an account outside the key's partition.
    await authorize(`tenant-${run}`, messageKey('apinfer', accountId), 'visualgpt', accountId, accountId);
    await authorize(`account-${run}`, messageKey('apinfer', accountId), 'apinfer', other, other);
    await sendUsage('apinfer', accountId, 'authorize', { usageId: `u-after-mismatch-${run}`, feature: 'qwen-image' });

    await decision(`u-after-mismatch-${run}`, 'creditflow.usage.authorized');
    const letters = await waitFor('both mismatched messages on the DLQ', () => {
      const mine = seen.filter((s) => s.topic === dlqTopic(TOPICS.usage) && [`tenant-${run}`, `account-${run}`].some((id) => s.value.includes(id)));
      return mine.length >= 2 ? mine : undefined;
    });
    expect(letters.map((l) => (l.event!.data as { reason: string }).reason).sort()).toEqual([
      `key names account "${accountId}", the message is about "${other}"`,
      'key names tenant "apinfer", tenantid says "visualgpt"',
    ]);
    expect((await balanceOf('apinfer', other)).held).toBe('0');
  });

  it('dead-letters what the platform never writes on priced-usage, refunds and scheduler (found by the fault suite), and changes no account', async () => {
    const accountId = `acc-internal-${run}`;
    await fundedApinferAccount(accountId);
    const key = messageKey('apinfer', accountId);
    const message = (id: string, type: string, data: Record<string, unknown>, tenantid = 'apinfer') =>
      ({ key, value: JSON.stringify({ specversion: '1.0', id, source: 'e2e', type, subject: accountId, tenantid, time: new Date().toISOString(), data }) });
    const priced = { action: 'authorize', accountId, feature: 'qwen-image', price: { credits: '2.625', priceVersion: '2025-01-01' } };
    // Used to place a hold (a numeric usageId), or to answer `denied` as if pricing had sent them.
    await send(TOPICS.pricedUsage, [
      message(`numeric-${run}`, 'creditflow.priced-usage.command', { ...priced, usageId: 42 }),
      message(`action-${run}`, 'creditflow.priced-usage.command', { ...priced, usageId: `u-action-${run}`, action: 'explode' }),
      message(`price-${run}`, 'creditflow.priced-usage.command', { ...priced, usageId: `u-price-${run}`, price: { credits: '-1', priceVersion: 'x' } }),
      message(`options-${run}`, 'creditflow.priced-usage.command', { ...priced, usageId: `u-options-${run}`, options: { usageId: 'someone-else' } }),
    ]);
    // Used to be skipped by both consumers of the topic without a trace.
    await send(TOPICS.refunds, [message(`refund-type-${run}`, 'creditflow.refund.explode', { refundId: `r-${run}`, accountId })]);
    // Used to be granted at the wallet's now (and a lot type it does not know crashed the batch).
    const grant = { eventId: `g-${run}`, subscriptionId: `s-${run}`, accountId, planId: 'pro', cycle: 0, lotType: 'subscription', amount: '50', at: 'yesterday', expiresAt: null };
    await send(TOPICS.scheduler, [
      message(`grant-at-${run}`, 'creditflow.scheduler.monthly-grant', grant),
      message(`grant-lot-${run}`, 'creditflow.scheduler.monthly-grant', { ...grant, eventId: `g2-${run}`, at: new Date().toISOString(), lotType: 'gold' }),
    ]);
    await sendUsage('apinfer', accountId, 'authorize', { usageId: `u-after-internal-${run}`, feature: 'qwen-image' });
    await decision(`u-after-internal-${run}`, 'creditflow.usage.authorized');

    const ids = ['numeric', 'action', 'price', 'options', 'refund-type', 'grant-at', 'grant-lot'].map((id) => `${id}-${run}`);
    const originalId = (data: unknown): string | undefined => {
      try {
        return JSON.parse((data as { value: string }).value).id;
      } catch {
        return undefined;
      }
    };
    const letters = await waitFor('the seven messages on their DLQs', () => {
      const mine = seen.filter((s) => s.topic.endsWith('.dlq') && ids.includes(originalId(s.event?.data) ?? ''));
      return mine.length >= ids.length ? mine : undefined;
    }, E2E_WAIT_MS);
    const reasons = Object.fromEntries(letters.map((l) => [originalId(l.event!.data)!.replace(`-${run}`, ''), `${l.topic}: ${(l.event!.data as { reason: string }).reason}`]));
    expect(reasons).toEqual({
      numeric: expect.stringMatching(/^creditflow\.priced-usage\.v1\.dlq: usageId must be/),
      action: expect.stringMatching(/^creditflow\.priced-usage\.v1\.dlq: action must be one of/),
      price: expect.stringMatching(/^creditflow\.priced-usage\.v1\.dlq: price\.credits must be a non-negative decimal/),
      options: expect.stringMatching(/^creditflow\.priced-usage\.v1\.dlq: .*usageId should not exist/),
      'refund-type': 'creditflow.refunds.v1.dlq: unknown refund event type "creditflow.refund.explode"',
      'grant-at': expect.stringMatching(/^creditflow\.scheduler\.v1\.dlq: at must be a valid ISO 8601/),
      'grant-lot': expect.stringMatching(/^creditflow\.scheduler\.v1\.dlq: lotType must be one of/),
    });
    expect(seen.filter((s) => s.topic === TOPICS.usageDecisions && ids.some((id) => s.event?.id.includes(id)))).toEqual([]);
    expect(await balanceOf('apinfer', accountId)).toMatchObject({ available: '98.25', held: '1.75' });
  });

  // Later boundaries need the clock moved: scheduler.e2e.spec.ts runs them on manual clocks.
  it('carries a monthly grant scheduler -> Kafka -> wallet', async () => {
    const accountId = `acc-sub-${run}`;
    expect((await http('wallet', 'PUT', `/v1/accounts/${accountId}`, 'amisi', { type: 'personal' })).status).toBe(200);
    const started = await http('subscription-scheduler', 'PUT', `/v1/accounts/${accountId}/subscription`, 'amisi', { planId: 'pro', billingPeriod: 'monthly' });
    expect(started.status).toBe(200);

    const grant = await waitFor('the cycle-0 monthly grant', () =>
      seen.find((s) => s.topic === TOPICS.scheduler && s.event?.type === 'creditflow.scheduler.monthly-grant' && s.event.subject === accountId)?.event ?? undefined,
      E2E_WAIT_MS,
    );
    expect(grant.data).toMatchObject({ amount: '50', cycle: 0, lotType: 'subscription' });
    await waitFor('the grant in the wallet', async () => ((await balanceOf('amisi', accountId)).available === '50' ? true : undefined), E2E_WAIT_MS);
  });

  it('turns a platform-error failure after completion into a restoration refund -> wallet', async () => {
    const accountId = `acc-refund-${run}`;
    const opened = await http('wallet', 'PUT', `/v1/accounts/${accountId}`, 'gptimage2', { type: 'personal' });
    expect(opened.body.available).toBe('20'); // trial credits on creation (chosen value in gptimage2.yaml)

    await sendUsage('gptimage2', accountId, 'authorize', { usageId: `g1-${run}`, feature: 'text-to-image', resolution: '1K' });
    await decision(`g1-${run}`, 'creditflow.usage.authorized');
    await sendUsage('gptimage2', accountId, 'complete', { usageId: `g1-${run}` });
    await decision(`g1-${run}`, 'creditflow.usage.completed');
    expect((await balanceOf('gptimage2', accountId)).available).toBe('10');

    await sendUsage('gptimage2', accountId, 'fail', { usageId: `g1-${run}`, reason: 'platform_error' });
    await decision(`g1-${run}`, 'creditflow.usage.failed');
    const refund = await waitFor('the restoration decision', () =>
      seen.find((s) => s.topic === TOPICS.refunds && (s.event?.data as { refundId?: string })?.refundId === `restore:g1-${run}`)?.event ?? undefined,
      E2E_WAIT_MS,
    );
    expect(refund.data).toMatchObject({ status: 'approved', creditsRestored: { usageId: `g1-${run}`, amount: '10' } });
    await waitFor('the restored balance', async () => ((await balanceOf('gptimage2', accountId)).available === '20' ? true : undefined), E2E_WAIT_MS);
  });

  it('neither loses nor doubles a charge when the wallet is stopped and restarted mid-stream', async () => {
    const accountId = `acc-restart-${run}`;
    await fundedApinferAccount(accountId);
    const count = 40;
    const ids = Array.from({ length: count }, (_, i) => `r${i}-${run}`);
    await send(
      TOPICS.usage,
      ids.flatMap((usageId) =>
        ['authorize', 'complete'].map((action) => ({
          key: messageKey('apinfer', accountId),
          value: cloudEvent({
            id: randomUUID(), source: 'e2e', type: `creditflow.usage.${action}`, subject: accountId, tenantid: 'apinfer',
            data: action === 'authorize' ? { usageId, accountId, feature: 'qwen-image' } : { usageId, accountId },
          }),
        })),
      ),
    );
    // Stop the wallet as soon as it has decided some of them, then start a new one on the same data.
    await waitFor('the first decisions', () => (seen.some((s) => s.topic === TOPICS.usageDecisions && s.event?.data.usageId === ids[0]) ? true : undefined), E2E_WAIT_MS);
    await restart('wallet');

    for (const usageId of ids) await decision(usageId, 'creditflow.usage.completed');
    const balance = await balanceOf('apinfer', accountId);
    expect(balance.available).toBe('30'); // 100 - 40 x 1.75, exactly once each
    const history = await http('wallet', 'GET', `/v1/accounts/${accountId}/transactions`, 'apinfer');
    const captured = history.body.transactions.filter((t: { type: string }) => t.type === 'HoldCaptured');
    expect(captured).toHaveLength(count);
    expect(new Set(captured.map((t: { usageId: string }) => t.usageId)).size).toBe(count);
  });
});

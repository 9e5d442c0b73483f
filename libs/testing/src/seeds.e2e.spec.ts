// Every documented price of the five seed products, through the four services on a real Kafka broker
// (KAFKA_BROKERS): usage commands on creditflow.usage.v1 -> pricing -> wallet -> decisions on
// creditflow.usage-decisions.v1. Per tenant one account, funded over HTTP (grants, a purchase, a
// subscription grant over creditflow.scheduler.v1); each operation is authorized and completed
// (listing-editor edits also accepted or rejected), and the final balance is exact.
import { randomUUID } from 'node:crypto';
import { TOPICS, cloudEvent, messageKey } from '@creditflow/contracts';
import { waitFor } from '@creditflow/kernel/testing';
import { ServiceName } from '@creditflow/shell';
import { callService, distributedFor } from './distributed-services';

const run = randomUUID().slice(0, 8);
const TENANTS = ['visualgpt', 'gptimage2', 'listing-editor', 'amisi', 'apinfer'] as const;
type Tenant = (typeof TENANTS)[number];
const adminKey = (tenant: Tenant) => `seeds-admin-${tenant}-${run}`;
const keys = Object.fromEntries(TENANTS.map((tenant) => [adminKey(tenant), { tenant, role: 'admin' }]));

/** One documented operation: the request, what authorize holds, and what the whole operation costs. */
interface Operation {
  name: string;
  request: Record<string, string | number>;
  /** Credits of the `authorized` and `completed` decisions (the generate phase where phased). */
  credits: string;
  /** listing-editor: the second phase, and its decision's credits when accepted. */
  then?: { action: 'accept'; credits: string } | { action: 'reject' };
}

const flat = (name: string, request: Record<string, string | number>, credits: string): Operation => ({ name, request, credits });

const SEED_OPERATIONS: Record<Tenant, Operation[]> = {
  visualgpt: [
    ...[
      ['background-remover', '1'], ['watermark-remover', '1'], ['image-upscaler', '1'], ['image-extender', '2'], ['background-changer', '4'],
      ['headshot-generator', '4'], ['clothes-changer', '4'], ['virtual-try-on', '4'], ['glasses-generator', '4'], ['hairstyle-changer', '4'],
      ['hair-color-changer', '3'], ['photo-to-sketch', '5'], ['action-figure-generator', '4'], ['halloween-photoshoot-generator', '3'],
      ['room-planner', '4'], ['room-designer', '4'], ['room-decorator', '4'], ['room-cleaner', '3'], ['exterior-home-design-generator', '4'],
      ['floor-plan-generator', '4'], ['garden-design-generator', '4'], ['landscape-design', '4'], ['kitchen-planner', '4'],
      ['living-room-design', '4'], ['paint-color-visualizer', '4'],
      ['visual-card', '0'], ['mind-map', '0'], ['flowchart', '0'], ['infographic', '0'],
    ].map(([feature, credits]) => flat(feature, { feature }, credits)),
    ...[
      ['nano-banana', '4'], ['gempix-2', '4'], ['flux-kontext-pro', '5'], ['seedream-4.0', '3'],
    ].map(([model, credits]) => flat(`image-editor ${model}`, { feature: 'image-editor', model }, credits)),
  ],
  gptimage2: [
    flat('1K', { feature: 'text-to-image', resolution: '1K' }, '10'),
    flat('2K', { feature: 'text-to-image', resolution: '2K' }, '20'),
    flat('4K', { feature: 'text-to-image', resolution: '4K' }, '40'),
  ],
  'listing-editor': [
    { name: '1K kept', request: { feature: 'ai-edit', resolution: '1K' }, credits: '1', then: { action: 'accept', credits: '2' } },
    { name: '2K kept', request: { feature: 'ai-edit', resolution: '2K' }, credits: '1', then: { action: 'accept', credits: '2' } },
    { name: '4K kept', request: { feature: 'ai-edit', resolution: '4K' }, credits: '2', then: { action: 'accept', credits: '4' } },
    { name: '1K rejected', request: { feature: 'ai-edit', resolution: '1K' }, credits: '1', then: { action: 'reject' } },
    { name: '2K rejected', request: { feature: 'ai-edit', resolution: '2K' }, credits: '1', then: { action: 'reject' } },
    { name: '4K rejected', request: { feature: 'ai-edit', resolution: '4K' }, credits: '2', then: { action: 'reject' } },
    flat('color-adjustment', { feature: 'color-adjustment' }, '0'),
    flat('rotate', { feature: 'rotate' }, '0'),
    flat('crop', { feature: 'crop' }, '0'),
  ],
  amisi: [
    flat('720p', { feature: 'text-to-image', resolution: '720p' }, '1'),
    flat('1080p', { feature: 'text-to-image', resolution: '1080p' }, '2'),
    flat('4K', { feature: 'text-to-image', resolution: '4K' }, '3'),
    flat('8K', { feature: 'text-to-image', resolution: '8K' }, '4'),
    flat('chat message', { feature: 'chat-message' }, '1'),
    flat('image-to-text basic', { feature: 'image-to-text', detail: 'basic' }, '1'),
    flat('image-to-text detailed', { feature: 'image-to-text', detail: 'detailed' }, '2'),
  ],
  apinfer: [
    flat('qwen-image (standard by default)', { feature: 'qwen-image' }, '1.75'),
    flat('qwen-image standard', { feature: 'qwen-image', quality: 'standard' }, '1.75'),
    flat('qwen-image high', { feature: 'qwen-image', quality: 'high' }, '2.625'),
    flat('qwen-image ultra', { feature: 'qwen-image', quality: 'ultra' }, '3.5'),
    flat('qwen-image at 4K', { feature: 'qwen-image', resolution: '4K' }, '1.75'),
    flat('qwen-image high at 1K', { feature: 'qwen-image', resolution: '1K', quality: 'high' }, '2.625'),
  ],
};

/** Exact sums of decimal strings (thousandths are enough for every seed). */
const MILLI = 1000n;
const toMilli = (s: string) => {
  const [whole, fraction = ''] = s.split('.');
  return BigInt(whole) * MILLI + BigInt(fraction.padEnd(3, '0'));
};
const fromMilli = (m: bigint) => {
  const fraction = (m % MILLI).toString().padStart(3, '0').replace(/0+$/, '');
  return fraction ? `${m / MILLI}.${fraction}` : `${m / MILLI}`;
};
const costOf = (op: Operation) => toMilli(op.credits) + (op.then?.action === 'accept' ? toMilli(op.then.credits) : 0n);

describe('every seed price through the four services over Kafka', () => {
  const { services, seen: observed, send } = distributedFor({
    name: `e2e-seeds-${run}`,
    services: ['pricing', 'wallet', 'subscription-scheduler', 'refund'],
    keys,
    topics: [TOPICS.usageDecisions],
  });

  const http = (service: ServiceName, tenant: Tenant, method: string, path: string, body?: unknown) =>
    callService(services[service]!, adminKey(tenant), method, path, body);
  const balanceOf = async (tenant: Tenant, accountId: string) => (await http('wallet', tenant, 'GET', `/v1/accounts/${accountId}/balance`)).body;

  const eventually = <T>(what: string, probe: () => T | undefined | Promise<T | undefined>) => waitFor(what, probe, 60_000);

  const decision = (usageId: string, type: string) =>
    eventually(`${type} for ${usageId}`, () => observed.find((s) => s.event?.type === `creditflow.usage.${type}` && s.event.data.usageId === usageId)?.event ?? undefined);

  /** Sends every operation's commands in order on the account's key, in one batch. */
  async function sendAll(tenant: Tenant, accountId: string, operations: { usageId: string; op: Operation }[]) {
    const command = (action: string, data: Record<string, unknown>) => ({
      key: messageKey(tenant, accountId),
      value: cloudEvent({
        id: randomUUID(), source: 'e2e-seeds', type: `creditflow.usage.${action}`, subject: accountId, tenantid: tenant,
        time: new Date().toISOString(), data: { accountId, ...data },
      }),
    });
    await send(
      TOPICS.usage,
      operations.flatMap(({ usageId, op }) => [
        command('authorize', { usageId, ...op.request }),
        command('complete', { usageId }),
        ...(op.then ? [command(op.then.action, { usageId })] : []),
      ]),
    );
  }

  /** Opens the account, funds it with `fund`, runs every operation and checks each decision and the balance. */
  async function reproduce(tenant: Tenant, fund: (accountId: string) => Promise<string>) {
    const accountId = `seeds-${tenant}-${run}`;
    expect((await http('wallet', tenant, 'PUT', `/v1/accounts/${accountId}`, { type: 'personal' })).status).toBe(200);
    const funded = await fund(accountId);
    const operations = SEED_OPERATIONS[tenant].map((op, i) => ({ usageId: `${tenant}-${i}-${run}`, op }));
    await sendAll(tenant, accountId, operations);

    const seen = [];
    for (const { usageId, op } of operations) {
      const authorized = await decision(usageId, 'authorized');
      const completed = await decision(usageId, 'completed');
      const last = op.then ? await decision(usageId, op.then.action === 'accept' ? 'accepted' : 'rejected') : null;
      seen.push([op.name, authorized.data.credits, completed.data.credits, last?.data.status ?? null, last?.data.credits ?? null]);
    }
    expect(seen).toEqual(
      SEED_OPERATIONS[tenant].map((op) => [
        op.name, op.credits, op.credits, op.then ? (op.then.action === 'accept' ? 'accepted' : 'rejected') : null, op.then?.action === 'accept' ? op.then.credits : null,
      ]),
    );

    const spent = SEED_OPERATIONS[tenant].reduce((sum, op) => sum + costOf(op), 0n);
    const expected = fromMilli(toMilli(funded) - spent);
    const balance = await eventually(`the ${tenant} balance`, async () => {
      const b = await balanceOf(tenant, accountId);
      return b.available === expected && b.held === '0' ? b : undefined;
    });
    return { accountId, spent: fromMilli(spent), balance };
  }

  const reward = async (tenant: Tenant, accountId: string, amount: string) =>
    expect((await http('wallet', tenant, 'POST', `/v1/accounts/${accountId}/grants`, { grantId: `fund-${run}`, type: 'reward', amount })).status).toBe(200);

  it('visualgpt: every feature and model at its price, the free visual tools at 0', async () => {
    const { spent, balance } = await reproduce('visualgpt', async (accountId) => {
      await reward('visualgpt', accountId, '150');
      return '150';
    });
    expect(spent).toBe('103');
    expect(balance).toMatchObject({ available: '47', byType: expect.objectContaining({ reward: '47' }) });
  });

  it('gptimage2: 1K 10, 2K 20, 4K 40, paid from the trial credits first', async () => {
    const { balance } = await reproduce('gptimage2', async (accountId) => {
      expect((await balanceOf('gptimage2', accountId)).byType.trial).toBe('20');
      await reward('gptimage2', accountId, '60');
      return '80';
    });
    expect(balance).toMatchObject({ available: '10', byType: expect.objectContaining({ trial: '0', reward: '10' }) });
  });

  it('listing-editor: kept edits 3 (4K 6), rejected 1 (4K 2), free actions 0', async () => {
    const { spent, balance } = await reproduce('listing-editor', async (accountId) => {
      await reward('listing-editor', accountId, '20');
      return '20';
    });
    expect(spent).toBe('16');
    expect(balance).toMatchObject({ available: '4' });
  });

  it('amisi: 720p/1080p/4K/8K 1/2/3/4, chat 1, image-to-text 1/2, paid from a pro subscription grant', async () => {
    const { balance } = await reproduce('amisi', async (accountId) => {
      const started = await http('subscription-scheduler', 'amisi', 'PUT', `/v1/accounts/${accountId}/subscription`, { planId: 'pro', billingPeriod: 'monthly' });
      expect(started.status).toBe(200);
      await eventually('the pro grant', async () => ((await balanceOf('amisi', accountId)).available === '50' ? true : undefined));
      return '50';
    });
    expect(balance).toMatchObject({ available: '36', planId: 'pro', byType: expect.objectContaining({ subscription: '36' }) });
  });

  it('apinfer: qwen-image 1.75 at any resolution, 2.625 high, 3.5 ultra, from the basic package (100 for CNY 10)', async () => {
    const { spent, balance } = await reproduce('apinfer', async (accountId) => {
      const bought = await http('wallet', 'apinfer', 'POST', '/v1/purchases', { purchaseId: `p-${run}`, accountId, packageId: 'basic', amountPaid: '10.00', currency: 'CNY' });
      expect(bought.body.lot).toMatchObject({ amount: '100' });
      return '100';
    });
    expect(spent).toBe('14');
    expect(balance).toMatchObject({ available: '86', byType: expect.objectContaining({ topup: '86' }) });
  });
});

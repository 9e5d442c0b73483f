// `npm run ops -- dead-letters` over a real Kafka broker (the distributed mode's bus): records on a
// two-partition .dlq topic are listed and shown by partition:offset without consuming them for the
// platform, a whole one is replayed to its original topic with its key, a truncated one is refused.
// Its own topics (a fresh name per run), so no other suite's dead letters are touched; `topics`
// creates the platform's topics as `npm run topics` does.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_TOPICS, cloudEvent } from '@creditflow/contracts';
import { waitFor } from '@creditflow/kernel/testing';
import { ConsumedMessage, DEAD_LETTER_LIMITS, KafkaBus, deadLetterData } from '@creditflow/messaging';
import { ops } from './ops-command';

const brokers = (process.env.KAFKA_BROKERS ?? '').trim();

describe('dead letters on Kafka', () => {
  const topic = `ops-cli-${randomUUID().slice(0, 8)}.v1`;
  const dlq = `${topic}.dlq`;
  let bus: KafkaBus;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  const original = (n: number, extra: Record<string, unknown> = {}) =>
    JSON.stringify(cloudEvent({ id: `m-${n}`, source: 'e2e', type: 'creditflow.payment.purchase', subject: `acc-${n}`, tenantid: 'apinfer', data: { accountId: `acc-${n}`, purchaseId: `p-${n}`, ...extra } }));
  const record = (n: number, value: string, key: string | null) =>
    cloudEvent({
      id: `dlq:${topic}:0:${n}`, source: 'creditflow/e2e', type: 'creditflow.dlq.message', time: new Date().toISOString(), tenantid: 'apinfer',
      data: deadLetterData({ message: { topic, partition: 0, offset: String(n), key, value }, reason: `reason ${n}` }),
    });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'creditflow-ops-kafka-'));
    env = { KAFKA_BROKERS: brokers, CREDITFLOW_DATA_DIR: dataDir };
    bus = new KafkaBus({ brokers: brokers.split(','), clientId: 'ops-cli-e2e' });
    await bus.ensureTopics([topic, dlq], { partitions: 2 });
    // Keyed by account, so they land on either partition.
    await bus.publish(dlq, [
      { key: 'apinfer:acc-1', value: record(1, original(1), 'apinfer:acc-1') },
      { key: 'apinfer:acc-2', value: record(2, original(2, { note: 'x'.repeat(DEAD_LETTER_LIMITS.value) }), 'apinfer:acc-2') },
      { key: 'apinfer:acc-3', value: record(3, original(3), 'apinfer:acc-3') },
    ]);
  }, 60_000);

  afterAll(async () => {
    await bus?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists every record of every partition, and shows one by partition:offset', async () => {
    const list = await ops(env, 'dead-letters', 'list', '--topic', topic, '--json');
    expect(list.code).toBe(0);
    const { bus: label, records } = JSON.parse(list.stdout) as { bus: string; records: { id: string; data: { key: string; truncated: boolean }; replayable: boolean }[] };
    expect(label).toBe(`Kafka ${brokers}`);
    expect(records.map((r) => [r.data.key, r.data.truncated, r.replayable]).sort()).toEqual([
      ['apinfer:acc-1', false, true],
      ['apinfer:acc-2', true, false],
      ['apinfer:acc-3', false, true],
    ]);
    for (const r of records) expect(r.id).toMatch(/^[01]:\d+$/);

    const one = records.find((r) => r.data.key === 'apinfer:acc-3')!;
    const [partition] = one.id.split(':');
    const onlyThat = JSON.parse((await ops(env, 'dead-letters', 'list', '--topic', dlq, '--partition', partition, '--json')).stdout).records as { id: string }[];
    expect(onlyThat.every((r) => r.id.startsWith(`${partition}:`))).toBe(true);
    const shown = await ops(env, 'dead-letters', 'show', '--topic', topic, '--offset', one.id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`${dlq} ${one.id}\n`);
    expect(shown.stdout).toContain('"purchaseId": "p-3"');
    // Reading consumed nothing for anyone: the same records are there again.
    expect(JSON.parse((await ops(env, 'dead-letters', 'list', '--topic', topic, '--json')).stdout).records).toHaveLength(3);
  }, 60_000);

  it('replays a whole record to its original topic with its key, and refuses a truncated one', async () => {
    const { records } = JSON.parse((await ops(env, 'dead-letters', 'list', '--topic', topic, '--json')).stdout) as { records: { id: string; data: { key: string } }[] };
    const whole = records.find((r) => r.data.key === 'apinfer:acc-1')!;
    const truncated = records.find((r) => r.data.key === 'apinfer:acc-2')!;

    const refused = await ops(env, 'dead-letters', 'replay', '--topic', topic, '--offset', truncated.id);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/truncated: true\): it cannot be replayed from here/);

    const replayed = await ops(env, 'dead-letters', 'replay', '--topic', topic, '--offset', whole.id);
    expect(replayed).toMatchObject({ code: 0, stderr: '' });
    expect(replayed.stdout).toBe(`replayed ${dlq} ${whole.id} -> ${topic} (key apinfer:acc-1, ${original(1).length} chars)\n`);

    const seen: ConsumedMessage[] = [];
    const consumer = await bus.consume({ groupId: `ops-cli-e2e-${randomUUID()}`, topics: [topic], handle: async (batch) => void seen.push(...batch) });
    try {
      await waitFor('the replayed message on its topic', async () => (seen.length ? true : undefined), 30_000);
    } finally {
      await consumer.stop();
    }
    expect(seen).toEqual([expect.objectContaining({ key: 'apinfer:acc-1', value: original(1) })]);
  }, 90_000);

  it("creates the platform's topics once (as npm run topics), then counts their dead letters", async () => {
    const first = await ops(env, 'topics');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^(created \\d+ topics: .*|all ${ALL_TOPICS.length} topics exist)\n$`));
    expect(await ops(env, 'topics')).toEqual({ code: 0, stdout: `all ${ALL_TOPICS.length} topics exist\n`, stderr: '' });
    const summary = await ops(env, 'dead-letters', 'list');
    expect(summary.stderr).toBe('');
    expect(summary.code).toBe(0);
    expect(summary.stdout).toMatch(new RegExp(`^(no dead letters on Kafka ${brokers}|dead letters on Kafka ${brokers}:)\n`));
  }, 60_000);

  it('names a topic that does not exist', async () => {
    const r = await ops(env, 'dead-letters', 'list', '--topic', `nothing-${randomUUID().slice(0, 8)}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^no topic nothing-.*\.dlq on Kafka /);
  }, 30_000);
});

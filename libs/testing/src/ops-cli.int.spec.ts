// `npm run ops -- <command>` against an embedded platform's data directory: the commands read what the
// platform wrote (store, bus, read models), as an operator would on the same machine, while it runs
// and after it stopped. Most cases call the CLI's entry function with their own output streams; two
// spawn the real entry points (apps/ops/src/main.ts, apps/platform/src/rebuild-projections.ts).
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PAYMENT_TYPES, TOPICS, cloudEvent, dlqTopic, messageKey } from '@creditflow/contracts';
import { EventStore, EventStoreConfig, createEventStore } from '@creditflow/event-store';
import { dropSchemas, testDatabaseUrl } from '@creditflow/event-store/testing';
import { encodeBigInts, wholeCredits } from '@creditflow/kernel';
import { waitFor } from '@creditflow/kernel/testing';
import { SqliteBus } from '@creditflow/messaging';
import { OpsProjections } from '@creditflow/ops-projections';
import { stateLoader } from '@creditflow/ops-service';
import { walletStream } from '@creditflow/wallet-application';
import { EmbeddedPlatform, apiKey, startEmbeddedPlatform } from './embedded-platform';
import { REPOSITORY_ROOT as ROOT, ops } from './ops-command';

const run = promisify(execFile);

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else field += ch;
  }
  return rows;
}

describe('npm run ops -- <command> on an embedded platform', () => {
  let platform: EmbeddedPlatform;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  const admin = apiKey('apinfer', 'admin');
  const ops_ = apiKey('apinfer', 'ops');
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await platform.request(method, path, { key: admin, body });
    if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const purchase = (accountId: string, purchaseId: string, extra: Record<string, unknown> = {}) =>
    cloudEvent({
      id: `pay-${purchaseId}`, source: 'payments-test', type: PAYMENT_TYPES.purchase, subject: accountId, tenantid: 'apinfer', time: new Date().toISOString(),
      data: { purchaseId, accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY', ...extra },
    });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'creditflow-ops-cli-'));
    platform = await startEmbeddedPlatform({ dataDir });
    env = { CREDITFLOW_DATA_DIR: dataDir };
    for (const accountId of ['cli-a', 'cli-b']) {
      await call('PUT', `/v1/accounts/${accountId}`, { type: 'personal' });
      await call('POST', '/v1/purchases', { purchaseId: `p-${accountId}`, accountId, packageId: 'basic', amountPaid: '10', currency: 'CNY' });
    }
    for (let i = 0; i < 6; i++) {
      const usageId = `cli-u${i}`;
      await call('POST', '/v1/usage/authorize', { usageId, accountId: i % 2 ? 'cli-b' : 'cli-a', feature: 'qwen-image', quality: ['standard', 'high', 'ultra'][i % 3] });
      if (i < 4) await call('POST', `/v1/usage/${usageId}/complete`);
      else if (i === 4) await call('POST', `/v1/usage/${usageId}/fail`, { reason: 'cancelled' });
      // cli-u5 stays held
    }
    // Two purchases from the payment side that cannot be processed: one for an account not opened
    // yet (dead-lettered whole), one far over the dead-letter record's 64 KiB (kept truncated).
    const bus = new SqliteBus(join(dataDir, 'bus.sqlite'));
    try {
      await bus.publish(TOPICS.payments, [
        { key: messageKey('apinfer', 'cli-late'), value: purchase('cli-late', 'p-late') },
        { key: messageKey('apinfer', 'cli-a'), value: purchase('cli-a', 'p-huge', { note: 'x'.repeat(70_000) }) },
      ]);
    } finally {
      await bus.close();
    }
    await waitFor('two dead letters on the payments .dlq', async () => {
      const r = await ops(env, 'dead-letters', 'list', '--topic', TOPICS.payments, '--json');
      return JSON.parse(r.stdout).records.length === 2 ? true : undefined;
    }, 20_000);
    // The ops read model follows the store asynchronously: wait until it shows the wallet's balances.
    await waitFor('the projection to catch up', async () => {
      const projected = (await platform.request('GET', '/v1/projections/balances', { key: ops_ })).body.balances as { accountId: string; available: string; held: string }[];
      const live = await Promise.all(['cli-a', 'cli-b'].map(async (a) => (await platform.request('GET', `/v1/accounts/${a}/balance`, { key: ops_ })).body));
      return live.every((b) => projected.some((p) => p.accountId === b.accountId && p.available === b.available && p.held === b.held)) ? true : undefined;
    }, 20_000);
  }, 90_000);

  afterAll(async () => {
    await platform?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  describe('validate-tenants', () => {
    it('validates the repository tenant files, and lists every problem of a bad directory with exit status 1', async () => {
      const good = await ops({}, 'validate-tenants');
      expect(good).toMatchObject({ code: 0, stderr: '' });
      expect(good.stdout).toMatch(/^5 tenant files in .*config\/tenants valid:/);
      expect(good.stdout).toContain('  apinfer (Apinfer, config/tenants/apinfer.yaml): 1 feature in 1 catalog version; packages basic (10.00), standard (50.00), premium (500.00) CNY');

      const dir = mkdtempSync(join(tmpdir(), 'creditflow-tenants-'));
      try {
        cpSync(join(ROOT, 'config/tenants/apinfer.yaml'), join(dir, 'apinfer.yaml'));
        writeFileSync(join(dir, 'broken.yaml'), 'tenantId: broken\nname: Broken\nprecision: 9\n');
        const bad = await ops({}, 'validate-tenants', dir);
        expect(bad.code).toBe(1);
        expect(bad.stderr).toMatch(/^\d+ problems in .*:\n/);
        expect(bad.stderr).toMatch(/broken\.yaml: precision: /);
        const json = JSON.parse((await ops({}, 'validate-tenants', dir, '--json')).stdout);
        expect(json).toMatchObject({ valid: false, tenants: [] });

        const keys = await ops({ CREDITFLOW_API_KEYS: JSON.stringify({ k: { tenant: 'nobody', role: 'ops' } }) }, 'validate-tenants');
        expect(keys.code).toBe(1);
        expect(keys.stderr).toContain('CREDITFLOW_API_KEYS names tenant "nobody", which has no file in');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('topics', () => {
    it('says the embedded mode has no topics to create', async () => {
      const r = await ops(env, 'topics');
      expect(r).toMatchObject({ code: 1, stdout: '' });
      expect(r.stderr).toMatch(/^topics needs KAFKA_BROKERS/);
    });
  });

  describe('dead-letters', () => {
    it("counts every .dlq topic's records, then lists one topic's with their reasons", async () => {
      const summary = await ops(env, 'dead-letters', 'list');
      expect(summary.code).toBe(0);
      expect(summary.stdout).toMatch(new RegExp(`dead letters on the SQLite bus .*bus\\.sqlite:\\n  ${dlqTopic(TOPICS.payments).replace(/\./g, '\\.')}\\s+2\\n`));

      const list = await ops(env, 'dead-letters', 'list', '--topic', TOPICS.payments);
      expect(list.code).toBe(0);
      const lines = list.stdout.split('\n');
      expect(lines[0]).toMatch(/^creditflow\.payments\.v1\.dlq on the SQLite bus .*: 2 records$/);
      // Two lines each, in offset order (the invalid one was dead-lettered first, before the handler ran).
      const late = lines.findIndex((l) => l.includes('key apinfer:cli-late'));
      expect(lines[late]).toMatch(/^0:\d+ {2}\S+ {2}from creditflow\.payments\.v1 0:\d+ {2}key apinfer:cli-late {2}\d+ chars {2}replayable$/);
      expect(lines[late + 1]).toMatch(/^ {4}WALLET\.ACCOUNT_NOT_FOUND: account "cli-late" does not exist/);
      const huge = lines.findIndex((l) => l.includes('key apinfer:cli-a'));
      expect(lines[huge]).toMatch(/key apinfer:cli-a {2}70\d{3} chars \(truncated\) {2}not replayable$/);
      expect(lines[huge + 1]).toBe('    note: property note should not exist');
    });

    it('shows one record whole and refuses to replay the truncated one, naming where the message still is', async () => {
      const { records } = JSON.parse((await ops(env, 'dead-letters', 'list', '--topic', `${TOPICS.payments}.dlq`, '--json')).stdout);
      type Row = { id: string; data: { offset: string; key: string; truncated: boolean } };
      const late = (records as Row[]).find((r) => r.data.key === 'apinfer:cli-late')!;
      const huge = (records as Row[]).find((r) => r.data.key === 'apinfer:cli-a')!;
      expect([late.data.truncated, huge.data.truncated]).toEqual([false, true]);

      const shown = await ops(env, 'dead-letters', 'show', '--topic', TOPICS.payments, '--offset', late.id);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain(`  original:      creditflow.payments.v1 partition 0 offset ${late.data.offset}`);
      expect(shown.stdout).toContain('"purchaseId": "p-late"');

      const refused = await ops(env, 'dead-letters', 'replay', '--topic', TOPICS.payments, '--offset', huge.id);
      expect(refused).toMatchObject({ code: 1, stdout: '' });
      expect(refused.stderr).toMatch(/^refused creditflow\.payments\.v1\.dlq 0:\d+: the record holds only the first 65536 of the original's \d+ characters \(truncated: true\)/);
      expect(refused.stderr).toContain(`the whole message is on creditflow.payments.v1 partition 0 offset ${huge.data.offset}`);

      const missing = await ops(env, 'dead-letters', 'show', '--topic', TOPICS.payments, '--offset', '999999');
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^no dead letter at offset 999999 of creditflow\.payments\.v1\.dlq/);
      expect((await ops(env, 'dead-letters', 'replay', '--topic', TOPICS.payments)).code).toBe(2);
    });

    it('replays a whole one to its topic once the account exists: the purchase goes through', async () => {
      const { records } = JSON.parse((await ops(env, 'dead-letters', 'list', '--topic', TOPICS.payments, '--json')).stdout);
      const late = (records as { id: string; data: { key: string } }[]).find((r) => r.data.key === 'apinfer:cli-late')!;
      const dry = await ops(env, 'dead-letters', 'replay', '--topic', TOPICS.payments, '--offset', late.id, '--dry-run');
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(/^would replay creditflow\.payments\.v1\.dlq 0:\d+ -> creditflow\.payments\.v1 \(key apinfer:cli-late, \d+ chars\)\n$/);

      await call('PUT', '/v1/accounts/cli-late', { type: 'personal' });
      const replayed = await ops(env, 'dead-letters', 'replay', '--topic', TOPICS.payments, '--offset', late.id);
      expect(replayed).toMatchObject({ code: 0, stderr: '' });
      expect(replayed.stdout).toMatch(/^replayed creditflow\.payments\.v1\.dlq 0:\d+ -> creditflow\.payments\.v1 \(key apinfer:cli-late/);
      await waitFor('the replayed purchase', async () => ((await call('GET', '/v1/accounts/cli-late/balance')).available === '100' ? true : undefined), 20_000);

      // A range replays what it can and reports what it refused (exit status 1).
      const range = await ops(env, 'dead-letters', 'replay', '--topic', TOPICS.payments, '--from-offset', '0', '--dry-run');
      expect(range.code).toBe(1);
      expect(range.stdout).toMatch(/1 to replay, 1 refused\n$/);
    });
  });

  describe('account', () => {
    it('shows the balance, lots and holds the wallet shows, and the account at an earlier revision', async () => {
      const live = await call('GET', '/v1/accounts/cli-b/balance');
      const r = await ops(env, 'account', 'apinfer', 'cli-b', '--json');
      expect(r.code).toBe(0);
      const view = JSON.parse(r.stdout);
      expect(view.balance).toEqual({ available: live.available, held: live.held, byType: live.byType });
      expect(view.lots.map((l: { lotId: string; remaining: string }) => [l.lotId, l.remaining])).toEqual(live.lots.map((l: { lotId: string; remaining: string }) => [l.lotId, l.remaining]));
      expect(view.holds).toEqual([expect.objectContaining({ usageId: 'cli-u5', feature: 'qwen-image' })]);
      expect(view.lastRevision).toBe(String(view.events.length - 1));

      // Each event names who caused it: the admin key that opened and funded the account (its id, never the key).
      const adminKeyId = createHash('sha256').update(admin).digest('hex').slice(0, 12);
      expect(view.events[0]).toMatchObject({ type: 'AccountOpened', principal: { kind: 'api-key', keyId: adminKeyId, tenant: 'apinfer', role: 'admin' }, by: `key ${adminKeyId} (admin)` });
      expect(view.events.every((e: { principal: unknown }) => e.principal !== null)).toBe(true);
      expect(r.stdout).not.toContain(admin);

      const granted = view.events.find((e: { type: string }) => e.type === 'CreditsGranted');
      const then = JSON.parse((await ops(env, 'account', 'apinfer', 'cli-b', '--revision', granted.revision, '--json')).stdout);
      expect(then).toMatchObject({ revision: granted.revision, balance: { available: '100', held: '0' }, holds: [] });

      const text = await ops(env, 'account', 'apinfer', 'cli-b', '--events', '3');
      expect(text.stdout).toMatch(/^account apinfer\/cli-b \(personal\), stream wallet-apinfer_cli-b at revision \d+ \(the last\)/);
      expect(text.stdout).toContain(`balance: available ${live.available}, held ${live.held}`);
      expect(text.stdout).toMatch(/REV\s+TYPE\s+AT\s+REFERENCE\s+CREDITS\s+AVAILABLE\s+HELD\s+BY\s+DETAIL/);
      expect(text.stdout).toMatch(/purchase:p-cli-b\s+topup\s+100\s+\S+\s+open .* purchase p-cli-b\s+CNY 10\.00/);

      const none = await ops(env, 'account', 'apinfer', 'nobody');
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/^no account "nobody" in tenant "apinfer"/);
      const past = await ops(env, 'account', 'apinfer', 'cli-b', '--revision', '999');
      expect(past.stderr).toMatch(/ends at revision \d+; there is no revision 999/);
      const elsewhere = await ops({ CREDITFLOW_DATA_DIR: join(dataDir, 'nothing-here') }, 'account', 'apinfer', 'cli-b');
      expect(elsewhere.code).toBe(1);
      expect(elsewhere.stderr).toMatch(/^no wallet event store at .*nothing-here\/events\.sqlite \(embedded mode/);
      expect(existsSync(join(dataDir, 'nothing-here'))).toBe(false); // never created
    });
  });

  describe('export-ledger', () => {
    it("writes every event of the tenant's accounts with running balances that end at the wallet's balances", async () => {
      const out = join(dataDir, 'ledger.csv');
      const r = await ops(env, 'export-ledger', 'apinfer', '--out', out);
      expect(r.code).toBe(0);
      const [header, ...rows] = parseCsv(readFileSync(out, 'utf8'));
      expect(header).toEqual(['position', 'recordedAt', 'accountId', 'revision', 'type', 'at', 'reference', 'lotType', 'credits', 'availableChange', 'available', 'held', 'detail']);
      expect(r.stdout).toBe(`exported ${rows.length} wallet events of 3 accounts of tenant apinfer as csv to ${out} (${join(dataDir, 'events.sqlite')})\n`);
      const col = (name: string) => header.indexOf(name);
      for (const accountId of ['cli-a', 'cli-b', 'cli-late']) {
        const mine = rows.filter((row) => row[col('accountId')] === accountId);
        const balance = await call('GET', `/v1/accounts/${accountId}/balance`);
        expect(mine[mine.length - 1][col('available')]).toBe(balance.available);
        expect(mine[mine.length - 1][col('held')]).toBe(balance.held);
        expect(mine.map((row) => row[col('revision')])).toEqual(mine.map((_, i) => String(i)));
      }
      // Store order: positions only grow.
      const positions = rows.map((row) => BigInt(row[col('position')]));
      expect(positions.every((p, i) => i === 0 || p > positions[i - 1])).toBe(true);

      const json = await ops(env, 'export-ledger', 'apinfer', '--format', 'json', '--account', 'cli-a');
      const parsed = JSON.parse(json.stdout) as { accountId: string; type: string }[];
      expect(parsed.length).toBe(rows.filter((row) => row[col('accountId')] === 'cli-a').length);
      expect(new Set(parsed.map((p) => p.accountId))).toEqual(new Set(['cli-a']));
      expect(json.stderr).toMatch(/^exported \d+ wallet events of 1 account of tenant apinfer \(account cli-a\) as json/);

      const empty = await ops(env, 'export-ledger', 'amisi');
      expect(empty.stdout).toBe('position,recordedAt,accountId,revision,type,at,reference,lotType,credits,availableChange,available,held,detail\r\n');
      expect(empty.stderr).toContain('no wallet events for tenant "amisi"');
    });
  });

  describe('the real entry point', () => {
    it('runs as `npm run ops` does and prints the account as JSON', async () => {
      const { stdout } = await run(process.execPath, ['-r', '@swc-node/register', 'apps/ops/src/main.ts', 'account', 'apinfer', 'cli-a', '--json'], {
        cwd: ROOT, env: { PATH: process.env.PATH, CREDITFLOW_DATA_DIR: dataDir },
      });
      const balance = await call('GET', '/v1/accounts/cli-a/balance');
      expect(JSON.parse(stdout)).toMatchObject({ tenantId: 'apinfer', accountId: 'cli-a', balance: { available: balance.available, held: balance.held } });
    }, 60_000);
  });

  describe('rebuild-projections', () => {
    it('rebuilds with progress and finds the live projection equal; refuses --replace while the platform has it open, replaces it once stopped', async () => {
      const r = await ops(env, 'rebuild-projections');
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).toBe(`wallet events from ${join(dataDir, 'events.sqlite')} (embedded mode: no Kafka configured and no distributed wallet directory); ops read model in ${dataDir}`);
      const total = Number(/^0\/(\d+) wallet events {2}0\.0%/.exec(lines[1])?.[1]);
      expect(total).toBeGreaterThan(15);
      expect(r.stdout).toMatch(new RegExp(`\\n${total}/${total} wallet events {2}100\\.0%`));
      expect(r.stdout).toMatch(new RegExp(`\\nrebuilt from ${total} wallet events in \\d+\\.\\ds`));
      expect(r.stdout).toContain('\nequal to the live projection\n');

      const refused = await ops(env, 'rebuild-projections', '--replace');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/ops-projections\.sqlite is open in another process .*: stop the platform \(or the wallet\) and run --replace again/);

      const balances = (await platform.request('GET', '/v1/projections/balances', { key: ops_ })).body.balances;
      await platform.close(); // the data directory stays (it was given)
      const { stdout } = await run(process.execPath, ['-r', '@swc-node/register', 'apps/platform/src/rebuild-projections.ts', '--replace'], {
        cwd: ROOT, env: { PATH: process.env.PATH, CREDITFLOW_DATA_DIR: dataDir },
      });
      expect(stdout).toContain('equal to the live projection');
      expect(stdout).toContain(`replaced ${join(dataDir, 'ops-projections.sqlite')}`);
      expect(existsSync(join(dataDir, 'ops-projections.rebuilt.sqlite'))).toBe(false);
      const store = createEventStore({ kind: 'sqlite', path: join(dataDir, 'events.sqlite') });
      const replaced = new OpsProjections(join(dataDir, 'ops-projections.sqlite'), stateLoader(store));
      try {
        expect(replaced.balances('apinfer')).toEqual(balances);
      } finally {
        replaced.close();
        await store.close();
      }
    }, 60_000);
  });
});

/** One account with a purchase, appended to `config`'s store as the wallet stores it. */
async function storeOneAccount(config: EventStoreConfig, tenantId: string, accountId: string): Promise<void> {
  const store: EventStore = createEventStore(config);
  const at = '2031-07-01T10:00:00.000Z';
  const events = [
    { type: 'AccountOpened', data: { tenantId, accountId, kind: 'personal', members: [], openedAt: at } },
    {
      type: 'CreditsGranted',
      data: {
        lotId: 'purchase:p-1', lotType: 'topup', amount: wholeCredits(100), grantedAt: at, expiresAt: null,
        costBasis: { paidMinor: 1000n, currency: 'CNY', promotional: false, listPriceMinor: 1000n }, source: { kind: 'purchase', id: 'p-1' }, fingerprint: 'p-1',
      },
    },
  ];
  try {
    await store.appendToStream(walletStream(tenantId, accountId), events.map((e) => ({ id: randomUUID(), type: e.type, data: encodeBigInts(e.data), metadata: { tenantId, accountId } })), { expectedRevision: 'no_stream' });
  } finally {
    await store.close();
  }
}

describe('npm run ops -- <command> finds the store in every mode', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'creditflow-ops-modes-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reads the distributed wallet's SQLite store under <data>/wallet/ and keeps its read model there", async () => {
    const wallet = join(dir, 'wallet');
    mkdirSync(wallet);
    await storeOneAccount({ kind: 'sqlite', path: join(wallet, 'events.sqlite') }, 'apinfer', 'far-away');
    const env = { CREDITFLOW_DATA_DIR: dir };
    const view = JSON.parse((await ops(env, 'account', 'apinfer', 'far-away', '--json')).stdout);
    expect(view.balance.available).toBe('100');
    const rebuilt = await ops(env, 'rebuild-projections');
    expect(rebuilt.stdout.split('\n')[0]).toBe(`wallet events from ${join(wallet, 'events.sqlite')} (distributed mode: ${wallet} holds the wallet's files); ops read model in ${wallet}`);
    expect(rebuilt.stdout).toContain('rebuilt from 2 wallet events');
    expect(existsSync(join(wallet, 'ops-projections.rebuilt.sqlite'))).toBe(true);
    // --mode embedded looks for <data>/events.sqlite instead, and says where the distributed one would be.
    const embedded = await ops(env, 'account', 'apinfer', 'far-away', '--mode', 'embedded');
    expect(embedded.code).toBe(1);
    expect(embedded.stderr).toContain('(the wallet of distributed mode keeps its store in <data>/wallet/: --mode distributed)');
  });

  it('reads PostgreSQL wherever DATABASE_URL is set, in the schema DATABASE_SCHEMA names', async () => {
    const url = await testDatabaseUrl();
    const schema = `ops_cli_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    try {
      await storeOneAccount({ kind: 'postgres', connectionString: url, schema }, 'apinfer', 'in-postgres');
      const env = { CREDITFLOW_DATA_DIR: dir, DATABASE_URL: url, DATABASE_SCHEMA: schema };
      const view = JSON.parse((await ops(env, 'account', 'apinfer', 'in-postgres', '--json')).stdout);
      expect(view).toMatchObject({ stream: 'wallet-apinfer_in-postgres', balance: { available: '100', held: '0' } });
      const ledger = await ops(env, 'export-ledger', 'apinfer');
      expect(ledger.stdout.trim().split('\r\n')).toHaveLength(3);
      expect(ledger.stderr).toBe(`exported 2 wallet events of 1 account of tenant apinfer as csv (PostgreSQL (schema ${schema}))\n`);
      const rebuilt = await ops(env, 'rebuild-projections');
      expect(rebuilt.stdout.split('\n')[0]).toMatch(new RegExp(`^wallet events from PostgreSQL \\(schema ${schema}\\) \\(embedded mode`));
      expect(rebuilt.stdout).toMatch(/\n2\/2 wallet events {2}100\.0%/);
    } finally {
      await dropSchemas(url, [schema]);
    }
  });
});

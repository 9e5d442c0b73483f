// A projection file written before usage kept resolution and quality apart (issue 13, rule 5) opens
// with the new columns, keeps its rows, and files new usage by model, resolution and quality.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '@creditflow/event-store';
import { initialState } from '@creditflow/wallet-domain';
import { OpsProjections } from './ops.projections';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ops-projections-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('migrates the usage tables of an older file and keeps their rows', () => {
  const path = join(dir, 'ops-projections.sqlite');
  const old = openSqlite(path);
  old.exec(`
    CREATE TABLE usage_info (tenant TEXT, usage_id TEXT, account TEXT, user TEXT, feature TEXT, model TEXT, PRIMARY KEY (tenant, usage_id));
    CREATE TABLE usage_daily (tenant TEXT, day TEXT, feature TEXT, model TEXT, user TEXT, account TEXT, uses INTEGER, credits INTEGER,
      PRIMARY KEY (tenant, day, feature, model, user, account));
    INSERT INTO usage_info VALUES ('apinfer', 'u-1', 'acc-1', '', 'qwen-image', '2048x2048');
    INSERT INTO usage_daily VALUES ('apinfer', '2031-01-01', 'qwen-image', '2048x2048', '', 'acc-1', 2, 3500000);
  `);
  old.close();

  const projections = new OpsProjections(path, async () => initialState);
  try {
    // The old row keeps its (wrong) model until a rebuild; it still counts.
    expect(projections.usageReport('apinfer', 'model', '2031-01-01', '2031-01-01')).toEqual([{ model: '2048x2048', uses: 2, credits: '3.5' }]);
    expect(projections.usageReport('apinfer', 'resolution', '2031-01-01', '2031-01-01')).toEqual([{ resolution: '', uses: 2, credits: '3.5' }]);
    const tables = projections.dump();
    expect(tables.usage_info).toEqual([{ tenant: 'apinfer', usage_id: 'u-1', account: 'acc-1', user: '', feature: 'qwen-image', model: '2048x2048', resolution: '', quality: '' }]);
  } finally {
    projections.close();
  }
  // Opening it again migrates nothing twice.
  new OpsProjections(path, async () => initialState).close();
});

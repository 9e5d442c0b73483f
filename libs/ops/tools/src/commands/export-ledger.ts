// export-ledger <tenant> [--format csv|json] [--out file]: every wallet event of the tenant's accounts,
// in store order, with what it names and each account's running balance after it.
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { createEventStore } from '@creditflow/event-store';
import { csvLine } from '@creditflow/kernel';
import { readConfig } from '@creditflow/shell';
import { WALLET_CATEGORY, WalletEventMetadata } from '@creditflow/wallet-application';
import { CommandSpec, ParsedArgs, stringOption } from '../args';
import { OpsIo } from '../io';
import { LEDGER_COLUMNS, LedgerBuilder, LedgerRow } from '../ledger';
import { MODES, Mode, walletLocation } from '../locate';

export const exportLedgerSpec: CommandSpec = {
  name: 'export-ledger',
  summary: "Exports every wallet event of a tenant's accounts with each account's running balance, as CSV or JSON.",
  details: [
    `One row per stored event, in store order (position): ${LEDGER_COLUMNS.join(', ')}. ` +
      "`credits` is the amount the event names; `availableChange`, `available` and `held` are the account's balance change and balance after it, " +
      'folded with the wallet domain (as stored: an expiry counts when its event is recorded). Amounts are exact decimal strings. ' +
      'CSV is RFC 4180 with a header row; JSON is one array of row objects. Without --out the ledger goes to stdout and the summary to stderr.',
  ],
  positionals: [{ name: 'tenant', description: 'the tenant id', required: true }],
  options: {
    format: { kind: 'string', value: '<csv|json>', choices: ['csv', 'json'], description: 'default csv' },
    out: { kind: 'string', value: '<file>', description: 'write to this file (written whole, then moved into place)' },
    account: { kind: 'string', value: '<accountId>', description: "only this account's events" },
    mode: { kind: 'string', value: '<mode>', choices: MODES, description: 'embedded or distributed; default from the environment and data directory' },
  },
  examples: ['export-ledger apinfer --out apinfer-ledger.csv', 'export-ledger visualgpt --format json --account maria'],
};

const PAGE = 2000;

export async function exportLedger(args: ParsedArgs, io: OpsIo): Promise<number> {
  const [tenantId] = args.positionals;
  const format = (stringOption(args, 'format') ?? 'csv') as 'csv' | 'json';
  const only = stringOption(args, 'account');
  const outPath = stringOption(args, 'out');
  const location = walletLocation(readConfig(io.env), stringOption(args, 'mode') as Mode | undefined);
  const target = outPath ? resolve(io.cwd, outPath) : null;
  const partial = target ? `${target}.partial` : null;
  const fd = partial ? openSync(partial, 'w') : null;
  const write = (text: string) => (fd === null ? io.out(text) : writeSync(fd, text));
  const store = createEventStore(location.store);
  let rows = 0;
  const builder = new LedgerBuilder(tenantId);
  try {
    write(format === 'csv' ? csvLine(LEDGER_COLUMNS) : '[');
    for (let from = 0n; ; ) {
      const page = await store.readAll({ category: WALLET_CATEGORY, fromPosition: from, maxCount: PAGE });
      if (!page.length) break;
      from = page[page.length - 1].position;
      let chunk = '';
      for (const recorded of page) {
        if (only !== undefined && (recorded.metadata as unknown as WalletEventMetadata).accountId !== only) continue;
        const row = builder.add(recorded);
        if (!row) continue;
        chunk += format === 'csv' ? csvLine(LEDGER_COLUMNS.map((c: keyof LedgerRow) => row[c])) : `${rows ? ',' : ''}\n  ${JSON.stringify(row)}`;
        rows++;
      }
      if (chunk) write(chunk);
    }
    if (format === 'json') write(rows ? '\n]\n' : ']\n');
  } catch (error) {
    if (fd !== null) {
      closeSync(fd);
      rmSync(partial!, { force: true });
    }
    throw error;
  } finally {
    await store.close();
  }
  if (fd !== null) {
    closeSync(fd);
    renameSync(partial!, target!);
  }
  const summary = `exported ${rows} wallet event${rows === 1 ? '' : 's'} of ${builder.accounts} account${builder.accounts === 1 ? '' : 's'} of tenant ${tenantId}${only ? ` (account ${only})` : ''} as ${format}${target ? ` to ${target}` : ''} (${location.storeLabel})\n`;
  if (target) io.out(summary);
  else io.err(summary);
  if (!rows) io.err(`no wallet events for tenant "${tenantId}"${only ? ` and account "${only}"` : ''}: check the tenant id${only ? ' and the account id' : ''} and CREDITFLOW_DATA_DIR\n`);
  return 0;
}

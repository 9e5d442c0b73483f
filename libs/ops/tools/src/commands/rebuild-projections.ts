// rebuild-projections [--replace]: rebuilds the ops read models from the wallet's event store into a
// fresh file beside the live one, with progress (total, rate, ETA), and compares the result with the
// live projection. --replace swaps the rebuilt file in (the platform must be stopped).
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createEventStore } from '@creditflow/event-store';
import { OpsProjections } from '@creditflow/ops-projections';
import { rebuildProjections, stateLoader } from '@creditflow/ops-service';
import { readConfig } from '@creditflow/shell';
import { CommandSpec, ParsedArgs, flag, stringOption } from '../args';
import { OpsError, OpsIo } from '../io';
import { MODES, Mode, walletLocation } from '../locate';
import { ProgressReporter } from '../progress';

export const rebuildSpec: CommandSpec = {
  name: 'rebuild-projections',
  summary: "Rebuilds the ops read models from the wallet's event store and compares them with the live ones.",
  details: [
    "Reads every wallet event (DATABASE_URL, EVENTSTORE_CONNECTION_STRING or the SQLite store under CREDITFLOW_DATA_DIR: <data>/ in embedded mode, " +
      '<data>/wallet/ in distributed mode) into <dir>/ops-projections.rebuilt.sqlite beside the live ops-projections.sqlite, showing a progress bar ' +
      '(total, rate, ETA) on a terminal and plain lines otherwise; then says which tables differ from the live file (a running platform may be a few events ahead or behind). ' +
      'With --replace the rebuilt file replaces the live one: stop the platform (or the wallet) first; the command refuses while the live file is open. ' +
      '`npm run projections:rebuild` runs this command.',
  ],
  positionals: [],
  options: {
    replace: { kind: 'boolean', description: 'replace the live read model with the rebuilt one (platform stopped)' },
    mode: { kind: 'string', value: '<mode>', choices: MODES, description: 'embedded or distributed; default from the environment and data directory' },
  },
  examples: ['rebuild-projections', 'rebuild-projections --replace'],
};

const sqliteFiles = (path: string) => [path, `${path}-wal`, `${path}-shm`];

export async function rebuild(args: ParsedArgs, io: OpsIo): Promise<number> {
  const location = walletLocation(readConfig(io.env), stringOption(args, 'mode') as Mode | undefined);
  io.out(`wallet events from ${location.storeLabel} (${location.mode} mode: ${location.modeReason}); ops read model in ${location.dataDir}\n`);
  const store = createEventStore(location.store);
  const liveFile = join(location.dataDir, 'ops-projections.sqlite');
  const target = join(location.dataDir, 'ops-projections.rebuilt.sqlite');
  let live: OpsProjections | null = null;
  try {
    for (const f of sqliteFiles(target)) rmSync(f, { force: true });
    live = existsSync(liveFile) ? new OpsProjections(liveFile, stateLoader(store)) : null;
    const reporter = new ProgressReporter(io, 'wallet events');
    const result = await rebuildProjections(store, target, live, (done, total) => (done === 0 ? reporter.start(total) : reporter.update(done)));
    reporter.finish(result.events, `rebuilt from ${result.events.toLocaleString('en-US')} wallet events`);
    if (live) io.out(result.differences.length ? `differs from the live projection in: ${result.differences.join(', ')}\n` : 'equal to the live projection\n');
    else io.out(`no live projection at ${liveFile} to compare with\n`);
  } finally {
    live?.close();
    await store.close();
  }
  if (!flag(args, 'replace')) {
    io.out(`the rebuilt file is ${target}${existsSync(liveFile) ? ' (--replace swaps it in)' : ''}\n`);
    return 0;
  }
  // A -wal beside the live file after our handle closed means another process has it open: swapping
  // the file under it would lose what it writes (and its WAL would be replayed into the new file).
  if (sqliteFiles(liveFile).slice(1).some(existsSync)) {
    throw new OpsError(`${liveFile} is open in another process (its -wal/-shm files are there): stop the platform (or the wallet) and run --replace again; the rebuilt file stays at ${target}`);
  }
  renameSync(target, liveFile);
  io.out(`replaced ${liveFile}\n`);
  return 0;
}

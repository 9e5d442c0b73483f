// npm run projections:rebuild [-- --replace]: rebuilds the ops read models from the wallet's event
// store, shows progress, and compares the result with the live projection. --replace swaps the
// rebuilt file in (stop the platform first). It finds the wallet's store in every mode: DATABASE_URL,
// EVENTSTORE_CONNECTION_STRING, or the SQLite file of the distributed wallet (<data>/wallet/) or of
// the embedded platform (<data>/), whichever exists; the ops read model lives beside it.
import 'reflect-metadata';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createEventStore } from '@creditflow/event-store';
import { OpsProjections } from '@creditflow/ops-projections';
import { rebuildProjections, stateLoader } from '@creditflow/ops-service';
import { ConfigError, eventStoreFor, readConfig } from '@creditflow/shell';

async function main() {
  const config = readConfig();
  const distributed = join(config.dataDir, 'wallet');
  const mode = existsSync(join(distributed, 'events.sqlite')) || existsSync(join(distributed, 'ops-projections.sqlite')) ? 'distributed' : 'embedded';
  const dataDir = mode === 'distributed' ? distributed : config.dataDir;
  const storeConfig = eventStoreFor(config, mode, 'wallet', dataDir);
  if (storeConfig.kind === 'sqlite' && !existsSync(storeConfig.path)) {
    throw new ConfigError([`no wallet event store under CREDITFLOW_DATA_DIR=${config.dataDir} (looked for wallet/events.sqlite and events.sqlite); set it, or DATABASE_URL`]);
  }
  console.log(`wallet events from ${storeConfig.kind === 'sqlite' ? storeConfig.path : storeConfig.kind} (${mode} mode); ops read model in ${dataDir}`);
  const store = createEventStore(storeConfig);
  const liveFile = join(dataDir, 'ops-projections.sqlite');
  const target = join(dataDir, 'ops-projections.rebuilt.sqlite');
  rmSync(target, { force: true });
  const live = existsSync(liveFile) ? new OpsProjections(liveFile, stateLoader(store)) : null;
  const started = Date.now();
  const result = await rebuildProjections(store, target, live, (n) => process.stdout.write(`\rrebuilt from ${n} wallet events`));
  process.stdout.write(`\rrebuilt from ${result.events} wallet events in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  if (live) console.log(result.differences.length ? `differs from the live projection in: ${result.differences.join(', ')}` : 'equal to the live projection');
  live?.close();
  await store.close();
  if (process.argv.includes('--replace')) {
    renameSync(target, liveFile);
    console.log(`replaced ${liveFile}`);
  }
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});

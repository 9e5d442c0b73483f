// npm run projections:rebuild [-- --replace]: rebuilds the ops read models from the event store
// under CREDITFLOW_DATA_DIR, shows progress, and compares the result with the live projection.
// --replace swaps the rebuilt file in (stop the platform first).
import 'reflect-metadata';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createEventStore } from '@creditflow/event-store';
import { OpsProjections } from '@creditflow/ops-projections';
import { rebuildProjections, stateLoader } from '@creditflow/ops-service';

async function main() {
  const dataDir = resolve(process.env.CREDITFLOW_DATA_DIR || './data');
  const store = process.env.EVENTSTORE_CONNECTION_STRING
    ? createEventStore({ kind: 'esdb', connectionString: process.env.EVENTSTORE_CONNECTION_STRING })
    : createEventStore({ kind: 'sqlite', path: join(dataDir, 'events.sqlite') });
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
  console.error(error);
  process.exit(1);
});

// Embedded mode: the four services in one process, one HTTP port, the SQLite event store and the
// SQLite bus under CREDITFLOW_DATA_DIR.
import 'reflect-metadata';
import { ConfigError, createRuntime, hostServices } from '@creditflow/shell';
import { embeddedExtras, embeddedServices } from '@creditflow/platform';

async function main() {
  const runtime = await createRuntime('embedded');
  await hostServices({ runtime, services: embeddedServices, extras: embeddedExtras, port: runtime.port ?? 3000 });
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});

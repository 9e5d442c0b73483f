// npm run projections:rebuild [-- --replace]: the same as `npm run ops -- rebuild-projections`
// (libs/ops/tools/src/commands/rebuild-projections.ts): rebuilds the ops read models from the
// wallet's event store with a progress bar, compares them with the live ones, --replace swaps them in.
import 'reflect-metadata';
import { processIo, runOps } from '@creditflow/ops-tools';

runOps(['rebuild-projections', ...process.argv.slice(2)], processIo()).then((code) => {
  process.exitCode = code;
});

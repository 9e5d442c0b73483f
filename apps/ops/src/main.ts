// npm run ops -- <command>: the operator's command line (libs/ops/tools). `npm run ops -- --help`
// lists the commands; after `npm run build`, `node dist/apps/ops/src/main.js <command>`.
import 'reflect-metadata';
import { processIo, runOps } from '@creditflow/ops-tools';

runOps(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);

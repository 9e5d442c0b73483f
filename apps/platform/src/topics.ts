// npm run topics (and `node dist/apps/platform/src/topics.js` in the images): creates every topic the
// platform uses, with its .dlq, on the cluster KAFKA_BROKERS names. The same as `npm run ops -- topics`
// (libs/ops/tools/src/commands/topics.ts), kept at this path for the deployments that run it.
import 'reflect-metadata';
import { processIo, runOps } from '@creditflow/ops-tools';

runOps(['topics', ...process.argv.slice(2)], processIo()).then((code) => {
  process.exitCode = code;
});

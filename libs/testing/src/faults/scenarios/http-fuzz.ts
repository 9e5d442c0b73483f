// HTTP fuzzing of every operation in the embedded platform's /openapi.json (fuzz-inputs.ts), on the
// platform and accounts the kill scenario left: no input may get a 5xx or bring the process down,
// the key checks answer as the contract says (401, 403, 404 for another tenant), and nothing may
// change: the event store holds as many events after as before, and every account agrees with the ledger.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Context, KEYS } from '../context';
import { ConnectionLost, HttpAnswer, NoAnswer, send } from '../http';
import { LedgerClient } from '../http-client';
import { FuzzInput, fuzzInputs, operationsOf } from '../fuzz-inputs';
import { priceOf } from '../prices';
import { ScenarioReport } from '../report';
import { EmbeddedDeployment } from './embedded-kill';

const CONCURRENCY = 8;

interface StoreCounts {
  events: number;
  lastPosition: number;
}

/**
 * What the event store holds, read from its file: every change of state is an event there (HTTP
 * handlers never publish on the bus themselves; messages leave from the store), so no new event
 * means nothing changed. (The bus is no measure: after a kill the store publishers catch up on
 * their own time, which may be during the fuzzing.)
 */
function storeCounts(dataDir: string): StoreCounts {
  const events = new Database(join(dataDir, 'events.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const e = events.prepare('SELECT count(*) AS n, coalesce(max(position), 0) AS p FROM events').get() as { n: number; p: number };
    return { events: e.n, lastPosition: e.p };
  } finally {
    events.close();
  }
}

function appendedSince(dataDir: string, position: number): string[] {
  const events = new Database(join(dataDir, 'events.sqlite'), { readonly: true });
  try {
    return (events.prepare('SELECT stream, type, data FROM events WHERE position > ? ORDER BY position LIMIT 20').all(position) as { stream: string; type: string; data: string }[])
      .map((e) => `${e.stream} ${e.type} ${e.data.slice(0, 200)}`);
  } finally {
    events.close();
  }
}

/**
 * A value for every path parameter of /openapi.json (the OpenAPI int test checks there is one): the
 * account and usage are set up real and funded; the rest name nothing, or a member with no limit.
 */
export const FUZZ_PATH_VALUES = {
  accountId: 'fz-target', usageId: 'fz-target-usage', refundId: 'fz-no-refund', userId: 'fz-member', webhookId: 'fz-webhook', deliveryId: 'fz-no-delivery',
};

export async function httpFuzz(ctx: Context, embedded: EmbeddedDeployment): Promise<ScenarioReport> {
  const report = new ScenarioReport('http-fuzz', 'hostile inputs to every operation of /openapi.json');
  const rng = ctx.rng.fork('http-fuzz');
  const url = embedded.process.url;
  const client = new LedgerClient(embedded.target, embedded.ledger, report);

  const doc = await send(url, { method: 'GET', path: '/openapi.json' });
  if (doc.status !== 200 || !doc.body?.paths) throw new Error(`GET /openapi.json answered ${doc.status}`);
  const ops = operationsOf(doc.body);

  // The account and usage well-formed requests name: real, funded, with history, so an input
  // wrongly taken for valid would change something the ledger knows.
  await client.openAccount('fz-target');
  await client.purchase('fz-target', 'fz-target-purchase');
  const usage = { usageId: FUZZ_PATH_VALUES.usageId, accountId: 'fz-target', feature: 'qwen-image' as const };
  if (await client.authorize(usage, priceOf(usage))) await client.complete(usage.usageId);
  const [setupSent, setupAcked] = [report.sent, report.acked];
  let fresh = 0;
  const targets = {
    pathValues: FUZZ_PATH_VALUES,
    freshId: () => `fz-${++fresh}`,
  };
  const inputs = fuzzInputs(ops, { byRole: { admin: KEYS.admin, ops: KEYS.ops, service: KEYS.service }, foreign: KEYS.foreignAdmin }, targets, rng, 3 * ctx.scale);
  const byKind = new Map<string, number>();
  for (const i of inputs) byKind.set(i.kind, (byKind.get(i.kind) ?? 0) + 1);
  report.log(`${inputs.length} inputs for ${ops.length} operations (${[...byKind].map(([k, n]) => `${n} ${k}`).join(', ')})`);

  const before = storeCounts(embedded.dataDir);
  report.check('before fuzzing', await client.compareAll());

  const statuses = new Map<number, number>();
  let unsendable = 0;
  let dropped = 0;
  let next = 0;
  const label = (i: FuzzInput) => `${i.operation} [${i.kind}: ${i.what}]`;
  const check = (input: FuzzInput, answer: HttpAnswer) => {
    statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    if (process.env.FAULTS_DEBUG) report.log(`${answer.status} ${label(input)} ${answer.text.slice(0, 160)}`);
    if (answer.status >= 500) report.discrepancy(`${label(input)} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
    else if (input.status !== undefined && answer.status !== input.status) report.discrepancy(`${label(input)} answered ${answer.status}, the contract says ${input.status}: ${answer.text.slice(0, 200)}`);
    else if (answer.status >= 400 && answer.status !== 431 && typeof answer.body?.error !== 'string') report.discrepancy(`${label(input)} answered ${answer.status} without the error shape: ${answer.text.slice(0, 200)}`);
  };
  const worker = async () => {
    while (next < inputs.length && embedded.process.alive) {
      const input = inputs[next++];
      report.sent++;
      report.faults++;
      try {
        const answer = await send(url, { method: input.method, path: input.path, key: input.key, json: input.json, raw: input.raw, headers: input.headers });
        report.acked++;
        check(input, answer);
      } catch (error) {
        const big = Buffer.byteLength(input.raw ?? '') > 100 * 1024;
        if (error instanceof ConnectionLost && big && embedded.process.alive) {
          dropped++; // the server answered 413 and closed the connection before reading the rest: its right
        } else if (error instanceof ConnectionLost || error instanceof NoAnswer) {
          report.discrepancy(`${label(input)}: ${error.message}${embedded.process.alive ? '' : ` (the platform died: ${embedded.process.ending})`}`);
        } else {
          if (process.env.FAULTS_DEBUG) report.log(`unsendable ${label(input)}: ${(error as Error).message}`);
          unsendable++; // node:http refuses to send it (a path or header it will not write)
        }
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (!embedded.process.alive) throw new Error(`the platform died during the fuzzing (${embedded.process.ending}); see ${embedded.spec.logFile}`);

  report.note(`${setupSent} set-up commands (${setupAcked} answered) before the ${inputs.length} inputs`);
  const after = storeCounts(embedded.dataDir);
  if (after.events !== before.events) {
    report.discrepancy(`the event store went from ${before.events} to ${after.events} events: ${appendedSince(embedded.dataDir, before.lastPosition).join(' | ')}`);
  }
  report.check('after fuzzing', await client.compareAll());
  report.log(`answers by status: ${[...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}: ${n}`).join(', ')}`);
  if (unsendable) report.note(`${unsendable} inputs node:http would not send (skipped)`);
  if (dropped) report.note(`${dropped} oversized bodies refused with the connection closed before they were read`);
  report.log(`event store before and after: ${before.events} and ${after.events} events`);
  return report;
}

#!/usr/bin/env node
// Distributed mode on one machine (`npm run start:distributed`): the four services, each its own
// process, talking over Kafka. Plain Node, no dependencies.
//
//   node scripts/start-distributed.mjs [service...]   (default: all four)
//
// KAFKA_BROKERS set: the services use that cluster. Unset: a local single-node broker is started
// with scripts/kafka/kafka.sh on 127.0.0.1:${KAFKA_PORT:-9092} (a broker kafka.sh already runs there
// is reused) and stopped on exit only if this script started it.
// Ports: PRICING_PORT (3001), WALLET_PORT (3002), SCHEDULER_PORT (3003), REFUND_PORT (3004).
// Every other variable (CREDITFLOW_API_KEYS, CREDITFLOW_DATA_DIR, DATABASE_URL, ...) is passed
// through to the services; CREDITFLOW_CREATE_TOPICS defaults to true here (a developer's broker).
// Each output line is prefixed with its service's name. SIGINT/SIGTERM are forwarded; if one service
// exits, the others are stopped and this script exits non-zero.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const kafkaScript = join(repoRoot, 'scripts', 'kafka', 'kafka.sh');
const STOP_GRACE_MS = 20_000;

const SERVICES = [
  { name: 'pricing', main: 'apps/pricing/src/main.ts', portVar: 'PRICING_PORT', port: 3001 },
  { name: 'wallet', main: 'apps/wallet/src/main.ts', portVar: 'WALLET_PORT', port: 3002 },
  { name: 'subscription-scheduler', main: 'apps/subscription-scheduler/src/main.ts', portVar: 'SCHEDULER_PORT', port: 3003 },
  { name: 'refund', main: 'apps/refund/src/main.ts', portVar: 'REFUND_PORT', port: 3004 },
];

const width = Math.max(...SERVICES.map((s) => s.name.length), 'start-distributed'.length);
const say = (line, name = 'start-distributed') => process.stdout.write(`${name.padEnd(width)} | ${line}\n`);
const warn = (line) => process.stderr.write(`${'start-distributed'.padEnd(width)} | ${line}\n`);

// --- which services -----------------------------------------------------------------------------

const wanted = process.argv.slice(2);
const unknown = wanted.filter((n) => !SERVICES.some((s) => s.name === n));
if (unknown.length) {
  warn(`unknown service(s): ${unknown.join(', ')} (known: ${SERVICES.map((s) => s.name).join(', ')})`);
  process.exit(2);
}
const selected = wanted.length ? SERVICES.filter((s) => wanted.includes(s.name)) : SERVICES;
for (const s of selected) {
  if (!existsSync(join(repoRoot, s.main))) {
    warn(`${s.main} not found`);
    process.exit(1);
  }
  const raw = process.env[s.portVar];
  if (raw !== undefined && !/^\d+$/.test(raw)) {
    warn(`${s.portVar} must be a port number, got "${raw}"`);
    process.exit(2);
  }
}

// --- state and shutdown -------------------------------------------------------------------------

/** @type {Map<string, import('node:child_process').ChildProcess>} */
const children = new Map();
let kafkaStartedHere = false;
let starting = true;
let stopping = false;
let exitCode = 0;
let killTimer;

function run(command, args) {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (error) => {
      warn(`${command}: ${error.message}`);
      resolvePromise(1);
    });
    child.on('exit', (code, signal) => resolvePromise(code ?? (signal ? 1 : 0)));
  });
}

function signalChildren(signal) {
  for (const child of children.values()) {
    // Each service runs in its own process group (detached), so signal the group: node and anything it spawned.
    try {
      process.kill(-child.pid, signal);
    } catch {
      try {
        child.kill(signal);
      } catch {
        /* already gone */
      }
    }
  }
}

async function finish() {
  clearTimeout(killTimer);
  if (kafkaStartedHere) {
    say('stopping the Kafka broker this script started');
    if ((await run('bash', [kafkaScript, 'stop'])) !== 0) exitCode ||= 1;
  }
  process.exit(exitCode);
}

function stopAll(reason, code, signal = 'SIGTERM') {
  if (stopping) return;
  stopping = true;
  exitCode = code;
  say(reason);
  if (starting) return; // the start-up sequence sees `stopping` and finishes
  if (children.size === 0) {
    void finish();
    return;
  }
  signalChildren(signal);
  killTimer = setTimeout(() => {
    warn(`services still running after ${STOP_GRACE_MS / 1000}s: ${[...children.keys()].join(', ')}; killing them`);
    signalChildren('SIGKILL');
  }, STOP_GRACE_MS);
  killTimer.unref();
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) {
      // A second Ctrl-C: do not wait any longer.
      if (children.size) {
        warn(`${signal} again: killing ${[...children.keys()].join(', ')}`);
        signalChildren('SIGKILL');
      }
      return;
    }
    stopAll(`${signal}: stopping ${[...children.keys()].join(', ') || 'start-up'}`, 0, signal);
  });
}

// Last resort if this process exits some other way: do not leave services behind.
process.on('exit', () => {
  if (children.size) signalChildren('SIGKILL');
});

// --- start --------------------------------------------------------------------------------------

async function ensureKafka() {
  if (process.env.KAFKA_BROKERS) {
    say(`using KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`);
    return process.env.KAFKA_BROKERS;
  }
  const port = process.env.KAFKA_PORT || '9092';
  const running = (await run('bash', [kafkaScript, 'status'])) === 0;
  // Set before starting: a start that fails half-way still gets stopped.
  kafkaStartedHere = !running;
  if ((await run('bash', [kafkaScript, 'start'])) !== 0) {
    throw new Error('could not start the local Kafka broker (scripts/kafka/kafka.sh start; needs Java 17 and Maven)');
  }
  return `127.0.0.1:${port}`;
}

function startService(service, brokers) {
  const port = process.env[service.portVar] || String(service.port);
  const child = spawn(process.execPath, ['-r', '@swc-node/register', service.main], {
    cwd: repoRoot,
    // A developer's broker: the services create missing topics (production runs `npm run topics` first).
    env: { CREDITFLOW_CREATE_TOPICS: 'true', ...process.env, PORT: port, KAFKA_BROKERS: brokers },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: a terminal Ctrl-C reaches only this script, which forwards it once
  });
  children.set(service.name, child);
  for (const stream of [child.stdout, child.stderr]) {
    const out = stream === child.stdout ? process.stdout : process.stderr;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => out.write(`${service.name.padEnd(width)} | ${line}\n`));
  }
  child.on('error', (error) => {
    warn(`${service.name}: ${error.message}`);
  });
  child.on('close', (code, signal) => {
    children.delete(service.name);
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    if (stopping) {
      say(`${service.name} stopped (${how})`);
      if (children.size === 0) void finish();
    } else {
      stopAll(`${service.name} exited unexpectedly (${how}); stopping the others`, code || 1);
    }
  });
  say(`${service.name} starting on port ${port} (pid ${child.pid})`);
}

try {
  const brokers = await ensureKafka();
  starting = false;
  if (stopping) {
    await finish();
  } else {
    for (const service of selected) startService(service, brokers);
  }
} catch (error) {
  warn(error instanceof Error ? error.message : String(error));
  starting = false;
  exitCode = stopping ? exitCode : 1;
  stopping = true;
  await finish();
}

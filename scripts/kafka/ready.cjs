#!/usr/bin/env node
// Waits until a Kafka broker answers an admin call (list topics), the readiness check STACK.md asks
// for instead of watching log lines. Used by scripts/kafka/kafka.sh and the e2e jest globalSetup.
//
//   node scripts/kafka/ready.cjs --brokers 127.0.0.1:9092 [--timeout 60] [--pid 1234]
//
// Exit status: 0 ready, 1 no answer before the timeout, 2 the broker process (--pid) exited.
'use strict';

const fs = require('node:fs');
const { Kafka, logLevel } = require('kafkajs');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const parseBrokers = (brokers) =>
  (Array.isArray(brokers) ? brokers : String(brokers ?? '').split(','))
    .map((b) => b.trim())
    .filter(Boolean);

/** True while the process runs (a zombie has exited, though `kill -0` still succeeds on it). */
function isAlive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch (error) {
    if (error.code !== 'ENOENT' || fs.existsSync('/proc/self/stat')) return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

class BrokerExitedError extends Error {}

/**
 * Resolves with the topic names once the broker answers `listTopics`; rejects after `timeoutMs`,
 * or as soon as process `pid` (when given) has exited.
 */
async function waitForKafka({ brokers, timeoutMs = 60_000, intervalMs = 250, pid } = {}) {
  const list = parseBrokers(brokers);
  if (list.length === 0) throw new Error('waitForKafka: no brokers given');
  const deadline = Date.now() + timeoutMs;
  const kafka = new Kafka({
    clientId: 'creditflow-kafka-ready',
    brokers: list,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
  });
  let lastError;
  for (;;) {
    if (pid && !isAlive(pid)) throw new BrokerExitedError(`broker process ${pid} exited`);
    const admin = kafka.admin();
    try {
      await admin.connect();
      return await admin.listTopics();
    } catch (error) {
      lastError = error;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    if (Date.now() + intervalMs > deadline) {
      const reason = lastError ? `: ${lastError.message}` : '';
      throw new Error(`no answer from Kafka at ${list.join(',')} within ${timeoutMs / 1000}s${reason}`);
    }
    await sleep(intervalMs);
  }
}

module.exports = { waitForKafka, parseBrokers, BrokerExitedError };

if (require.main === module) {
  const args = { brokers: process.env.KAFKA_BROKERS, timeout: '60', pid: undefined };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    if (!(name in args) || argv[i + 1] === undefined) {
      process.stderr.write('usage: ready.cjs --brokers host:port[,host:port] [--timeout seconds] [--pid pid]\n');
      process.exit(64);
    }
    args[name] = argv[i + 1];
  }
  waitForKafka({
    brokers: args.brokers,
    timeoutMs: Number(args.timeout) * 1000,
    pid: args.pid ? Number(args.pid) : undefined,
  }).then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`kafka: ${error.message}\n`);
      process.exit(error instanceof BrokerExitedError ? 2 : 1);
    },
  );
}

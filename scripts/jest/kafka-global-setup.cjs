// globalSetup of the e2e jest project: the e2e tests run against a real Kafka broker and are never
// skipped. `npm test` (scripts/test.sh) starts one and sets KAFKA_BROKERS; anyone running jest
// directly points KAFKA_BROKERS at a broker (e.g. after `bash scripts/kafka/kafka.sh start`).
'use strict';

const { waitForKafka } = require('../kafka/ready.cjs');

module.exports = async function kafkaGlobalSetup() {
  const brokers = (process.env.KAFKA_BROKERS ?? '').trim();
  if (!brokers) {
    throw new Error(
      'e2e tests need a real Kafka broker: run them through `npm test`, or set KAFKA_BROKERS ' +
        '(e.g. `bash scripts/kafka/kafka.sh start` then KAFKA_BROKERS=127.0.0.1:9092)',
    );
  }
  try {
    await waitForKafka({ brokers, timeoutMs: 10_000 });
  } catch (error) {
    throw new Error(`e2e tests need a real Kafka broker, and none answers at KAFKA_BROKERS=${brokers} (${error.message})`);
  }
  process.stderr.write(`e2e: using Kafka broker at ${brokers}\n`);
};

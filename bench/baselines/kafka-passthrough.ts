// Baseline: raw kafkajs consume -> produce of the same messages on the same broker, the least any
// Kafka service does per message. Consumes IN in batches (eachBatch, as the platform's Kafka bus
// does), produces every message unchanged (key and value) to OUT with acks=all, then commits.
// Its own process; answers GET /health with 200 once its consumer has joined the group.
//   KAFKA_BROKERS=127.0.0.1:9092 IN=bench.in OUT=bench.out PORT=4001 node -r @swc-node/register bench/baselines/kafka-passthrough.ts
import { Kafka, logLevel } from 'kafkajs';
import { createServer } from 'node:http';

async function main() {
  const kafka = new Kafka({ clientId: 'bench-passthrough', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.WARN });
  const producer = kafka.producer();
  await producer.connect();
  // The same consumer settings as the platform's Kafka bus.
  const consumer = kafka.consumer({ groupId: process.env.GROUP ?? 'bench-passthrough', sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic: process.env.IN!, fromBeginning: true });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat }) => {
      if (!batch.messages.length) return;
      await producer.send({ topic: process.env.OUT!, acks: -1, messages: batch.messages.map((m) => ({ key: m.key, value: m.value })) });
      resolveOffset(batch.messages[batch.messages.length - 1].offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    },
  });
  const server = createServer((_req, res) => {
    res.writeHead(joined ? 200 : 503).end(joined ? 'ok' : 'joining');
  }).listen(Number(process.env.PORT), '127.0.0.1');
  process.on('SIGTERM', async () => {
    server.close();
    await consumer.disconnect();
    await producer.disconnect();
    process.exit(0);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

// Smoke test of the e2e tier's Kafka broker (KAFKA_BROKERS, started by scripts/test.sh): a topic
// can be created, keyed messages produced, and a new consumer group reads them back in order.
import { randomUUID } from 'node:crypto';
import { Admin, Consumer, Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { waitFor } from '@creditflow/kernel/testing';
import { kafkaBrokers } from './distributed-services';

// Explicit timeouts: jest 29 ignores `testTimeout` inside a `projects` entry of jest.config.cjs.
const brokers = kafkaBrokers();

describe('Kafka broker (e2e smoke)', () => {
  const run = randomUUID();
  const topic = `smoke.kafka-broker.${run}`;
  const kafka = new Kafka({ clientId: `smoke-${run}`, brokers, logLevel: logLevel.NOTHING });
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;

  beforeAll(async () => {
    if (brokers.length === 0) throw new Error('KAFKA_BROKERS is not set');
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  }, 60_000);

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await admin?.disconnect();
  });

  it('delivers keyed messages to a new consumer group, in order', async () => {
    const key = `account-${run}`; // one key: one partition, so the order is guaranteed
    const values = ['reserved:10', 'captured:7', 'released:3'];

    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ key, value })) });

    const received: Array<{ key: string | undefined; value: string | undefined }> = [];
    consumer = kafka.consumer({ groupId: `smoke-${run}`, maxWaitTimeInMs: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push({ key: message.key?.toString(), value: message.value?.toString() });
      },
    });

    await waitFor(`${values.length} messages on ${topic}`, () => (received.length >= values.length ? true : undefined), 30_000);
    expect(received.map((m) => m.value)).toEqual(values);
    expect(received.every((m) => m.key === key)).toBe(true);
  }, 60_000);
});

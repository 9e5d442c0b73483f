// dead-letters list|show|replay: the `.dlq` topics of the bus the platform runs on (the SQLite bus in
// embedded mode, Kafka in distributed mode). Replay republishes the original message, whole, to its
// original topic with its original key; the consumers are idempotent by id, so a replay of something
// that was meanwhile processed changes nothing.
import { ALL_TOPICS } from '@creditflow/contracts';
import { readConfig } from '@creditflow/shell';
import { CommandSpec, ParsedArgs, UsageError, flag, integerOption, stringOption } from '../args';
import { ParsedDeadLetter, dlqTopicOf, formatListEntry, formatShow, parseDeadLetter, parseRecordId, replayPlan } from '../dead-letters';
import { DeadLetterBus, deadLetterBus } from '../dlq-buses';
import { OpsIo } from '../io';
import { MODES, Mode } from '../locate';

const ACTIONS = ['list', 'show', 'replay'] as const;

export const deadLettersSpec: CommandSpec = {
  name: 'dead-letters',
  summary: 'Lists, shows and replays the messages consumers could not process (the .dlq topic beside each consumed topic).',
  details: [
    'list: without --topic, how many dead letters each .dlq topic holds; with it, each record (offset, when, the original topic, ' +
      'partition and offset, key, size, whether it can be replayed, and the reason). show: one record whole. replay: republishes the ' +
      'original message of one record (--offset) or of every record from --from-offset (at most --limit) to its original topic, with its key.',
    'A record keeps the original value only up to 64 KiB (truncated: true beyond): such a record is refused, as is one whose key was cut ' +
      'or whose value is not JSON. The bus is the SQLite bus of CREDITFLOW_DATA_DIR in embedded mode, Kafka (KAFKA_BROKERS) in distributed mode.',
  ],
  positionals: [{ name: 'action', description: `${ACTIONS.join(' | ')}`, required: true }],
  options: {
    topic: { kind: 'string', value: '<topic>', description: 'the topic or its .dlq (creditflow.usage.v1 and creditflow.usage.v1.dlq are the same)' },
    offset: { kind: 'string', value: '<n|p:n>', description: 'show/replay: one record, by offset (partition 0) or partition:offset' },
    'from-offset': { kind: 'integer', value: '<n>', description: 'list/replay: records from this offset on (inclusive)' },
    partition: { kind: 'integer', value: '<p>', description: 'only this partition (Kafka); default all' },
    limit: { kind: 'integer', value: '<n>', description: 'at most this many records (default 50 for list, 100 for replay)' },
    'dry-run': { kind: 'boolean', description: 'replay: say what would be replayed, publish nothing' },
    mode: { kind: 'string', value: '<mode>', choices: MODES, description: 'embedded (SQLite bus) or distributed (Kafka); default from the environment and data directory' },
    json: { kind: 'boolean', description: 'list/show: print JSON' },
  },
  examples: [
    'dead-letters list',
    'dead-letters list --topic creditflow.usage.v1 --from-offset 120',
    'dead-letters show --topic creditflow.usage.v1.dlq --offset 0:131',
    'dead-letters replay --topic creditflow.usage.v1 --offset 131 --dry-run',
  ],
};

export async function deadLetters(args: ParsedArgs, io: OpsIo): Promise<number> {
  const action = args.positionals[0] as (typeof ACTIONS)[number];
  if (!ACTIONS.includes(action)) throw new UsageError(`dead-letters needs list, show or replay, not "${args.positionals[0]}"`, deadLettersSpec);
  const topicOption = stringOption(args, 'topic');
  if (action !== 'list' && !topicOption) throw new UsageError(`dead-letters ${action} needs --topic`, deadLettersSpec);
  const partition = integerOption(args, 'partition');
  const bus = deadLetterBus(readConfig(io.env), stringOption(args, 'mode') as Mode | undefined);
  try {
    if (!topicOption) return await summary(bus, io, flag(args, 'json'));
    const topic = dlqTopicOf(topicOption);
    const one = stringOption(args, 'offset');
    const from = integerOption(args, 'from-offset');
    if (one !== undefined && from !== undefined) throw new UsageError('give --offset (one record) or --from-offset (a range), not both', deadLettersSpec);
    let id: { partition: number | undefined; offset: bigint } | undefined;
    if (one !== undefined) {
      try {
        id = parseRecordId(one, partition === undefined ? undefined : Number(partition));
      } catch (error) {
        throw new UsageError((error as Error).message, deadLettersSpec);
      }
    }
    const read = async (limit: number) => {
      const range = id
        ? { partition: id.partition ?? 0, fromOffset: id.offset, toOffset: id.offset + 1n, limit: 1 }
        : { partition: partition === undefined ? undefined : Number(partition), fromOffset: from, limit };
      return (await bus.read(topic, range)).map(parseDeadLetter);
    };
    if (action === 'list') {
      if (one !== undefined) throw new UsageError('list takes --from-offset, not --offset (show takes --offset)', deadLettersSpec);
      return list(topic, await read(Number(integerOption(args, 'limit') ?? 50n)), bus, io, flag(args, 'json'));
    }
    if (action === 'show') {
      if (!id) throw new UsageError('dead-letters show needs --offset', deadLettersSpec);
      const [letter] = await read(1);
      if (!letter) return notFound(topic, one!, bus, io);
      io.out(flag(args, 'json') ? `${JSON.stringify({ topic, id: letter.id, time: letter.time, source: letter.source, data: letter.data, replay: replayPlan(letter) }, null, 2)}\n` : formatShow(topic, letter));
      return 0;
    }
    if (!id && from === undefined) throw new UsageError('dead-letters replay needs --offset (one record) or --from-offset (every record from there)', deadLettersSpec);
    const letters = await read(Number(integerOption(args, 'limit') ?? 100n));
    if (!letters.length) return notFound(topic, one ?? `${from} on`, bus, io);
    return replay(topic, letters, bus, io, flag(args, 'dry-run'));
  } finally {
    await bus.close();
  }
}

async function summary(bus: DeadLetterBus, io: OpsIo, json: boolean): Promise<number> {
  const counts = await bus.counts(ALL_TOPICS.filter((t) => t.endsWith('.dlq')));
  if (json) io.out(`${JSON.stringify({ bus: bus.label, topics: counts }, null, 2)}\n`);
  else if (!counts.length) io.out(`no dead letters on ${bus.label}\n`);
  else {
    io.out(`dead letters on ${bus.label}:\n`);
    const width = Math.max(...counts.map((c) => c.topic.length));
    for (const c of counts) io.out(`  ${c.topic.padEnd(width)}  ${c.count}\n`);
    io.out('(dead-letters list --topic <topic> shows them)\n');
  }
  return 0;
}

function list(topic: string, letters: ParsedDeadLetter[], bus: DeadLetterBus, io: OpsIo, json: boolean): number {
  if (json) {
    io.out(`${JSON.stringify({ topic, bus: bus.label, records: letters.map((l) => ({ id: l.id, time: l.time, source: l.source, data: l.data, replayable: replayPlan(l).ok })) }, null, 2)}\n`);
    return 0;
  }
  if (!letters.length) {
    io.out(`no dead letters on ${topic} (${bus.label})\n`);
    return 0;
  }
  io.out(`${topic} on ${bus.label}: ${letters.length} record${letters.length === 1 ? '' : 's'}\n`);
  for (const letter of letters) io.out(formatListEntry(letter));
  return 0;
}

async function replay(topic: string, letters: ParsedDeadLetter[], bus: DeadLetterBus, io: OpsIo, dryRun: boolean): Promise<number> {
  let refused = 0;
  for (const letter of letters) {
    const plan = replayPlan(letter);
    if (!plan.ok) {
      refused++;
      io.err(`refused ${topic} ${letter.id}: ${plan.reason}\n`);
      continue;
    }
    if (!dryRun) await bus.republish(plan.topic, plan.key, plan.value);
    io.out(`${dryRun ? 'would replay' : 'replayed'} ${topic} ${letter.id} -> ${plan.topic} (key ${plan.key ?? '(none)'}, ${plan.value.length} chars)\n`);
  }
  if (letters.length > 1) io.out(`${letters.length - refused} ${dryRun ? 'to replay' : 'replayed'}, ${refused} refused\n`);
  return refused ? 1 : 0;
}

function notFound(topic: string, which: string, bus: DeadLetterBus, io: OpsIo): number {
  io.err(`no dead letter at offset ${which} of ${topic} (${bus.label}); dead-letters list --topic ${topic} shows what is there\n`);
  return 1;
}

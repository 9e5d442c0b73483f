// Dead-letter records (`creditflow.dlq.message` on `<topic>.dlq`, see libs/messaging/src/dead-letters.ts):
// reading them back and deciding whether one can be replayed. Pure: the buses are in dlq-buses.ts.
import { DEAD_LETTER_LIMITS, DeadLetterData } from '@creditflow/messaging';

/** A message as stored on a `.dlq` topic (the SQLite bus has one partition per topic, 0). */
export interface DeadLetterRecord {
  partition: number;
  offset: string;
  key: string | null;
  /** The dead-letter CloudEvent, as JSON text. */
  value: string;
}

export interface ParsedDeadLetter {
  record: DeadLetterRecord;
  /** `partition:offset` on the .dlq topic. */
  id: string;
  /** The dead-letter event's time (when it was dead-lettered). */
  time: string | null;
  /** Which consumer dead-lettered it (the CloudEvent's source). */
  source: string | null;
  data: DeadLetterData | null;
  /** Why `data` is null: the record is not a dead-letter CloudEvent. */
  problem?: string;
}

export type ReplayPlan = { ok: true; topic: string; key: string | null; value: string } | { ok: false; reason: string };

/** `creditflow.usage.v1` and `creditflow.usage.v1.dlq` both name the dead letters of the usage topic. */
export function dlqTopicOf(topic: string): string {
  return topic.endsWith('.dlq') ? topic : `${topic}.dlq`;
}

export function recordId(record: Pick<DeadLetterRecord, 'partition' | 'offset'>): string {
  return `${record.partition}:${record.offset}`;
}

/** `7` or `0:7` (partition:offset) as given to --offset. */
export function parseRecordId(text: string, partition?: number): { partition: number | undefined; offset: bigint } {
  const m = /^(?:(\d+):)?(\d+)$/.exec(text);
  if (!m) throw new Error(`"${text}" is not an offset (7, or partition:offset such as 0:7)`);
  const given = m[1] === undefined ? undefined : Number(m[1]);
  if (given !== undefined && partition !== undefined && given !== partition) throw new Error(`--offset ${text} names partition ${given}, --partition says ${partition}`);
  return { partition: given ?? partition, offset: BigInt(m[2]) };
}

export function parseDeadLetter(record: DeadLetterRecord): ParsedDeadLetter {
  const base = { record, id: recordId(record), time: null, source: null };
  let event: unknown;
  try {
    event = JSON.parse(record.value);
  } catch {
    return { ...base, data: null, problem: 'the record is not JSON' };
  }
  const e = event as { type?: unknown; time?: unknown; source?: unknown; data?: Partial<DeadLetterData> } | null;
  const time = typeof e?.time === 'string' ? e.time : null;
  const source = typeof e?.source === 'string' ? e.source : null;
  if (!e || e.type !== 'creditflow.dlq.message' || !e.data || typeof e.data !== 'object') {
    return { ...base, time, source, data: null, problem: `not a dead-letter record (type ${JSON.stringify(e?.type ?? null)})` };
  }
  const d = e.data;
  const wellFormed =
    typeof d.reason === 'string' && typeof d.topic === 'string' && typeof d.partition === 'number' && typeof d.offset === 'string' &&
    (d.key === null || typeof d.key === 'string') && typeof d.value === 'string' && typeof d.valueLength === 'number' && typeof d.truncated === 'boolean';
  if (!wellFormed) return { ...base, time, source, data: null, problem: 'a dead-letter record without the fields reason, topic, partition, offset, key, value, valueLength, truncated' };
  return { ...base, time, source, data: d as DeadLetterData };
}

/**
 * Whether a dead letter can be replayed from its record: only when the record holds the original
 * message whole (value not truncated, key not cut), and the value is JSON (anything else would only
 * be dead-lettered again). The replay is the original value, with the original key, to the original topic.
 */
export function replayPlan(letter: ParsedDeadLetter): ReplayPlan {
  const d = letter.data;
  if (!d) return { ok: false, reason: letter.problem ?? 'not a dead-letter record' };
  const where = `the whole message is on ${d.topic} partition ${d.partition} offset ${d.offset} until the topic's retention removes it`;
  if (d.truncated) {
    return { ok: false, reason: `the record holds only the first ${d.value.length} of the original's ${d.valueLength} characters (truncated: true): it cannot be replayed from here; ${where}` };
  }
  if (d.value.length !== d.valueLength) return { ok: false, reason: `the record's value has ${d.value.length} characters, the original had ${d.valueLength}: not the whole message; ${where}` };
  if (d.key !== null && d.key.length > DEAD_LETTER_LIMITS.key) return { ok: false, reason: `the original key was cut to ${DEAD_LETTER_LIMITS.key} characters: replaying it would address another account; ${where}` };
  if (!d.topic) return { ok: false, reason: 'the record names no original topic' };
  try {
    JSON.parse(d.value);
  } catch {
    return { ok: false, reason: 'the original value is not JSON: replayed, it would only be dead-lettered again' };
  }
  return { ok: true, topic: d.topic, key: d.key, value: d.value };
}

const oneLine = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** Two lines per record for `dead-letters list`. */
export function formatListEntry(letter: ParsedDeadLetter): string {
  const d = letter.data;
  if (!d) return `${letter.id}  ${letter.time ?? ''}  (${letter.problem})\n`;
  const plan = replayPlan(letter);
  return (
    `${letter.id}  ${letter.time ?? '-'}  from ${d.topic} ${d.partition}:${d.offset}  key ${d.key ?? '(none)'}  ${d.valueLength} chars${d.truncated ? ' (truncated)' : ''}` +
    `  ${plan.ok ? 'replayable' : 'not replayable'}\n    ${oneLine(d.reason, 200)}\n`
  );
}

/** Everything a record holds, for `dead-letters show`: the original value pretty-printed where it is JSON. */
export function formatShow(topic: string, letter: ParsedDeadLetter): string {
  const d = letter.data;
  const lines = [`${topic} ${letter.id}`, `  dead-lettered: ${letter.time ?? '-'}${letter.source ? ` by ${letter.source}` : ''}`];
  if (!d) return `${[...lines, `  ${letter.problem}`, '', letter.record.value].join('\n')}\n`;
  const plan = replayPlan(letter);
  lines.push(
    `  reason:        ${d.reason}`,
    `  original:      ${d.topic} partition ${d.partition} offset ${d.offset}`,
    `  key:           ${d.key ?? '(none)'}`,
    `  value:         ${d.valueLength} characters${d.truncated ? `, truncated to ${d.value.length}` : ', whole'}`,
    `  replay:        ${plan.ok ? `possible (npm run ops -- dead-letters replay --topic ${topic} --offset ${letter.id})` : `refused: ${plan.reason}`}`,
    '',
  );
  let value = d.value;
  if (!d.truncated) {
    try {
      value = JSON.stringify(JSON.parse(d.value), null, 2);
    } catch {
      // not JSON: as it is
    }
  }
  return `${lines.join('\n')}${value}\n`;
}

import { cloudEvent } from '@creditflow/contracts';
import { DEAD_LETTER_LIMITS, deadLetterData } from '@creditflow/messaging';
import { DeadLetterRecord, dlqTopicOf, formatListEntry, formatShow, parseDeadLetter, parseRecordId, replayPlan } from './dead-letters';

const original = JSON.stringify(
  cloudEvent({ id: 'm-1', source: 'upstream', type: 'creditflow.usage.authorize', subject: 'acc-1', tenantid: 'apinfer', data: { usageId: 'u-1', accountId: 'acc-1', feature: 'qwen-image' } }),
);

/** A record as the batch processor writes it (libs/messaging/src/dead-letters.ts). */
function record(value: string, key: string | null = 'apinfer:acc-1', offset = '7'): DeadLetterRecord {
  const message = { topic: 'creditflow.usage.v1', partition: 0, offset: '41', key, value };
  const event = cloudEvent({
    id: `dlq:creditflow.usage.v1:0:41`, source: 'creditflow/wallet', type: 'creditflow.dlq.message', time: '2026-03-02T10:00:00.000Z', tenantid: 'apinfer',
    data: deadLetterData({ message, reason: 'handler failed after 4 attempt(s): store unavailable' }),
  });
  return { partition: 0, offset, key, value: JSON.stringify(event) };
}

describe('dead-letter records', () => {
  it('names the .dlq of a topic either way, and reads offsets with or without a partition', () => {
    expect(dlqTopicOf('creditflow.usage.v1')).toBe('creditflow.usage.v1.dlq');
    expect(dlqTopicOf('creditflow.usage.v1.dlq')).toBe('creditflow.usage.v1.dlq');
    expect(parseRecordId('7')).toEqual({ partition: undefined, offset: 7n });
    expect(parseRecordId('2:7')).toEqual({ partition: 2, offset: 7n });
    expect(parseRecordId('7', 3)).toEqual({ partition: 3, offset: 7n });
    expect(() => parseRecordId('2:7', 3)).toThrow('--offset 2:7 names partition 2, --partition says 3');
    expect(() => parseRecordId('seven')).toThrow('"seven" is not an offset');
  });

  it('replays a whole record: the original value, its key, its topic', () => {
    const letter = parseDeadLetter(record(original));
    expect(letter).toMatchObject({ id: '0:7', time: '2026-03-02T10:00:00.000Z', source: 'creditflow/wallet', data: { topic: 'creditflow.usage.v1', offset: '41', truncated: false } });
    expect(replayPlan(letter)).toEqual({ ok: true, topic: 'creditflow.usage.v1', key: 'apinfer:acc-1', value: original });
    // A message without a key is replayed without one.
    expect(replayPlan(parseDeadLetter(record(original, null)))).toMatchObject({ ok: true, key: null });
  });

  it('refuses a truncated record, naming where the whole message still is', () => {
    const huge = JSON.stringify({ ...JSON.parse(original), data: { usageId: 'u-2', accountId: 'acc-1', feature: 'x'.repeat(DEAD_LETTER_LIMITS.value) } });
    const letter = parseDeadLetter(record(huge));
    expect(letter.data?.truncated).toBe(true);
    const plan = replayPlan(letter);
    expect(plan.ok).toBe(false);
    expect(!plan.ok && plan.reason).toBe(
      `the record holds only the first ${DEAD_LETTER_LIMITS.value} of the original's ${huge.length} characters (truncated: true): it cannot be replayed from here; ` +
        'the whole message is on creditflow.usage.v1 partition 0 offset 41 until the topic\'s retention removes it',
    );
  });

  it('refuses a cut key, a value that is not JSON, and a record that is not a dead letter', () => {
    const longKey = `apinfer:${'a'.repeat(DEAD_LETTER_LIMITS.key)}`;
    expect(replayPlan(parseDeadLetter(record(original, longKey)))).toMatchObject({ ok: false, reason: expect.stringMatching(/^the original key was cut to 1024 characters/) });
    expect(replayPlan(parseDeadLetter(record('{not json')))).toEqual({ ok: false, reason: 'the original value is not JSON: replayed, it would only be dead-lettered again' });
    const notDlq = parseDeadLetter({ partition: 0, offset: '1', key: null, value: original });
    expect(notDlq).toMatchObject({ data: null, problem: 'not a dead-letter record (type "creditflow.usage.authorize")' });
    expect(replayPlan(notDlq)).toEqual({ ok: false, reason: 'not a dead-letter record (type "creditflow.usage.authorize")' });
    expect(parseDeadLetter({ partition: 0, offset: '1', key: null, value: 'garbage' }).problem).toBe('the record is not JSON');
  });

  it('lists a record on two lines and shows it whole with the original pretty-printed', () => {
    const letter = parseDeadLetter(record(original));
    expect(formatListEntry(letter)).toBe(
      `0:7  2026-03-02T10:00:00.000Z  from creditflow.usage.v1 0:41  key apinfer:acc-1  ${original.length} chars  replayable\n` +
        '    handler failed after 4 attempt(s): store unavailable\n',
    );
    const shown = formatShow('creditflow.usage.v1.dlq', letter);
    expect(shown).toContain('  replay:        possible (npm run ops -- dead-letters replay --topic creditflow.usage.v1.dlq --offset 0:7)');
    expect(shown).toContain('"usageId": "u-1"');
    expect(formatShow('creditflow.usage.v1.dlq', parseDeadLetter(record('{not json')))).toContain('  replay:        refused: the original value is not JSON');
  });
});

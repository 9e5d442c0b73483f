import { CloudEvent, dlqTopic } from '@creditflow/contracts';
import { ConsumedMessage, MessagePublisher, OutboundMessage } from './bus';
import { DEAD_LETTER_LIMITS, DeadLetterData, DeliveredEvent, batchProcessor, deadLetterReason, parseCloudEvent } from './dead-letters';

// The poison a hostile or broken producer can send; each must end on the DLQ, bounded, without a throw.
let offset = 0;
const message = (value: string, key: string | null = 'apinfer:acc-1'): ConsumedMessage => ({ topic: 'creditflow.usage.v1', partition: 0, offset: String(offset++), key, value });
const envelope = (data: unknown, over: Record<string, unknown> = {}) =>
  JSON.stringify({ specversion: '1.0', id: `m-${offset}`, source: 'test', type: 'creditflow.usage.authorize', subject: 'acc-1', tenantid: 'apinfer', data, ...over });
/** JSON text of objects nested `depth` levels (built as text: JSON.stringify itself recurses). */
const nestedJson = (depth: number) => '{"a":'.repeat(depth) + '{}' + '}'.repeat(depth);
const withData = (dataJson: string) => envelope({ usageId: 'u' }).replace('{"usageId":"u"}', dataJson);

class RecordingPublisher implements MessagePublisher {
  readonly sent: { topic: string; messages: OutboundMessage[] }[] = [];
  async publish(topic: string, messages: OutboundMessage[]): Promise<void> {
    this.sent.push({ topic, messages });
  }
  letters(): DeadLetterData[] {
    return this.sent.flatMap((s) => s.messages.map((m) => (m.value as CloudEvent<DeadLetterData>).data));
  }
}

describe('parseCloudEvent', () => {
  it.each([
    ['an authorize nested 10,000 levels deep', withData(`{"usageId":"u","accountId":"acc-1","feature":"f","extra":${nestedJson(10_000)}}`)],
    ['a value nested 100,000 levels deep in arrays', withData(`{"deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)],
    ['a value that is not JSON', '{"specversion":'],
    ['invalid UTF-8 decoded with replacement characters', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString()],
    ['a JSON array', '[1,2,3]'],
    ['JSON null', 'null'],
    ['an envelope with wrong types', envelope('not an object', { id: 42 })],
    ['an unknown envelope field', envelope({}, { extra: true })],
  ])('dead-letters %s with a reason instead of throwing', (_name, value) => {
    const parsed = parseCloudEvent(message(value));
    expect(parsed).toEqual({ message: expect.anything(), reason: expect.any(String) });
  });

  it('passes a valid CloudEvent through', () => {
    expect(parseCloudEvent(message(envelope({ usageId: 'u' })))).toMatchObject({ event: { type: 'creditflow.usage.authorize', data: { usageId: 'u' } } });
  });

  it("does not validate again the envelope of a message the platform published itself, but still checks its address", () => {
    const own = (value: string, key = 'apinfer:acc-1'): ConsumedMessage => ({ ...message(value, key), fromPlatform: true });
    expect(parseCloudEvent(own(envelope({ usageId: 'u' }, { extra: true })))).toMatchObject({ event: { data: { usageId: 'u' } } });
    expect(parseCloudEvent(message(envelope({ usageId: 'u' }, { extra: true })))).toEqual({ message: expect.anything(), reason: expect.stringMatching(/^not a valid CloudEvent/) });
    expect(parseCloudEvent(own(envelope({ usageId: 'u' }), 'visualgpt:acc-1'))).toEqual({ message: expect.anything(), reason: expect.stringMatching(/key names tenant "visualgpt"/) });
    expect(parseCloudEvent(own('{"specversion":'))).toEqual({ message: expect.anything(), reason: 'value is not JSON' });
  });
});

describe('batchProcessor dead letters', () => {
  const processorFor = (publisher: RecordingPublisher, handled: DeliveredEvent[] = []) =>
    batchProcessor({ source: 'test', publisher, handler: async (events) => void handled.push(...events), backoffMs: 1 });

  it('dead-letters a batch in the order of its messages, whether refused on receipt or by the handler', async () => {
    const publisher = new RecordingPublisher();
    const refusedByHandler = message(envelope({ usageId: 'u' }));
    const notJson = message('{"specversion":');
    const process = batchProcessor({
      source: 'test', publisher, backoffMs: 1,
      handler: async (events) => events.map((e) => ({ message: e.message, reason: 'refused by the handler' })),
    });
    await process([refusedByHandler, notJson]);
    expect(publisher.letters().map((l) => [l.offset, l.reason])).toEqual([[refusedByHandler.offset, 'refused by the handler'], [notJson.offset, 'value is not JSON']]);
  });

  it('keeps a dead-letter record of a 900 KB message bounded, naming where the original is', async () => {
    const publisher = new RecordingPublisher();
    const huge = message(envelope({ usageId: 'u' }, { padding: Array.from({ length: 310_000 }, () => '') })); // refused: an unknown envelope field
    expect(huge.value.length).toBeGreaterThan(900_000);

    await processorFor(publisher)([huge]);

    const [letter] = publisher.letters();
    expect(publisher.sent[0].topic).toBe(dlqTopic('creditflow.usage.v1'));
    expect(letter).toMatchObject({ topic: huge.topic, partition: 0, offset: huge.offset, valueLength: huge.value.length, truncated: true });
    expect(letter.value).toBe(huge.value.slice(0, DEAD_LETTER_LIMITS.value));
    expect(JSON.stringify(publisher.sent[0].messages[0].value).length).toBeLessThan(200 * 1024);
  });

  it('bounds the key and the reason too, and keeps small messages whole', async () => {
    const publisher = new RecordingPublisher();
    const small = message('not json', 'k'.repeat(100_000));

    await processorFor(publisher)([small]);

    const [letter] = publisher.letters();
    expect(letter).toMatchObject({ value: 'not json', truncated: false, valueLength: 8 });
    expect(letter.key!.length).toBeLessThanOrEqual(DEAD_LETTER_LIMITS.key + 3);
    expect(publisher.sent[0].messages[0].key.length).toBeLessThanOrEqual(DEAD_LETTER_LIMITS.key + 3);
  });

  it('handles the valid messages of a batch and dead-letters the poison among them', async () => {
    const publisher = new RecordingPublisher();
    const handled: DeliveredEvent[] = [];
    const good = message(envelope({ usageId: 'good' }));

    await processorFor(publisher, handled)([message(withData(`{"deep":${nestedJson(5_000)}}`)), good, message('garbage')]);

    expect(handled.map((d) => d.message.offset)).toEqual([good.offset]);
    expect(publisher.letters()).toHaveLength(2);
  });
});

describe('key, tenant and account agreement', () => {
  const about = (key: string | null, over: Record<string, unknown>, data: Record<string, unknown> = { usageId: 'u' }) =>
    parseCloudEvent(message(envelope(data, over), key));

  it('passes a message whose key, tenantid, subject and data.accountId agree, account ids with colons too', () => {
    expect(about('apinfer:acc-1', {}, { accountId: 'acc-1' })).toHaveProperty('event');
    expect(about('apinfer:org:team:1', { subject: 'org:team:1' }, { accountId: 'org:team:1' })).toHaveProperty('event');
    expect(about('apinfer:acc-1', { subject: undefined }, { accountId: 'acc-1' })).toHaveProperty('event');
  });

  it('passes tenant-wide messages keyed by anything (triggers, daily resets)', () => {
    expect(about('cron', { subject: undefined }, { at: '2030-01-01T00:00:00Z' })).toHaveProperty('event');
    expect(about('apinfer', { subject: undefined }, {})).toHaveProperty('event');
  });

  it.each([
    ['a key of another tenant', 'apinfer:acc-1', { tenantid: 'visualgpt' }, {}, /key names tenant "apinfer", tenantid says "visualgpt"/],
    ['a data.accountId outside the key', 'apinfer:acc-1', {}, { accountId: 'acc-2' }, /different accounts|key names account/],
    ['a subject outside the key', 'apinfer:acc-1', { subject: 'acc-2' }, {}, /key names account "acc-1", the message is about "acc-2"/],
    ['subject and data.accountId apart', 'apinfer:acc-1', { subject: 'acc-1' }, { accountId: 'acc-9' }, /different accounts/],
    ['an account message without a key', null, {}, {}, /must be keyed "apinfer:acc-1"/],
    ['an account message keyed by the tenant alone', 'apinfer', {}, {}, /must be keyed/],
    ['a non-string data.accountId', 'apinfer:acc-1', {}, { accountId: 7 }, /must be a string/],
  ])('dead-letters %s', (_name, key, over, data, reason) => {
    expect(about(key, over, { usageId: 'u', ...data })).toEqual({ message: expect.anything(), reason: expect.stringMatching(reason) });
  });
});

describe('dead letter reasons for counting', () => {
  it.each([
    ['value is not JSON', 'not_json'],
    ['not a valid CloudEvent: id must be a string', 'invalid_cloudevent'],
    ['key names tenant "apinfer", tenantid says "visualgpt"', 'address_mismatch'],
    ['subject "acc-1" and data.accountId "acc-9" name different accounts', 'address_mismatch'],
    ['a message about account "acc-1" must be keyed "apinfer:acc-1"', 'address_mismatch'],
    ['data.accountId must be a string', 'address_mismatch'],
    ['handler failed after 4 attempt(s): connection refused', 'handler_failed'],
    ['WALLET.ACCOUNT_NOT_FOUND: account "acc-1" does not exist', 'WALLET.ACCOUNT_NOT_FOUND'],
    ['unknown tenant "nobody"', 'rejected'],
    ['usageId must be a string; accountId should not be empty', 'rejected'],
  ])('classes "%s" as %s', (reason, expected) => {
    expect(deadLetterReason(reason)).toBe(expected);
  });

  it('tells the host which topic each dead letter came from and why, after publishing them', async () => {
    const publisher = new RecordingPublisher();
    const counted: { topic: string; reason: string }[] = [];
    const processor = batchProcessor({
      source: 'test', publisher, backoffMs: 1,
      handler: async (events) => events.map((d) => ({ message: d.message, reason: 'WALLET.USAGE_NOT_FOUND: no such usage' })),
      onDeadLetters: (letters) => counted.push(...letters),
    });

    await processor([message('garbage'), message(envelope({ usageId: 'u' }))]);

    expect(counted).toEqual([{ topic: 'creditflow.usage.v1', reason: 'not_json' }, { topic: 'creditflow.usage.v1', reason: 'WALLET.USAGE_NOT_FOUND' }]);
    expect(publisher.letters()).toHaveLength(2);
  });
});

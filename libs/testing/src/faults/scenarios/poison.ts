// A poison corpus on every topic a service consumes (the @EventPattern topics of the consumers;
// the scenario fails if a consumed topic has no corpus): values that are not JSON, empty, missing,
// invalid UTF-8, oversized, deeply nested; envelopes with wrong types and missing fields; unknown
// types and tenants; key, tenantid, subject and data.accountId that disagree; per topic, data of
// the wrong types; and real messages repeated with new ids. Every poison message must reach the
// topic's .dlq with a reason (matched by its partition and offset); the repeats may be processed
// again but must change nothing; valid traffic sent after the corpus must still be decided; and
// every account of the Kafka scenarios must still agree with the ledger.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { PAYMENT_TYPES, REFUND_TYPES, SCHEDULER_TYPES, TOPICS, USAGE_COMMAND_TYPES, dlqTopic, messageKey } from '@creditflow/contracts';
import { waitFor } from '@creditflow/kernel/testing';
import { Context } from '../context';
import { Distributed } from '../distributed';
import { LedgerClient } from '../http-client';
import { KafkaUsageFlow, usageCommand } from '../kafka-flow';
import { Outgoing, kafkaClient } from '../kafka-observer';
import { PACKAGES, TENANT, UsageRequest } from '../prices';
import { REPO_ROOT } from '../processes';
import { KNOWN_BUGS, KnownBug, knownBugOf } from '../known-bugs';
import { ScenarioReport } from '../report';

const TARGET = 'kx-target';
const KEY = messageKey(TENANT, TARGET);
/** The account the inputs of known bugs (known-bugs.ts) are about: their effects land there, outside the ledger. */
const KNOWN = 'kx-known';

interface PoisonMessage extends Outgoing {
  topic: string;
  what: string;
  /** dlq: must be dead-lettered with a reason. repeat: a real message again under a new id: must change nothing. */
  expect: 'dlq' | 'repeat';
  /** The known bug (known-bugs.ts) it shows: it must still show it, on the KNOWN account. */
  known?: KnownBug;
}

const SERVICE_OF_LIB: Record<string, string> = { pricing: 'pricing', wallet: 'wallet', scheduler: 'subscription-scheduler', refund: 'refund' };

/** The topics the services consume and which services consume each, read from the @EventPattern(TOPICS.x) of every consumer. */
export function consumedTopics(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const lib of readdirSync(join(REPO_ROOT, 'libs'))) {
    const dir = join(REPO_ROOT, 'libs', lib, 'service', 'src');
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.consumer.ts'));
    } catch {
      continue;
    }
    for (const file of files) {
      for (const [, name] of readFileSync(join(dir, file), 'utf8').matchAll(/@EventPattern\(\s*TOPICS\.(\w+)/g)) {
        const topic = (TOPICS as Record<string, string>)[name];
        if (!topic) throw new Error(`${file}: @EventPattern(TOPICS.${name}) names no topic`);
        const service = SERVICE_OF_LIB[lib];
        if (!service) throw new Error(`libs/${lib} consumes ${topic}, but the suite does not know its service`);
        found.set(topic, [...new Set([...(found.get(topic) ?? []), service])]);
      }
    }
  }
  return new Map([...found].sort(([a], [b]) => a.localeCompare(b)));
}

const envelopeAbout = (subject: string, type: string, data: unknown, extra: Record<string, unknown> = {}) => ({
  specversion: '1.0', id: randomUUID(), source: 'faults/poison', type, subject, tenantid: TENANT, time: new Date().toISOString(), datacontenttype: 'application/json', data, ...extra,
});

function nested(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Per topic: a type it carries, data its consumer must refuse (and why), and data of wrong types. */
interface TopicCase {
  type: string;
  /** Data the consumer refuses (so padding or nesting added to it never makes it valid). */
  refused: Record<string, unknown>;
  /** What is wrong, the data, and the type when not `type`. */
  wrongTypes: [string, Record<string, unknown>, string?][];
}

const envelope = (type: string, data: unknown, extra: Record<string, unknown> = {}) => envelopeAbout(TARGET, type, data, extra);

function topicCases(account: string, purchaseId: string, usageId: string): Record<string, TopicCase> {
  return {
    [TOPICS.usage]: {
      type: USAGE_COMMAND_TYPES.authorize,
      refused: { usageId: '!bad id', accountId: account, feature: 'qwen-image' },
      wrongTypes: [
        ['usageId a number', { usageId: 123, accountId: account, feature: 'qwen-image' }],
        ['quantity a string', { usageId: 'kx-p1', accountId: account, feature: 'qwen-image', quantity: '3' }],
        ['quantity negative', { usageId: 'kx-p2', accountId: account, feature: 'qwen-image', quantity: -3 }],
        ['feature an object', { usageId: 'kx-p3', accountId: account, feature: { $ne: '' } }],
        ['an unknown field', { usageId: 'kx-p4', accountId: account, feature: 'qwen-image', credits: '0' }],
        ['a __proto__ field', JSON.parse(`{"usageId":"kx-p5","accountId":"${account}","feature":"qwen-image","__proto__":{"quantity":1000}}`)],
      ],
    },
    [TOPICS.pricedUsage]: {
      type: 'creditflow.priced-usage.command',
      refused: { action: 'authorize', usageId: 'kx-pz', accountId: account, feature: 'qwen-image', options: {} },
      wrongTypes: [
        ['price.credits not a number', { action: 'authorize', usageId: 'kx-q1', accountId: account, feature: 'qwen-image', options: {}, price: { credits: 'lots', priceVersion: '2025-01-01' } }],
        ['price.credits negative', { action: 'authorize', usageId: 'kx-q2', accountId: account, feature: 'qwen-image', options: {}, price: { credits: '-100', priceVersion: '2025-01-01' } }],
        ['price.credits a number', { action: 'authorize', usageId: 'kx-q3', accountId: account, feature: 'qwen-image', options: {}, price: { credits: 1.75, priceVersion: '2025-01-01' } }],
        ['usageId a number', { action: 'authorize', usageId: 42, accountId: account, feature: 'qwen-image', options: {}, price: { credits: '1.75', priceVersion: '2025-01-01' } }],
        ['an unknown action', { action: 'refund-everything', usageId: usageId, accountId: account }],
        ['action missing', { usageId: usageId, accountId: account }],
      ],
    },
    [TOPICS.payments]: {
      type: PAYMENT_TYPES.purchase,
      refused: { purchaseId: 'kx-bad-purchase', accountId: account, packageId: 'basic', amountPaid: '-10', currency: 'CNY' },
      wrongTypes: [
        ['amountPaid a number', { purchaseId: 'kx-w1', accountId: account, packageId: 'basic', amountPaid: 10, currency: 'CNY' }],
        ['promotional a string', { purchaseId: 'kx-w2', accountId: account, packageId: 'basic', amountPaid: '10', currency: 'CNY', promotional: 'yes' }],
        ['an unknown package', { purchaseId: 'kx-w3', accountId: account, packageId: 'everything', amountPaid: '10', currency: 'CNY' }],
        ['purchaseId an array', { purchaseId: ['kx-w4'], accountId: account, packageId: 'basic', amountPaid: '10', currency: 'CNY' }],
      ],
    },
    [TOPICS.schedulerTriggers]: {
      type: SCHEDULER_TYPES.tick,
      refused: { at: 'not a date' },
      wrongTypes: [['at a number', { at: 1_700_000_000_000 }], ['at an object', { at: { $gt: '' } }], ['an unknown field', { at: new Date().toISOString(), tenants: ['*'] }]],
    },
    [TOPICS.scheduler]: {
      type: SCHEDULER_TYPES.monthlyGrant,
      refused: { eventId: 'kx-grant-bad', subscriptionId: 'kx-sub', accountId: account, planId: 'pro', cycle: 0, lotType: 'subscription', amount: 'lots', at: new Date().toISOString(), expiresAt: null },
      wrongTypes: [
        ['amount negative', { eventId: 'kx-g1', subscriptionId: 'kx-sub', accountId: account, planId: 'pro', cycle: 0, lotType: 'subscription', amount: '-50', at: new Date().toISOString(), expiresAt: null }],
        ['amount a number', { eventId: 'kx-g2', subscriptionId: 'kx-sub', accountId: account, planId: 'pro', cycle: 0, lotType: 'subscription', amount: 50, at: new Date().toISOString(), expiresAt: null }],
        ['at not a date', { eventId: 'kx-g3', subscriptionId: 'kx-sub', accountId: account, planId: 'pro', cycle: 0, lotType: 'subscription', amount: '50', at: 'soon', expiresAt: null }],
        ['rollover cap not a number', { eventId: 'kx-g4', subscriptionId: 'kx-sub', accountId: account, cycle: 0, rolloverCap: 'none', at: new Date().toISOString() }, SCHEDULER_TYPES.rolloverExpiry],
        ['lotType unknown', { eventId: 'kx-g5', subscriptionId: 'kx-sub', accountId: account, planId: 'pro', cycle: 0, lotType: 'gold', amount: '50', at: new Date().toISOString(), expiresAt: null }],
      ],
    },
    [TOPICS.refunds]: {
      type: REFUND_TYPES.requested,
      refused: { refundId: 'kx-r0', accountId: account, purchaseId: purchaseId, reason: 'because' },
      wrongTypes: [
        ['refundId a number', { refundId: 7, accountId: account, purchaseId, reason: 'unused_credits' }],
        ['purchaseId an object', { refundId: 'kx-r2', accountId: account, purchaseId: { $ne: '' }, reason: 'unused_credits' }],
        ['an unknown purchase', { refundId: 'kx-r3', accountId: account, purchaseId: 'kx-no-such-purchase', reason: 'unused_credits' }],
      ],
    },
    [TOPICS.walletEvents]: {
      type: 'creditflow.wallet.credits-granted',
      refused: { accountId: account, event: 'CreditsGranted', data: { lotId: 'kx-forged', amount: '1000' } },
      wrongTypes: [
        ['revision not a number', { accountId: account, revision: 'last', event: 'CreditsGranted', data: {} }],
        ['data a string', { accountId: account, revision: '99', event: 'CreditsGranted', data: 'x' }],
        ['event a number', { accountId: account, revision: '99', event: 7, data: {} }],
      ],
    },
  };
}

function corpus(topic: string, c: TopicCase, account: string): PoisonMessage[] {
  const KEY = messageKey(TENANT, account);
  const envelope = (type: string, data: unknown, extra: Record<string, unknown> = {}) => envelopeAbout(account, type, data, extra);
  const m = (what: string, key: string | null, value: unknown): PoisonMessage => ({ topic, what, key, value, expect: 'dlq' });
  // Bytes that are not UTF-8 inside the subject and data.accountId of an envelope that is otherwise fine.
  const marked = JSON.stringify(envelope(c.type, { ...c.refused, accountId: `${account}@@` }, { subject: `${account}@@` })).split('@@');
  const invalidUtf8 = Buffer.concat(marked.flatMap((part, i) => (i ? [Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(part)] : [Buffer.from(part)])));
  return [
    m('not JSON', KEY, `not json {{{ ${randomUUID()}`),
    m('an empty value', KEY, ''),
    m('no value at all (a tombstone)', KEY, null),
    m('binary, invalid UTF-8', KEY, Buffer.from([0xff, 0xfe, 0xfd, 0x00, 0x80, 0xc3, 0x28])),
    m('invalid UTF-8 inside the envelope (subject, data.accountId)', KEY, invalidUtf8),
    m('a JSON array', KEY, '[1,2,3]'),
    m('a JSON number', KEY, '42'),
    m('a JSON string', KEY, '"creditflow"'),
    m('specversion a number', KEY, envelope(c.type, c.refused, { specversion: 1 })),
    m('id a number', KEY, envelope(c.type, c.refused, { id: 5 })),
    m('id of 300 characters', KEY, envelope(c.type, c.refused, { id: 'i'.repeat(300) })),
    m('type a number', KEY, envelope(c.type, c.refused, { type: 5 })),
    m('tenantid a number', KEY, envelope(c.type, c.refused, { tenantid: 7 })),
    m('subject an object', KEY, envelope(c.type, c.refused, { subject: { id: account } })),
    m('data a string', KEY, envelope(c.type, 'data')),
    m('data an array', KEY, envelope(c.type, [c.refused])),
    m('data null', KEY, envelope(c.type, null)),
    m('time not a date', KEY, envelope(c.type, c.refused, { time: 'teatime' })),
    m('datacontenttype text/xml', KEY, envelope(c.type, c.refused, { datacontenttype: 'text/xml' })),
    m('no id', KEY, (({ id: _id, ...rest }) => rest)(envelope(c.type, c.refused))),
    m('no type', KEY, (({ type: _type, ...rest }) => rest)(envelope(c.type, c.refused))),
    m('no tenantid', KEY, (({ tenantid: _t, ...rest }) => rest)(envelope(c.type, c.refused))),
    m('no data', KEY, (({ data: _d, ...rest }) => rest)(envelope(c.type, c.refused))),
    m('an unknown type', KEY, envelope(`${c.type.split('.').slice(0, 2).join('.')}.explode`, c.refused)),
    m('a type outside creditflow', KEY, envelope('com.example.anything', c.refused)),
    m('an unknown tenant', messageKey('nosuchtenant', account), envelope(c.type, c.refused, { tenantid: 'nosuchtenant' })),
    m('key tenant and tenantid disagree', messageKey('visualgpt', account), envelope(c.type, c.refused)),
    m('key account and subject disagree', messageKey(TENANT, 'kx-other'), envelope(c.type, c.refused)),
    m('subject and data.accountId disagree', KEY, envelope(c.type, { ...c.refused, accountId: 'kx-other' })),
    m('no key', null, envelope(c.type, c.refused)),
    m('a key of 100 KB', `${KEY}${'k'.repeat(100 * 1024)}`, envelope(c.type, c.refused)),
    m('a __proto__ field in data', KEY, `{"specversion":"1.0","id":"${randomUUID()}","source":"faults","type":"${c.type}","subject":"${account}","tenantid":"${TENANT}","data":{"__proto__":{"accountId":"${account}"}}}`),
    m('oversized (~900 KB)', KEY, envelope(c.type, { ...c.refused, padding: 'p'.repeat(900 * 1024) })),
    m('data nested 33 levels', KEY, JSON.stringify(envelope(c.type, { ...c.refused, deep: 'DEEP' })).replace('"DEEP"', nested(33))),
    m('data nested 10,000 levels', KEY, JSON.stringify(envelope(c.type, { ...c.refused, deep: 'DEEP' })).replace('"DEEP"', nested(10_000))),
    m('data refused by its consumer', KEY, envelope(c.type, c.refused)),
    ...c.wrongTypes.map(([what, data, type]) => m(`data: ${what}`, KEY, envelope(type ?? c.type, data))),
  ];
}

export async function poison(ctx: Context, d: Distributed): Promise<ScenarioReport> {
  const report = new ScenarioReport('poison', 'a poison corpus on every consumed topic, then valid traffic');
  const client = new LedgerClient(d.wallet, d.ledger, report);
  const flow = new KafkaUsageFlow(d, report);

  // The target: a funded account with a completed usage (its commands are repeated below).
  await client.openAccount(TARGET);
  const purchaseId = 'kx-setup';
  await client.purchase(TARGET, purchaseId, 'standard');
  const done: UsageRequest = { usageId: 'kx-u0', accountId: TARGET, feature: 'qwen-image', quality: 'high' };
  await flow.produce([{ request: done, step: 'complete' }]);
  report.check('set-up', await flow.awaitDecisions());

  // The account known bugs act on: funded, with a usage, so each bug can show itself there.
  for (const [method, path, body] of [
    ['PUT', `/v1/accounts/${KNOWN}`, { type: 'personal' }],
    ['POST', '/v1/purchases', { purchaseId: 'kx-known-setup', accountId: KNOWN, packageId: 'basic', amountPaid: '10', currency: 'CNY' }],
  ] as const) {
    const answer = await client.command('admin', method, path, body);
    if (answer.status !== 200) report.discrepancy(`${method} ${path} answered ${answer.status}`);
  }

  const consumers = consumedTopics();
  const consumed = [...consumers.keys()];
  const cases = topicCases(TARGET, purchaseId, done.usageId);
  const knownCases = topicCases(KNOWN, 'kx-known-setup', done.usageId);
  for (const topic of consumed) if (!cases[topic]) report.discrepancy(`${topic} is consumed (an @EventPattern) but has no poison corpus`);
  const messages: PoisonMessage[] = consumed.filter((t) => cases[t]).flatMap((t) => {
    const onKnown = new Map(corpus(t, knownCases[t], KNOWN).map((m) => [m.what, m]));
    return corpus(t, cases[t], TARGET).map((m) => {
      const known = knownBugOf(t, m.what);
      return known ? { ...onKnown.get(m.what)!, known } : m;
    });
  });
  for (const bug of KNOWN_BUGS) {
    for (const p of bug.poison) for (const what of p.what) if (!messages.some((m) => m.known === bug && m.topic === p.topic && m.what === what)) report.discrepancy(`known bug ${bug.id} names ${p.topic} [${what}], which the corpus does not have`);
  }

  // Real messages again under new ids: they may be processed again, and must change nothing.
  const repeat = (topic: string, what: string, key: string | null, value: unknown): PoisonMessage => ({ topic, what, key, value, expect: 'repeat' });
  const walletEvent = d.observer.seen.find((s) => s.topic === TOPICS.walletEvents && s.key === KEY);
  const day = new Date().toISOString().slice(0, 10);
  messages.push(
    repeat(TOPICS.usage, 'the authorize of a completed usage', KEY, usageCommand('authorize', done).value),
    repeat(TOPICS.usage, 'the complete of a completed usage', KEY, usageCommand('complete', done).value),
    repeat(TOPICS.pricedUsage, 'a priced authorize of a completed usage', KEY, envelope('creditflow.priced-usage.command', { action: 'authorize', usageId: done.usageId, accountId: TARGET, feature: 'qwen-image', options: { quality: 'high' }, price: { credits: '2.625', priceVersion: '2025-01-01' } })),
    repeat(TOPICS.payments, 'the purchase that funded the account', KEY, envelope(PAYMENT_TYPES.purchase, { purchaseId, accountId: TARGET, packageId: 'standard', amountPaid: PACKAGES.standard.price, currency: 'CNY' })),
    repeat(TOPICS.schedulerTriggers, 'a tick at now, twice', 'cron', envelope(SCHEDULER_TYPES.tick, { at: new Date().toISOString() }, { subject: undefined })),
    repeat(TOPICS.schedulerTriggers, 'a tick at now, twice', 'cron', envelope(SCHEDULER_TYPES.tick, { at: new Date().toISOString() }, { subject: undefined })),
    repeat(TOPICS.scheduler, "apinfer's daily reset (it has no daily credits), twice", TENANT, envelope(SCHEDULER_TYPES.dailyReset, { eventId: `daily-reset:${TENANT}:${day}`, day, at: `${day}T00:00:00.000Z`, timeZone: 'UTC' }, { subject: undefined })),
    repeat(TOPICS.scheduler, "apinfer's daily reset (it has no daily credits), twice", TENANT, envelope(SCHEDULER_TYPES.dailyReset, { eventId: `daily-reset:${TENANT}:${day}`, day, at: `${day}T00:00:00.000Z`, timeZone: 'UTC' }, { subject: undefined })),
  );
  if (walletEvent) messages.push(repeat(TOPICS.walletEvents, 'a wallet event of the account', KEY, { ...walletEvent.json, id: randomUUID() }));
  else report.discrepancy(`no wallet event of ${TARGET} seen on ${TOPICS.walletEvents}`);

  // One send per message: its partition and offset identify it on the .dlq.
  const sentAt = new Map<PoisonMessage, { partition: number; offset: string }>();
  for (const message of messages) {
    report.sent++;
    report.faults += message.expect === 'dlq' ? 1 : 0;
    try {
      const [meta] = await d.producer.send(message.topic, [message]);
      sentAt.set(message, { partition: meta.partition, offset: meta.baseOffset ?? '' });
      report.acked++;
    } catch (error) {
      // The broker refusing a message (too large for it) is its right: nothing reached a consumer.
      report.note(`${message.topic} [${message.what}]: the broker refused it (${(error as Error).message})`);
    }
  }
  report.log(`${messages.length} messages on ${consumed.length} topics (${messages.filter((m) => m.expect === 'dlq').length} poison, ${messages.filter((m) => m.expect === 'repeat').length} repeats)`);

  // Valid traffic after the corpus, on the target and on a fresh account: it must still be decided.
  await client.openAccount('kx-after');
  await client.purchase('kx-after', 'kx-after-setup');
  const after = Array.from({ length: 10 }, (_, i) => ({ request: { usageId: `kx-after-${i}`, accountId: i % 2 ? TARGET : 'kx-after', feature: 'qwen-image' as const }, step: 'complete' as const }));
  await flow.produce(after);
  await flow.purchase(TARGET, 'kx-after-purchase');
  report.check('valid traffic after the corpus', await flow.awaitDecisions());
  report.check('decisions', flow.settle());

  // Every poison message on its .dlq, with a reason.
  const letterOf = (message: PoisonMessage) => {
    const at = sentAt.get(message)!;
    return d.observer.seen.find((s) => s.topic === dlqTopic(message.topic) && s.json?.data?.topic === message.topic && s.json.data.partition === at.partition && s.json.data.offset === at.offset);
  };
  const poisoned = messages.filter((m) => m.expect === 'dlq' && sentAt.has(m) && !m.known);
  try {
    await waitFor(() => `dead letters (${poisoned.filter(letterOf).length} of ${poisoned.length})`, () => (poisoned.every(letterOf) ? true : undefined), 90_000);
  } catch {
    for (const m of poisoned.filter((x) => !letterOf(x))) report.discrepancy(`${m.topic} [${m.what}] is not on ${dlqTopic(m.topic)} (silently dropped or processed)`);
  }
  // The known bugs: once every consumer of the topic has committed past the input, and the observer
  // has read its .dlq to the end, the input is still not there.
  const admin = kafkaClient(d.broker.brokers, `${d.groupPrefix}-poison-admin`).admin();
  await admin.connect();
  try {
    for (const m of messages.filter((x) => x.known && sentAt.has(x))) {
      const at = sentAt.get(m)!;
      await waitFor(`the consumers of ${m.topic} past offset ${at.offset} of partition ${at.partition}`, async () => {
        for (const service of consumers.get(m.topic) ?? []) {
          const [committed] = await admin.fetchOffsets({ groupId: `${d.groupPrefix}-${service}`, topics: [m.topic] });
          const partition = committed?.partitions.find((p) => p.partition === at.partition);
          if (!partition || BigInt(partition.offset) <= BigInt(at.offset)) return undefined;
        }
        return true;
      }, 60_000);
    }
    for (const topic of new Set(messages.filter((x) => x.known).map((x) => dlqTopic(x.topic)))) {
      const ends = await admin.fetchTopicOffsets(topic);
      await waitFor(`the observer at the end of ${topic}`, () =>
        ends.every((e) => BigInt(e.high) === 0n || d.observer.seen.some((s) => s.topic === topic && s.partition === e.partition && BigInt(s.offset) >= BigInt(e.high) - 1n)) ? true : undefined,
      60_000);
    }
  } finally {
    await admin.disconnect();
  }
  for (const m of messages.filter((x) => x.known && sentAt.has(x))) {
    if (letterOf(m)) report.discrepancy(`known bug ${m.known!.id} no longer shows for ${m.topic} [${m.what}]: it is on the .dlq now; remove it from libs/testing/src/faults/known-bugs.ts`);
    else report.known(m.known!, `${m.topic} [${m.what}] not dead-lettered`);
  }
  let reasons = 0;
  for (const m of poisoned) {
    const letter = letterOf(m);
    if (!letter) continue;
    if (typeof letter.json.data.reason !== 'string' || !letter.json.data.reason) report.discrepancy(`${m.topic} [${m.what}]: dead letter without a reason`);
    else reasons++;
    if (Buffer.byteLength(letter.value) > 256 * 1024) report.discrepancy(`${m.topic} [${m.what}]: dead letter of ${Buffer.byteLength(letter.value)} bytes`);
    if (process.env.FAULTS_DEBUG) report.log(`${m.topic} [${m.what}] -> ${letter.json.data.reason.slice(0, 160)}`);
  }
  report.log(`${reasons} of ${poisoned.length} poison messages on their .dlq with a reason`);

  // Nothing changed: every account of every Kafka scenario still agrees with the ledger.
  let found: string[] = [];
  try {
    await waitFor('the accounts to agree with the ledger', async () => {
      found = await client.compareAll();
      return found.length ? undefined : true;
    }, 60_000);
  } catch {
    report.check('accounts', found);
  }
  report.log(`${d.ledger.accounts.size} accounts of the Kafka scenarios compared with the ledger: ${found.length} discrepancies`);
  for (const dead of d.deadUnexpectedly(new Set())) report.discrepancy(`${dead} died`);
  return report;
}

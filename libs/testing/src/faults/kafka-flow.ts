// Usage commands over Kafka, checked against the ledger: upstream's side of creditflow.usage.v1.
// Each chain is an authorize and then a complete or fail of one usage, keyed by its account. A
// command counts as acknowledged when its decision arrives on creditflow.usage-decisions.v1; a send
// the broker did not acknowledge (it was down) is sent again with new message ids and the same
// usage ids. Once every command has its decision, the decisions go into the ledger in each chain's
// order, and a command decided twice must have been decided the same way both times.
import { randomUUID } from 'node:crypto';
import { PAYMENT_TYPES, TOPICS, USAGE_COMMAND_TYPES, USAGE_DECISION_TYPES, messageKey } from '@creditflow/contracts';
import { sleep } from '@creditflow/kernel';
import { waitFor } from '@creditflow/kernel/testing';
import { Distributed } from './distributed';
import { Gate } from './gate';
import { Outgoing, Seen } from './kafka-observer';
import { CURRENCY, PACKAGES, PackageId, TENANT, UsageRequest } from './prices';
import { ScenarioReport } from './report';

export type Step = 'complete' | 'fail';
export interface Chain {
  request: UsageRequest;
  step: Step;
}
type Action = 'authorize' | Step;

const RESEND_FOR_MS = 240_000;

/** Which command a decision answers (SPEC section 4: authorize -> authorized|denied, complete -> completed...). */
function actionOf(event: any): Action | null {
  switch (event?.type) {
    case USAGE_DECISION_TYPES.authorized:
      return 'authorize';
    case USAGE_DECISION_TYPES.completed:
      return 'complete';
    case USAGE_DECISION_TYPES.failed:
      return 'fail';
    case USAGE_DECISION_TYPES.denied:
      // An insufficient-credits denial names its phase; a refusal (unknown usage, wrong state) its action.
      return event.data?.action ?? (event.data?.phase === 'generate' ? 'authorize' : null);
    default:
      return null;
  }
}

/** JSON with sorted keys, to compare two decisions' data. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as any)[k])}`).join(',')}}`;
  return JSON.stringify(value);
}

export function usageCommand(action: Action, request: UsageRequest, id = randomUUID()): Outgoing {
  const data = action === 'authorize' ? request : action === 'fail' ? { usageId: request.usageId, accountId: request.accountId, reason: 'cancelled' } : { usageId: request.usageId, accountId: request.accountId };
  return {
    key: messageKey(TENANT, request.accountId),
    value: { specversion: '1.0', id, source: 'faults/upstream', type: USAGE_COMMAND_TYPES[action], subject: request.accountId, tenantid: TENANT, time: new Date().toISOString(), datacontenttype: 'application/json', data },
  };
}

export class KafkaUsageFlow {
  private readonly decisions = new Map<string, any[]>();
  readonly chains: Chain[] = [];
  /** How many chains (from the first) settle() has put into the ledger. */
  private settled = 0;
  /** Sends of usage commands the broker acknowledged so far. */
  sends = 0;
  /** Whether produce() has sent every chain it was given. */
  produced = false;

  constructor(private readonly d: Distributed, private readonly report: ScenarioReport) {
    d.observer.onMessage((m) => this.observe(m));
  }

  private observe(m: Seen): void {
    if (m.topic !== TOPICS.usageDecisions) return;
    const action = actionOf(m.json);
    const usageId = m.json?.data?.usageId;
    if (!action || typeof usageId !== 'string') return;
    const key = `${usageId}|${action}`;
    this.decisions.set(key, [...(this.decisions.get(key) ?? []), m.json]);
  }

  /** How many of this flow's commands have their decision. */
  get decided(): number {
    return this.chains.reduce((n, c) => n + (this.decisions.has(`${c.request.usageId}|authorize`) ? 1 : 0) + (this.decisions.has(`${c.request.usageId}|${c.step}`) ? 1 : 0), 0);
  }

  get commands(): number {
    return this.chains.length * 2;
  }

  /**
   * Produces the chains' commands, `perSend` chains in each send, one send every `everyMs` at most
   * (an upstream service's steady stream, so faults land while it is still sending); a send the
   * broker did not acknowledge is sent again until it is (or `RESEND_FOR_MS` pass).
   */
  async produce(chains: Chain[], { perSend = 10, everyMs = 0, between, gate }: { perSend?: number; everyMs?: number; between?: () => Promise<void>; gate?: Gate } = {}): Promise<void> {
    for (let i = 0; i < chains.length; i += perSend) {
      await gate?.pass();
      const started = Date.now();
      const part = chains.slice(i, i + perSend);
      this.chains.push(...part);
      this.report.sent += part.length * 2;
      await this.sendUntilAcked(TOPICS.usage, () => part.flatMap((c) => [usageCommand('authorize', c.request), usageCommand(c.step, c.request)]));
      this.sends++;
      await between?.();
      await sleep(everyMs - (Date.now() - started)); // pacing, not waiting for anything
    }
    this.produced = true;
  }

  /** A purchase from the payment side on creditflow.payments.v1: acknowledged when the broker has it; the wallet must then apply it. */
  async purchase(accountId: string, purchaseId: string, packageId: PackageId = 'basic'): Promise<void> {
    this.report.sent++;
    await this.sendUntilAcked(TOPICS.payments, () => [{
      key: messageKey(TENANT, accountId),
      value: {
        specversion: '1.0', id: randomUUID(), source: 'faults/payments', type: PAYMENT_TYPES.purchase, subject: accountId, tenantid: TENANT, time: new Date().toISOString(),
        data: { purchaseId, accountId, packageId, amountPaid: PACKAGES[packageId].price, currency: CURRENCY },
      },
    }]);
    this.report.acked++;
    this.report.check('purchase over Kafka', this.d.ledger.purchased(accountId, purchaseId, packageId));
  }

  async sendUntilAcked(topic: string, build: () => Outgoing[]): Promise<void> {
    const deadline = Date.now() + RESEND_FOR_MS;
    for (;;) {
      const messages = build();
      try {
        await this.d.producer.send(topic, messages);
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`the broker did not take ${messages.length} messages for ${RESEND_FOR_MS / 1000}s: ${(error as Error).message}`);
        this.report.resent += messages.length;
        await sleep(500);
      }
    }
  }

  /** Waits until every command has its decision; answers the commands still without one. */
  async awaitDecisions(timeoutMs = 180_000): Promise<string[]> {
    const missing = () =>
      this.chains.flatMap((c) => (['authorize', c.step] as const).filter((a) => !this.decisions.has(`${c.request.usageId}|${a}`)).map((a) => `${a} ${c.request.usageId}`));
    try {
      await waitFor(() => `decisions (${this.decided} of ${this.commands})`, () => (missing().length ? undefined : true), timeoutMs);
      return [];
    } catch {
      return missing().map((m) => `no decision for ${m} (lost)`);
    }
  }

  /** Puts the decisions of every chain not settled yet into the ledger, in order; answers the discrepancies. */
  settle(): string[] {
    const found: string[] = [];
    for (const { request, step } of this.chains.slice(this.settled)) {
      this.settled++;
      const decisionsOf = (action: Action) => {
        const all = this.decisions.get(`${request.usageId}|${action}`) ?? [];
        const variants = new Set(all.map((d) => canonical(d.data)));
        if (variants.size > 1) found.push(`${action} ${request.usageId} decided ${variants.size} different ways: ${[...variants].join(' / ')}`);
        return all[0];
      };
      const authorize = decisionsOf('authorize');
      const then = decisionsOf(step);
      if (!authorize || !then) continue; // reported by awaitDecisions
      this.report.acked += 2;
      if (authorize.type === USAGE_DECISION_TYPES.authorized) found.push(...this.d.ledger.authorized(request, authorize.data.credits));
      else if (authorize.data.phase === 'generate') found.push(...this.d.ledger.denied(request, authorize.data.required, authorize.data.available));
      else found.push(`authorize ${request.usageId} refused: ${JSON.stringify(authorize.data)}`);
      const state = this.d.ledger.usage(request.usageId)?.state;
      if (then.type === USAGE_DECISION_TYPES.denied) {
        // A step of a usage that was denied has nothing to complete: a refusal is its answer.
        if (state !== 'denied') found.push(`${step} ${request.usageId} refused although it was ${state}: ${JSON.stringify(then.data)}`);
      } else if (step === 'complete') {
        found.push(...this.d.ledger.completed(request.usageId, then.data.credits));
      } else {
        found.push(...this.d.ledger.failed(request.usageId));
      }
    }
    return found;
  }
}

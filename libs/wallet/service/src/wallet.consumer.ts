// The wallet's Kafka (or embedded bus) edge: priced usage, scheduler grants, refund decisions and
// purchases become wallet commands, decided in batches. Refusals that change nothing are answered
// with a decision directly; everything that changes an account leaves through the store publisher.
import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  AutoTopUpConfiguredData, MonthlyGrantData, PAYMENT_TYPES, RolloverExpiryData, PricedUsage, PurchaseRequest, REFUND_TYPES, RefundDecisionData, SCHEDULER_TYPES, TOPICS,
  USAGE_DECISION_TYPES, cloudEvent, validatePayload, validatePricedUsage,
} from '@creditflow/contracts';
import { DomainError, parseCredits } from '@creditflow/kernel';
import { DeadLetter, DeliveredEvent, MessagePublisher, OutboundMessage } from '@creditflow/messaging';
import { MESSAGE_BUS, Observability, TRANSPORT, domainErrorBody, inMessageContext, parseTraceparent, wireCode } from '@creditflow/shell';
import { WalletCommandEnvelope, usageDecision } from '@creditflow/wallet-application';
import { DailyResets, schedulerTime } from './daily-resets';
import { WalletService } from './wallet.service';

const KNOWN_REFUND_TYPES = new Set<string>(Object.values(REFUND_TYPES));

type Mapped = { delivered: DeliveredEvent; envelope: WalletCommandEnvelope } | DeadLetter | { delivered: DeliveredEvent; refusal: DomainError };

@Controller()
export class WalletConsumer {
  private readonly log = new Logger('wallet-consumer');

  constructor(
    private readonly wallet: WalletService,
    private readonly dailyResets: DailyResets,
    @Inject(MESSAGE_BUS) private readonly bus: MessagePublisher,
    private readonly observability: Observability,
  ) {}

  @EventPattern(TOPICS.pricedUsage, TRANSPORT.wallet)
  pricedUsage(@Payload() batch: DeliveredEvent[]) {
    return this.run(batch, (d) => this.fromPricedUsage(d));
  }

  @EventPattern(TOPICS.scheduler, TRANSPORT.wallet)
  async scheduler(@Payload() batch: DeliveredEvent[]) {
    // A daily reset is tenant-wide: it fans out to the accounts holding daily lots (see daily-resets.ts).
    const isReset = (d: DeliveredEvent) => d.event.type === SCHEDULER_TYPES.dailyReset;
    const letters = await this.run(batch.filter((d) => !isReset(d)), (d) => this.fromScheduler(d));
    for (const reset of batch.filter(isReset)) letters.push(...(await this.dailyResets.apply(reset)));
    return letters;
  }

  @EventPattern(TOPICS.refunds, TRANSPORT.wallet)
  refunds(@Payload() batch: DeliveredEvent[]) {
    return this.run(batch, (d) => this.fromRefund(d));
  }

  @EventPattern(TOPICS.payments, TRANSPORT.wallet)
  payments(@Payload() batch: DeliveredEvent[]) {
    return this.run(batch, (d) => this.fromPayment(d));
  }

  /** Maps, runs the batch, answers refusals; returns what must go to the DLQ. */
  private async run(batch: DeliveredEvent[], map: (d: DeliveredEvent) => Mapped | null | Promise<Mapped | null>): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    const runnable: { delivered: DeliveredEvent; envelope: WalletCommandEnvelope }[] = [];
    const refusals: { delivered: DeliveredEvent; error: DomainError }[] = [];
    // The messages are mapped concurrently, so the usage ids the authorizes claim are committed
    // together (the claims' group commit: one store transaction for the batch, not one per message).
    // A message whose mapping reads what an earlier one may claim (a usage step that names no
    // account looks its usage's claim up) waits for the earlier mappings first.
    const mappings: Promise<Mapped | null>[] = [];
    for (const delivered of batch) {
      if (!this.independent(delivered)) await Promise.allSettled(mappings);
      // In the message's own context: what the mapping records (a usage id's claim) names this message.
      mappings.push((async () => {
        try {
          return await inMessageContext(delivered, () => map(delivered));
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          return { delivered, refusal: error };
        }
      })());
    }
    const settled = await Promise.allSettled(mappings);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    for (const s of settled) {
      const mapped = (s as PromiseFulfilledResult<Mapped | null>).value;
      if (!mapped) continue;
      if ('reason' in mapped) letters.push(mapped);
      else if ('refusal' in mapped) refusals.push({ delivered: mapped.delivered, error: mapped.refusal });
      else runnable.push(mapped);
    }
    const outcomes = await this.wallet.runBatch(runnable.map((r) => r.envelope));
    const repeats: { delivered: DeliveredEvent; envelope: WalletCommandEnvelope }[] = [];
    outcomes.forEach((o, i) => {
      if (!o.ok) refusals.push({ delivered: runnable[i].delivered, error: o.error });
      else if (runnable[i].delivered.message.topic === TOPICS.pricedUsage && !o.events.some((e) => usageDecision(e))) repeats.push(runnable[i]);
    });
    await this.answerRepeats(repeats);
    await this.answerRefusals(refusals.filter((r) => r.delivered.message.topic === TOPICS.pricedUsage));
    for (const r of refusals) {
      if (r.delivered.message.topic !== TOPICS.pricedUsage) letters.push({ message: r.delivered.message, reason: `${r.error.code}: ${r.error.message}` });
    }
    return letters;
  }

  /** Whether mapping this message reads nothing an earlier message of its batch may be writing (see run). */
  private independent({ message, event }: DeliveredEvent): boolean {
    if (message.topic !== TOPICS.pricedUsage) return true;
    const data = event.data as { action?: unknown; accountId?: unknown };
    return data.action === 'authorize' || (typeof data.accountId === 'string' && data.accountId !== '');
  }

  /**
   * A usage command that decided nothing new (a retry after a timeout, a redelivery) gets the decision
   * its first delivery got, again: an upstream service that retries must not wait for ever.
   */
  private async answerRepeats(repeats: { delivered: DeliveredEvent; envelope: WalletCommandEnvelope }[]): Promise<void> {
    const answers: OutboundMessage[] = [];
    for (const { delivered, envelope } of repeats) {
      const usage = delivered.event.data as unknown as PricedUsage;
      const first = await this.wallet.firstDecision(envelope.tenantId, envelope.accountId, usage.usageId, usage.action);
      if (first) answers.push(first);
      else this.log.warn(`${delivered.message.topic}@${delivered.message.offset}: no first decision found for ${usage.action} of usage ${usage.usageId}`);
    }
    if (answers.length) await this.bus.publish(TOPICS.usageDecisions, answers);
  }

  /** A usage command refused without any change (unknown usage, wrong state, bad price) gets a `denied` decision. */
  private async answerRefusals(refusals: { delivered: DeliveredEvent; error: DomainError }[]): Promise<void> {
    const answers: OutboundMessage[] = [];
    for (const { delivered, error } of refusals) {
      const { event, message } = delivered;
      const usage = event.data as unknown as PricedUsage;
      // A decision too (denied, nothing recorded): counted and logged with its chain, as WalletObservations does for recorded ones.
      this.observability.metrics.usageDecisions.inc({ tenant: event.tenantid, outcome: 'denied', reason: wireCode(error.code) });
      this.log.warn({
        msg: `${message.topic}@${message.offset} refused: ${error.code} ${error.message}`, tenant: event.tenantid, accountId: usage.accountId, usageId: usage.usageId,
        outcome: 'denied', reason: wireCode(error.code), causationId: event.id, traceId: parseTraceparent(delivered.traceparent)?.traceId, traceparent: delivered.traceparent,
      });
      answers.push({
        key: message.key ?? '',
        value: cloudEvent({
          id: `refused:${event.id}`, source: 'creditflow/wallet', type: USAGE_DECISION_TYPES.denied, subject: usage.accountId,
          time: this.wallet.now().toISOString(), tenantid: event.tenantid, ...(delivered.traceparent ? { traceparent: delivered.traceparent } : {}), causationid: event.id,
          data: { usageId: usage.usageId, action: usage.action, ...domainErrorBody(error) },
        }),
      });
    }
    if (answers.length) await this.bus.publish(TOPICS.usageDecisions, answers);
  }

  private async fromPricedUsage(delivered: DeliveredEvent): Promise<Mapped> {
    const { event, message } = delivered;
    // Pricing checked the command before forwarding it; a payload that is not what it forwards (or a
    // tenant it never heard of) was written by someone else and is dead-lettered, not answered.
    if (!this.wallet.knowsTenant(event.tenantid)) return { message, reason: `unknown tenant "${event.tenantid}"` };
    const checked = validatePricedUsage(event.data);
    if (!checked.ok) return { message, reason: checked.problems.join('; ') };
    const usage = checked.value;
    const tenant = this.wallet.tenant(event.tenantid);
    const now = this.wallet.now();
    if (usage.error) return { delivered, refusal: new DomainError(`PRICING.${usage.error.error.toUpperCase()}`, usage.error.message, usage.error.details as Record<string, unknown>) };
    if (usage.action === 'authorize') {
      if (!usage.price) return { message, reason: 'priced authorize without a price' };
      const price = {
        credits: parseCredits(usage.price.credits, 6),
        phases: usage.price.phases ? { generate: parseCredits(usage.price.phases.generate, 6), accept: parseCredits(usage.price.phases.accept, 6) } : null,
        priceVersion: usage.price.priceVersion,
      };
      const request = { usageId: usage.usageId, accountId: usage.accountId, userId: usage.userId, feature: usage.feature ?? '', ...(usage.options ?? {}) };
      return { delivered, envelope: { ...(await this.wallet.authorize(tenant.tenantId, request as never, price, now)), causationId: event.id } };
    }
    // The message's key names the account (pricing forwards it); a usage of another account is not found there.
    const envelope = await this.wallet.usageStep(tenant.tenantId, usage.usageId, usage.action, usage.reason, now, usage.accountId || undefined);
    return { delivered, envelope: { ...envelope, causationId: event.id } };
  }

  private fromScheduler(delivered: DeliveredEvent): Mapped | null {
    const { event, message } = delivered;
    const tenant = this.wallet.tenant(event.tenantid);
    if (event.type === SCHEDULER_TYPES.monthlyGrant) {
      const checked = validatePayload(MonthlyGrantData, event.data);
      if (!checked.ok) return { message, reason: checked.problems.join('; ') };
      const grant = checked.value;
      return {
        delivered,
        envelope: {
          tenantId: tenant.tenantId, accountId: grant.accountId, causationId: event.id,
          command: {
            type: 'GrantCredits',
            data: {
              lotId: grant.eventId, lotType: grant.lotType, amount: parseCredits(grant.amount, tenant.precision), expiresAt: grant.expiresAt ? new Date(grant.expiresAt) : null,
              costBasis: null, source: { kind: 'subscription', id: grant.subscriptionId }, now: schedulerTime(grant.at, this.wallet.now()), planId: grant.planId,
            },
          },
        },
      };
    }
    if (event.type === SCHEDULER_TYPES.rolloverExpiry) {
      const checked = validatePayload(RolloverExpiryData, event.data);
      if (!checked.ok) return { message, reason: checked.problems.join('; ') };
      const rollover = checked.value;
      return {
        delivered,
        envelope: {
          tenantId: tenant.tenantId, accountId: rollover.accountId, causationId: event.id,
          command: { type: 'ExpireRollover', data: { eventId: rollover.eventId, cap: parseCredits(rollover.rolloverCap, tenant.precision), cycleEnd: new Date(rollover.at), now: schedulerTime(rollover.at, this.wallet.now()) } },
        },
      };
    }
    return { message, reason: `unknown scheduler event type "${event.type}"` };
  }

  private fromRefund(delivered: DeliveredEvent): Mapped | null {
    const { event } = delivered;
    // Requests are the refund service's, settlements are its answers to the wallet's claw-backs; a type
    // nobody reads would vanish unseen, so it goes to the DLQ (here only: one letter, not one per consumer).
    if (!KNOWN_REFUND_TYPES.has(event.type)) return { message: delivered.message, reason: `unknown refund event type "${event.type}"` };
    if (event.type !== REFUND_TYPES.decided) return null;
    const decision = event.data as unknown as RefundDecisionData;
    if (decision.status !== 'approved') return null;
    if (decision.creditsRestored) {
      return {
        delivered,
        envelope: {
          tenantId: event.tenantid, accountId: decision.accountId, causationId: event.id,
          command: { type: 'RestoreUsageCredits', data: { restorationId: decision.refundId, usageId: decision.creditsRestored.usageId, reason: decision.rule, now: this.wallet.now() } },
        },
      };
    }
    if (decision.creditsClawedBack) {
      const { lotId, amount } = decision.creditsClawedBack;
      return {
        delivered,
        envelope: {
          tenantId: event.tenantid, accountId: decision.accountId, causationId: event.id,
          command: { type: 'ClawBackCredits', data: { refundId: decision.refundId, lotId, amount: parseCredits(amount), now: this.wallet.now() } },
        },
      };
    }
    return { message: delivered.message, reason: 'an approved refund decision names neither creditsRestored nor creditsClawedBack' };
  }

  private fromPayment(delivered: DeliveredEvent): Mapped | null {
    const { event } = delivered;
    if (event.type === PAYMENT_TYPES.autoTopUpConfigured) {
      const checked = validatePayload(AutoTopUpConfiguredData, event.data);
      if (!checked.ok) return { message: delivered.message, reason: checked.problems.join('; ') };
      const { accountId, ...settings } = checked.value;
      const tenant = this.wallet.tenant(event.tenantid);
      return { delivered, envelope: { ...this.wallet.autoTopUp(tenant, accountId, settings, this.wallet.now()), causationId: event.id } };
    }
    if (event.type !== PAYMENT_TYPES.purchase) return null; // subscription changes are the scheduler's
    const checked = validatePayload(PurchaseRequest, event.data);
    if (!checked.ok) return { message: delivered.message, reason: checked.problems.join('; ') };
    const tenant = this.wallet.tenant(event.tenantid);
    return { delivered, envelope: { ...this.wallet.purchase(tenant, checked.value, this.wallet.now()), causationId: event.id } };
  }
}

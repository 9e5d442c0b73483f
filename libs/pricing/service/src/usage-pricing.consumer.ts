// Usage commands from upstream: authorize is priced here (the price is fixed now, so a later catalog
// change cannot alter it); every command then goes on, in order and with the same key, to the wallet.
import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  PricedUsage, TOPICS, USAGE_COMMAND_TYPES, UsageAction, cloudEvent, messageKey, parseMessageKey, validateAuthorize, validateUsageStep,
} from '@creditflow/contracts';
import { Clock, DomainError, formatCredits } from '@creditflow/kernel';
import { DeadLetter, DeliveredEvent, MessagePublisher, OutboundMessage } from '@creditflow/messaging';
import { catalogAt, quote } from '@creditflow/pricing-domain';
import { CLOCK, MESSAGE_BUS, TRANSPORT, wireCode } from '@creditflow/shell';
import { Tenants } from '@creditflow/tenancy';

const ACTIONS = new Map(Object.entries(USAGE_COMMAND_TYPES).map(([action, type]) => [type as string, action as UsageAction]));

@Controller()
export class UsagePricingConsumer {
  constructor(
    private readonly tenants: Tenants,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(MESSAGE_BUS) private readonly bus: MessagePublisher,
  ) {}

  @EventPattern(TOPICS.usage, TRANSPORT.pricing)
  async usage(@Payload() batch: DeliveredEvent[]): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    const out: OutboundMessage[] = [];
    for (const delivered of batch) {
      const priced = this.price(delivered);
      if ('reason' in priced) letters.push(priced);
      else out.push(priced);
    }
    await this.bus.publish(TOPICS.pricedUsage, out);
    return letters;
  }

  private price({ event, message, traceparent }: DeliveredEvent): OutboundMessage | DeadLetter {
    const action = ACTIONS.get(event.type);
    if (!action) return { message, reason: `unknown usage command type "${event.type}"` };
    if (!this.tenants.has(event.tenantid)) return { message, reason: `unknown tenant "${event.tenantid}"` };
    const tenant = this.tenants.get(event.tenantid);
    // The key orders one account's usage commands in one partition (its agreement with the message is checked on receipt).
    const keyed = parseMessageKey(message.key);
    if (!keyed) return { message, reason: `usage commands are keyed "<tenant>:<account>", not ${JSON.stringify(message.key)}` };

    let priced: PricedUsage;
    if (action === 'authorize') {
      const checked = validateAuthorize(event.data);
      if (!checked.ok) return { message, reason: checked.problems.join('; ') };
      const r = checked.value;
      const options: Record<string, string | number> = {};
      for (const k of ['model', 'resolution', 'quality', 'detail', 'quantity'] as const) if (r[k] !== undefined) options[k] = r[k]!;
      priced = { action, usageId: r.usageId, accountId: r.accountId, userId: r.userId, feature: r.feature, options };
      try {
        const q = quote(catalogAt(tenant.catalogVersions, this.clock.now()), r, tenant.precision);
        priced.price = {
          credits: formatCredits(q.credits),
          ...(q.phases ? { phases: { generate: formatCredits(q.phases.generate), accept: formatCredits(q.phases.accept) } } : {}),
          priceVersion: q.priceVersion,
        };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        priced.error = { error: wireCode(error.code), message: error.message, details: error.details };
      }
    } else {
      const checked = validateUsageStep(event.data);
      if (!checked.ok) return { message, reason: checked.problems.join('; ') };
      const r = checked.value;
      if (action === 'fail' && !r.reason) return { message, reason: 'fail needs reason "platform_error" or "cancelled"' };
      // A step may name only its usage: the key says whose it is.
      priced = { action, usageId: r.usageId, accountId: r.accountId ?? event.subject ?? keyed.accountId, reason: r.reason };
    }
    const accountId = priced.accountId;
    return {
      key: messageKey(tenant.tenantId, accountId),
      value: cloudEvent({
        id: `priced:${event.id}`, source: 'creditflow/pricing', type: 'creditflow.priced-usage.command', subject: accountId, time: event.time, tenantid: tenant.tenantId,
        // The chain goes on: the command's trace (our span of it) and the command as the cause.
        ...(traceparent ? { traceparent } : {}), causationid: event.id, data: priced,
      }),
    };
  }
}

// The refund service as a process manager: it reads wallet events and, where the tenant's policy
// says so, turns a platform-error failure reported after completion into an approved restoration
// on creditflow.refunds.v1, which the wallet applies. The decision id is derived from the usage, so
// a redelivered wallet event yields the same decision and the wallet applies it once.
import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { REFUND_TYPES, RefundDecisionData, TOPICS, WalletEventData, cloudEvent } from '@creditflow/contracts';
import { formatCredits, parseCredits } from '@creditflow/kernel';
import { DeadLetter, DeliveredEvent, OutboundMessage } from '@creditflow/messaging';
import { restorationForFailedUsage } from '@creditflow/refund-domain';
import { RUNTIME, Runtime, TRANSPORT } from '@creditflow/shell';

@Controller()
export class RefundConsumer {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @EventPattern(TOPICS.walletEvents, TRANSPORT.refund)
  async walletEvents(@Payload() batch: DeliveredEvent[]): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    const decisions: OutboundMessage[] = [];
    for (const { event, message } of batch) {
      const wallet = event.data as unknown as WalletEventData;
      if (wallet.event !== 'UsageFailedAfterCompletion') continue;
      const tenant = this.runtime.tenants.get(event.tenantid);
      if (!tenant) {
        letters.push({ message, reason: `unknown tenant "${event.tenantid}"` });
        continue;
      }
      const failed = wallet.data as { usageId: string; reason: 'platform_error' | 'cancelled'; charged: string; failedAt: string };
      const policy = { ...tenant.refundPolicy, restoreOnPlatformError: tenant.restoreOnPlatformError };
      const verdict = restorationForFailedUsage(policy, {
        usageId: failed.usageId, charged: parseCredits(failed.charged), failedReason: failed.reason, restored: false,
      });
      const decision: RefundDecisionData = {
        refundId: `restore:${failed.usageId}`,
        accountId: wallet.accountId,
        status: verdict.restore ? 'approved' : 'denied',
        rule: verdict.rule,
        reason: verdict.reason,
        ...(verdict.restore ? { creditsRestored: { usageId: failed.usageId, amount: formatCredits(verdict.amount) } } : {}),
      };
      decisions.push({
        key: message.key ?? '',
        value: cloudEvent({
          id: `refund-decision:${event.tenantid}:${decision.refundId}`, source: 'creditflow/refund', type: REFUND_TYPES.decided,
          subject: wallet.accountId, time: failed.failedAt, tenantid: event.tenantid, data: decision,
        }),
      });
    }
    await this.runtime.bus.publish(TOPICS.refunds, decisions);
    return letters;
  }
}

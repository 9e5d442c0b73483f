// The refund service's bus edge.
// - creditflow.wallet-events.v1: every event first feeds the read model of wallet facts (idempotent by
//   account and revision), then the refund service reacts: a failure after completion becomes a
//   restoration decision (`restore:<usageId>`, where the tenant restores), and the wallet's answer to
//   a claw-back settles (CreditsClawedBack) or voids (ClawBackRefused) the refund. The reactions are
//   idempotent too, so a redelivered event changes nothing.
// - creditflow.refunds.v1: `creditflow.refund.requested` is decided like POST /v1/refunds; the
//   decision leaves from the store. A request that cannot be decided (malformed, unknown account,
//   purchase or usage, refundId reused) goes to the DLQ with the reason. The service's own decided,
//   settled and voided messages on the same topic are ignored.
import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { REFUND_TYPES, RefundRequest, TOPICS, WalletEventData, validatePayload } from '@creditflow/contracts';
import { DomainError, parseCredits } from '@creditflow/kernel';
import { DeadLetter, DeliveredEvent } from '@creditflow/messaging';
import { TRANSPORT, inMessageContext } from '@creditflow/shell';
import { RefundService } from './refund.service';

/** The wallet events the refund service reacts to (see react); every other one only feeds the facts. */
const REACTIONS = new Set(['UsageFailedAfterCompletion', 'CreditsClawedBack', 'ClawBackRefused']);

@Controller()
export class RefundConsumer {
  constructor(private readonly refunds: RefundService) {}

  @EventPattern(TOPICS.walletEvents, TRANSPORT.refund)
  async walletEvents(@Payload() batch: DeliveredEvent[]): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    const valid: { delivered: DeliveredEvent; wallet: WalletEventData }[] = [];
    for (const delivered of batch) {
      const { event, message } = delivered;
      if (!this.refunds.knowsTenant(event.tenantid)) {
        letters.push({ message, reason: `unknown tenant "${event.tenantid}"` });
        continue;
      }
      const wallet = event.data as unknown as WalletEventData;
      if (typeof wallet.accountId !== 'string' || typeof wallet.event !== 'string' || !/^\d+$/.test(String(wallet.revision)) || !wallet.data) {
        letters.push({ message, reason: 'not a wallet event (accountId, revision, event, data)' });
        continue;
      }
      valid.push({ delivered, wallet });
    }
    // The facts in one transaction up to each event the service reacts to, which is decided on the
    // facts as they stood when that event came (as if the events were applied one by one).
    for (let start = 0; start < valid.length; ) {
      const reacting = valid.findIndex(({ wallet }, i) => i >= start && REACTIONS.has(wallet.event));
      const end = reacting < 0 ? valid.length : reacting + 1;
      const run = valid.slice(start, end);
      const refused = this.refunds.facts.applyAll(run.map(({ delivered, wallet }) => ({ tenantId: delivered.event.tenantid, wallet })));
      for (const [i, { delivered, wallet }] of run.entries()) {
        let error: unknown = refused[i];
        if (!error && REACTIONS.has(wallet.event)) {
          try {
            await inMessageContext(delivered, () => this.react(delivered.event.tenantid, wallet));
          } catch (thrown) {
            if (!(thrown instanceof DomainError)) throw thrown;
            error = thrown;
          }
        }
        if (error instanceof DomainError) letters.push({ message: delivered.message, reason: `${error.code}: ${error.message}` });
      }
      start = end;
    }
    return letters;
  }

  @EventPattern(TOPICS.refunds, TRANSPORT.refund)
  async requests(@Payload() batch: DeliveredEvent[]): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    for (const delivered of batch) {
      const { event, message } = delivered;
      if (event.type !== REFUND_TYPES.requested) continue;
      const checked = validatePayload(RefundRequest, event.data);
      if (!checked.ok) {
        letters.push({ message, reason: checked.problems.join('; ') });
        continue;
      }
      try {
        await inMessageContext(delivered, () => this.refunds.request(event.tenantid, checked.value, this.refunds.now(), { awaitWallet: false }));
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        letters.push({ message, reason: `${error.code}: ${error.message}` });
      }
    }
    return letters;
  }

  private async react(tenantId: string, wallet: WalletEventData): Promise<void> {
    const d = wallet.data;
    switch (wallet.event) {
      case 'UsageFailedAfterCompletion':
        await this.refunds.restoreFailedUsage(tenantId, wallet.accountId, String(d.usageId), new Date(String(d.failedAt)));
        return;
      case 'CreditsClawedBack':
        await this.refunds.settle(tenantId, wallet.accountId, String(d.refundId), new Date(String(d.clawedBackAt)));
        return;
      case 'ClawBackRefused':
        await this.refunds.void(tenantId, wallet.accountId, String(d.refundId), parseCredits(String(d.unused)), new Date(String(d.refusedAt)));
        return;
      default:
        return;
    }
  }
}

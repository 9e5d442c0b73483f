// What the wallet tells the on-call engineer about its decisions: counted and logged from the events
// this process appended (Observability.onAppended), once each, when the append committed.
//
// Why the append and not a subscription on the store: every replica would read every event through
// its own subscription and count it again (N replicas, N times the truth in a sum()), or, with an
// exclusive subscription, count again from its checkpoint after a takeover. The process that appended
// an event is the one place that knows it exactly once, at once, without reading anything back; the
// counters are per process, and Prometheus adds the replicas up with sum().
//
// - creditflow_usage_decisions_total{tenant, outcome, reason}: authorized, denied (insufficient_credits, member_spending_limit, rate_limited),
//   completed, failed (platform_error, cancelled, timeout), accepted, rejected, restored (the refund rule);
// - creditflow_credits_total{tenant, flow}: granted, spent (captured or charged), expired, refunded
//   (clawed back by a refund), restored;
// - creditflow_holds_total{tenant, event}: placed, captured, released.
// Each usage decision is also one log line with the chain it belongs to: the causing message's id
// and the trace (the request's or the message's) its event recorded.
import { Injectable } from '@nestjs/common';
import { decodeEvent } from '@creditflow/event-store';
import { Credits, formatCredits } from '@creditflow/kernel';
import { AppendedStream, Observability, parseTraceparent } from '@creditflow/shell';
import { WALLET_CATEGORY, WalletEventMetadata } from '@creditflow/wallet-application';
import { WalletEvent } from '@creditflow/wallet-domain';

type Decision = { outcome: string; usageId: string; reason?: string; credits?: Credits };

@Injectable()
export class WalletObservations {
  constructor(private readonly observability: Observability) {
    observability.onAppended(WALLET_CATEGORY, (appended) => this.record(appended));
  }

  private record(appended: readonly AppendedStream[]): void {
    const { usageDecisions, credits, holds } = this.observability.metrics;
    for (const { events } of appended) {
      for (const stored of events) {
        const metadata = stored.metadata as unknown as WalletEventMetadata;
        const tenant = metadata.tenantId;
        const event = decodeEvent<WalletEvent>(stored);
        const flow = (name: string, amount: Credits) => credits.inc({ tenant, flow: name }, Number(formatCredits(amount)));
        let decision: Decision | null = null;
        switch (event.type) {
          case 'CreditsGranted':
            flow('granted', event.data.amount);
            break;
          case 'HoldPlaced':
            holds.inc({ tenant, event: 'placed' });
            decision = { outcome: 'authorized', usageId: event.data.usageId, credits: event.data.credits };
            break;
          case 'UsageDenied':
            decision = { outcome: 'denied', usageId: event.data.usageId, reason: event.data.memberLimit ? 'member_spending_limit' : event.data.rateLimit ? 'rate_limited' : 'insufficient_credits', credits: event.data.required };
            break;
          case 'HoldCaptured':
            holds.inc({ tenant, event: 'captured' });
            flow('spent', event.data.amount);
            decision = { outcome: 'completed', usageId: event.data.usageId, credits: event.data.amount };
            break;
          case 'AcceptCharged':
            flow('spent', event.data.amount);
            decision = { outcome: 'accepted', usageId: event.data.usageId, credits: event.data.amount };
            break;
          case 'HoldReleased':
            holds.inc({ tenant, event: 'released' });
            decision = { outcome: 'failed', usageId: event.data.usageId, reason: event.data.reason, credits: event.data.amount };
            break;
          case 'UsageFailedAfterCompletion':
            decision = { outcome: 'failed', usageId: event.data.usageId, reason: event.data.reason, credits: event.data.charged };
            break;
          case 'UsageRejected':
            decision = { outcome: 'rejected', usageId: event.data.usageId };
            break;
          case 'CreditsRestored':
            flow('restored', event.data.amount);
            decision = { outcome: 'restored', usageId: event.data.usageId, reason: event.data.reason, credits: event.data.amount };
            break;
          case 'LotExpired':
          case 'RolloverExpired':
            flow('expired', event.data.amount);
            break;
          case 'CreditsClawedBack':
            flow('refunded', event.data.amount);
            break;
          default:
            break;
        }
        if (!decision) continue;
        usageDecisions.inc({ tenant, outcome: decision.outcome, reason: decision.reason ?? '' });
        const trace = parseTraceparent(metadata.traceparent);
        this.observability.logger.info(
          {
            tenant, accountId: metadata.accountId, usageId: decision.usageId, outcome: decision.outcome,
            ...(decision.reason ? { reason: decision.reason } : {}), ...(decision.credits !== undefined ? { credits: formatCredits(decision.credits) } : {}),
            eventId: stored.id, ...(metadata.causationId ? { causationId: metadata.causationId } : {}),
            ...(trace ? { traceId: trace.traceId, traceparent: metadata.traceparent } : {}),
          },
          'usage decision',
        );
      }
    }
  }
}

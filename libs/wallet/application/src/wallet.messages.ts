// Stored wallet events -> Kafka messages: every event on creditflow.wallet-events.v1, usage
// outcomes on creditflow.usage-decisions.v1, alerts on creditflow.alerts.v1. Published from the
// store by a checkpointed subscription, never beside the append.
import { ALERT_TYPES, CloudEvent, TOPICS, USAGE_DECISION_TYPES, WalletEventData, cloudEvent, messageKey } from '@creditflow/contracts';
import type { RecordedEvent } from '@creditflow/event-store';
import { Credits, formatCredits } from '@creditflow/kernel';
import type { OutboundMessage } from '@creditflow/messaging';
import { WalletEvent, allowanceCredits } from '@creditflow/wallet-domain';
import { WalletEventMetadata, fromRecorded, toWire } from './wallet.codec';
import { UsageAction, memberLimitAnswer, paidFromView, rateLimitedAnswer } from './wallet.views';

const SOURCE = 'creditflow/wallet';
/** The events alertOf turns into alerts. */
const ALERTING = new Set<string>(['LowBalanceAlertRaised', 'AutoTopUpRequested', 'CreditsExpiringSoon', 'RunningOutAlertRaised', 'CreditsRestored', 'CreditsClawedBack', 'ClawBackRefused']);

export function walletEventMessages(recorded: RecordedEvent): { topic: string; message: OutboundMessage }[] {
  const { tenantId, accountId, causationId, traceparent } = recorded.metadata as unknown as WalletEventMetadata;
  const event = fromRecorded(recorded);
  const key = messageKey(tenantId, accountId);
  const time = recorded.recordedAt.toISOString();
  // Each message carries on the chain of the command that caused the event: its trace and its id.
  const correlation = { ...(traceparent ? { traceparent } : {}), ...(causationId ? { causationid: causationId } : {}) };
  const envelope = <T>(id: string, type: string, data: T): CloudEvent<T> =>
    cloudEvent({ id, source: SOURCE, type, subject: accountId, time, tenantid: tenantId, ...correlation, data });

  const out: { topic: string; message: OutboundMessage }[] = [
    {
      topic: TOPICS.walletEvents,
      message: {
        key,
        value: envelope<WalletEventData>(recorded.id, `creditflow.wallet.${kebab(event.type)}`, {
          accountId,
          revision: recorded.revision.toString(),
          event: event.type,
          data: toWire(event.data) as Record<string, unknown>,
        }),
      },
    },
  ];
  const decision = usageDecision(event);
  if (decision) {
    out.push({ topic: TOPICS.usageDecisions, message: { key, value: envelope(`decision:${recorded.id}`, decision.type, decision.data) } });
  }
  const alert = alertOf(event);
  if (alert) out.push({ topic: TOPICS.alerts, message: { key, value: envelope(`alert:${recorded.id}`, alert.type, { accountId, ...alert.data }) } });
  return out;
}

/**
 * The alert a stored wallet event raises, as published on creditflow.alerts.v1 (and delivered to the
 * tenant's webhooks, by the same id): null for every other event.
 */
export function alertMessage(recorded: RecordedEvent): OutboundMessage | null {
  return walletEventMessages(recorded).find((m) => m.topic === TOPICS.alerts)?.message ?? null;
}

function alertOf(event: WalletEvent): { type: string; data: Record<string, unknown> } | null {
  if (!ALERTING.has(event.type)) return null; // most events raise none: no wire copy of their data for nothing
  const wire = toWire(event.data) as Record<string, unknown>;
  switch (event.type) {
    case 'LowBalanceAlertRaised':
      return { type: ALERT_TYPES.lowBalance, data: wire };
    case 'AutoTopUpRequested':
      return { type: ALERT_TYPES.autoTopUp, data: wire };
    case 'CreditsExpiringSoon':
      return { type: ALERT_TYPES.creditsExpiringSoon, data: wire };
    case 'RunningOutAlertRaised':
      return { type: ALERT_TYPES.runningOut, data: wire };
    // Every approved refund decision reaches the wallet, which applies it (or refuses the claw-back); a
    // restoration's restorationId is its refundId. Denied refunds change no account: they raise no alert.
    case 'CreditsRestored':
      return { type: ALERT_TYPES.refundDecided, data: { refundId: event.data.restorationId, status: 'approved', outcome: 'credits_restored', ...wire } };
    case 'CreditsClawedBack':
      return { type: ALERT_TYPES.refundDecided, data: { status: 'approved', outcome: 'credits_clawed_back', ...wire } };
    case 'ClawBackRefused':
      return { type: ALERT_TYPES.refundDecided, data: { status: 'voided', outcome: 'claw_back_refused', ...wire } };
    default:
      return null;
  }
}

/** The decision upstream services read for a usage event: the HTTP response body, with usageId. */
export function usageDecision(event: WalletEvent): { type: string; data: Record<string, unknown> } | null {
  switch (event.type) {
    case 'HoldPlaced':
      return {
        type: USAGE_DECISION_TYPES.authorized,
        data: { usageId: event.data.usageId, status: 'authorized', credits: formatCredits(event.data.credits), paidFrom: paidFromView(event.data) },
      };
    case 'UsageDenied':
      return {
        type: USAGE_DECISION_TYPES.denied,
        data: event.data.memberLimit
          ? { ...memberLimitAnswer(event.data.usageId, event.data.required, event.data.memberLimit), phase: event.data.phase }
          : event.data.rateLimit
            ? { ...rateLimitedAnswer(event.data.usageId, event.data.required, event.data.rateLimit), phase: event.data.phase }
            : { usageId: event.data.usageId, error: 'insufficient_credits', phase: event.data.phase, required: formatCredits(event.data.required), available: formatCredits(event.data.available) },
      };
    case 'HoldCaptured':
      // The usage's credits: what the lots gave (amount) and what allowances paid.
      return {
        type: USAGE_DECISION_TYPES.completed,
        data: { usageId: event.data.usageId, status: 'completed', credits: formatCredits(withAllowances(event.data)), paidFrom: paidFromView(event.data) },
      };
    case 'HoldReleased':
      return { type: USAGE_DECISION_TYPES.failed, data: { usageId: event.data.usageId, status: 'failed', reason: event.data.reason, released: formatCredits(event.data.amount) } };
    case 'UsageFailedAfterCompletion':
      return { type: USAGE_DECISION_TYPES.failed, data: { usageId: event.data.usageId, status: 'failed', reason: event.data.reason, charged: formatCredits(event.data.charged) } };
    case 'AcceptCharged':
      return {
        type: USAGE_DECISION_TYPES.accepted,
        data: { usageId: event.data.usageId, status: 'accepted', credits: formatCredits(withAllowances(event.data)), paidFrom: paidFromView(event.data) },
      };
    case 'UsageRejected':
      return { type: USAGE_DECISION_TYPES.rejected, data: { usageId: event.data.usageId, status: 'rejected' } };
    default:
      return null;
  }
}

function withAllowances(d: { amount: Credits; allowances?: Parameters<typeof allowanceCredits>[0] }): Credits {
  return (d.amount + allowanceCredits(d.allowances)) as Credits;
}

/** Whether a usage decision answers this command of the usage: the first such decision is its answer, for ever. */
export function answersCommand(decision: { type: string; data: Record<string, unknown> }, usageId: string, action: UsageAction): boolean {
  if (decision.data.usageId !== usageId) return false;
  switch (action) {
    case 'authorize':
      return decision.type === USAGE_DECISION_TYPES.authorized || (decision.type === USAGE_DECISION_TYPES.denied && decision.data.phase === 'generate');
    case 'accept':
      return decision.type === USAGE_DECISION_TYPES.accepted || (decision.type === USAGE_DECISION_TYPES.denied && decision.data.phase === 'accept');
    case 'complete':
      return decision.type === USAGE_DECISION_TYPES.completed;
    case 'fail':
      return decision.type === USAGE_DECISION_TYPES.failed;
    case 'reject':
      return decision.type === USAGE_DECISION_TYPES.rejected;
  }
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

// Stored form of the refund streams (`refund-<tenant>_<refundId>`), their messages on
// creditflow.refunds.v1 (published from the store), and the HTTP view of a refund.
import { REFUND_TYPES, RefundDecisionData, RefundResponse, RefundSettlementData, TOPICS, cloudEvent, messageKey } from '@creditflow/contracts';
import { RecordedEvent, decodeEvent } from '@creditflow/event-store';
import { formatCredits, formatMoney } from '@creditflow/kernel';
import { OutboundMessage } from '@creditflow/messaging';
import { RefundDecision, RefundEvent, RefundRecord } from '@creditflow/refund-domain';

export const REFUND_CATEGORY = 'refund';
const SOURCE = 'creditflow/refund';

export function refundStream(tenantId: string, refundId: string): string {
  return `${REFUND_CATEGORY}-${tenantId}_${refundId}`;
}

export interface RefundEventMetadata {
  tenantId: string;
  accountId: string;
}

export function fromRecorded(recorded: RecordedEvent): RefundEvent {
  return decodeEvent<RefundEvent>(recorded);
}

/** The decision as the wallet (and anyone on creditflow.refunds.v1) reads it. */
export function decisionData(d: RefundDecision): RefundDecisionData {
  return {
    refundId: d.refundId,
    accountId: d.accountId,
    ...(d.purchaseId !== undefined ? { purchaseId: d.purchaseId } : {}),
    ...(d.usageId !== undefined ? { usageId: d.usageId } : {}),
    status: d.status,
    rule: d.rule,
    reason: d.reason,
    policy: d.policy,
    ...(d.money ? { money: { amount: formatMoney(d.money), currency: d.money.currency } } : {}),
    ...(d.moneyUnrounded ? { moneyUnrounded: d.moneyUnrounded } : {}),
    ...(d.rounding ? { rounding: d.rounding } : {}),
    ...(d.creditsRestored ? { creditsRestored: { usageId: d.creditsRestored.usageId, amount: formatCredits(d.creditsRestored.amount) } } : {}),
    ...(d.creditsClawedBack ? { creditsClawedBack: { lotId: d.creditsClawedBack.lotId, amount: formatCredits(d.creditsClawedBack.amount) } } : {}),
    decidedAt: d.decidedAt,
  };
}

/** Stored refund events -> creditflow.refunds.v1: decided, then settled or voided. */
export function refundMessages(recorded: RecordedEvent): { topic: string; message: OutboundMessage }[] {
  const { tenantId, accountId } = recorded.metadata as unknown as RefundEventMetadata;
  const event = fromRecorded(recorded);
  const key = messageKey(tenantId, accountId);
  const envelope = <T>(id: string, type: string, time: string, data: T) =>
    ({ topic: TOPICS.refunds, message: { key, value: cloudEvent({ id, source: SOURCE, type, subject: accountId, time, tenantid: tenantId, data }) } });
  switch (event.type) {
    case 'RefundDecided': {
      const d = event.data.decision;
      return [envelope(`refund-decision:${tenantId}:${d.refundId}`, REFUND_TYPES.decided, d.decidedAt, decisionData(d))];
    }
    case 'RefundSettled': {
      const money = event.data.money;
      const data: RefundSettlementData = {
        refundId: event.data.refundId, accountId, settlement: 'settled', at: event.data.settledAt,
        ...(money ? { money: { amount: formatMoney(money), currency: money.currency } } : {}),
      };
      return [envelope(`refund-settled:${tenantId}:${event.data.refundId}`, REFUND_TYPES.settled, event.data.settledAt, data)];
    }
    case 'RefundVoided': {
      const v = event.data;
      const data: RefundSettlementData = {
        refundId: v.refundId, accountId, settlement: 'voided', rule: v.rule, reason: v.reason, unused: formatCredits(v.unused), at: v.voidedAt,
      };
      return [envelope(`refund-voided:${tenantId}:${v.refundId}`, REFUND_TYPES.voided, v.voidedAt, data)];
    }
    default:
      return [];
  }
}

/** The answer to POST /v1/refunds and GET /v1/refunds/{refundId}. */
export function refundView(record: RefundRecord): RefundResponse {
  // The wire form with the credit amounts as plain decimal strings (the lot named beside them).
  const d = record.decision!;
  const { creditsRestored, creditsClawedBack, decidedAt: _wireTime, ...rest } = decisionData(d);
  return {
    ...rest,
    policy: d.policy,
    ...(creditsRestored ? { creditsRestored: creditsRestored.amount } : {}),
    ...(creditsClawedBack ? { creditsClawedBack: creditsClawedBack.amount, lotId: creditsClawedBack.lotId } : {}),
    ...(record.settlement ? { settlement: record.settlement } : {}),
    ...(record.voided
      ? { voided: { rule: record.voided.rule, reason: record.voided.reason, unused: formatCredits(record.voided.unused), at: record.voided.voidedAt } }
      : {}),
    decidedAt: d.decidedAt,
  };
}

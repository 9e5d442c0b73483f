// Stored form and wire form of wallet events. Stored: bigints marked exactly. Wire (Kafka, HTTP):
// credit amounts as decimal strings.
import { Credits, decodeBigInts, encodeBigInts, formatCredits } from '@creditflow/kernel';
import type { EventData, RecordedEvent } from '@creditflow/event-store';
import { deterministicUuid } from '@creditflow/messaging';
import { WalletEvent } from '@creditflow/wallet-domain';

export const WALLET_CATEGORY = 'wallet';

export function walletStream(tenantId: string, accountId: string): string {
  return `${WALLET_CATEGORY}-${tenantId}_${accountId}`;
}

export interface WalletEventMetadata {
  tenantId: string;
  accountId: string;
  causationId?: string;
}

export function toEventData(stream: string, revision: bigint, event: WalletEvent, metadata: WalletEventMetadata): EventData {
  const data = encodeBigInts(event.data);
  // The id names the position and the content: re-appending the same decision is idempotent, while a
  // different decision for the same position (another replica won the race) is a conflict, never
  // mistaken for a retry and silently dropped.
  return { id: deterministicUuid(`${stream}@${revision}:${event.type}:${JSON.stringify(data)}`), type: event.type, data, metadata: { ...metadata } };
}

export function fromRecorded(recorded: RecordedEvent): WalletEvent {
  return { type: recorded.type, data: decodeBigInts(recorded.data) } as WalletEvent;
}

/** Credits become decimal strings; money in minor units (`paidMinor`) stays an integer string. */
export function toWire(value: unknown, key = ''): unknown {
  if (typeof value === 'bigint') return key === 'paidMinor' ? value.toString() : formatCredits(value as Credits);
  if (Array.isArray(value)) return value.map((v) => toWire(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v, k)]));
  }
  return value;
}

// Stored form and wire form of wallet events. Stored: bigints marked exactly. Wire (Kafka, HTTP):
// credit amounts as decimal strings.
import { Credits, formatCredits } from '@creditflow/kernel';
import { RecordedEvent, decodeEvent } from '@creditflow/event-store';
import { WalletEvent } from '@creditflow/wallet-domain';

export const WALLET_CATEGORY = 'wallet';

export function walletStream(tenantId: string, accountId: string): string {
  return `${WALLET_CATEGORY}-${tenantId}_${accountId}`;
}

export interface WalletEventMetadata {
  tenantId: string;
  accountId: string;
  /** The id of the message that caused the event (absent for HTTP requests). */
  causationId?: string;
  /** The W3C trace context of the request or message that caused it (recorded by the shell's store). */
  traceparent?: string;
  /**
   * Who or what caused it (the shell's RecordedPrincipal): an API key's id and role, the message
   * (topic, partition, offset, CloudEvent id and source), or a scheduler tick. Never a secret.
   */
  principal?: { kind: string } & Record<string, unknown>;
}

export function fromRecorded(recorded: RecordedEvent): WalletEvent {
  return decodeEvent<WalletEvent>(recorded);
}

/** Money fields, in the currency's minor unit: integer strings on the wire, not credits. */
const MINOR_UNIT_FIELDS = new Set(['paidMinor', 'listPriceMinor']);

/** Credits become decimal strings; money in minor units (`paidMinor`, `listPriceMinor`) stays an integer string. */
export function toWire(value: unknown, key = ''): unknown {
  if (typeof value === 'bigint') return MINOR_UNIT_FIELDS.has(key) ? value.toString() : formatCredits(value as Credits);
  if (Array.isArray(value)) return value.map((v) => toWire(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v, k)]));
  }
  return value;
}

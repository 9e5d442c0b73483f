// Fixed time, fixed ids and builders for wallet commands and events, for the wallet's unit tests.
import { Credits, HOUR_MS, parseCredits, wholeCredits } from '@creditflow/kernel';
import { fingerprintOf, grantFingerprint, walletDecider } from '../wallet.decide';
import { WalletCommand } from '../wallet.commands';
import { CostBasis, LotShare, LotSource, WalletEvent } from '../wallet.events';
import { LotType, WalletPolicy } from '../wallet.policy';
import { deciderSpecification } from '@creditflow/kernel/testing';

export const T0 = new Date('2025-03-01T12:00:00.000Z');
export const MINUTE_MS = 60_000;
export const HOLD_TIMEOUT_MS = 15 * MINUTE_MS;
export const TENANT = 'acme';
export const ACCOUNT = 'acc-1';

/** The instant `ms` after T0. */
export function at(ms: number): Date {
  return new Date(T0.getTime() + ms);
}
export function iso(d: Date): string {
  return d.toISOString();
}
/** Credits from a whole number or a decimal string: cr(4), cr('2.625'). */
export function cr(value: number | string): Credits {
  return typeof value === 'number' ? wholeCredits(value) : parseCredits(value);
}
export function share(lotId: string, amount: number | string): LotShare {
  return { lotId, amount: cr(amount) };
}

export const policy: WalletPolicy = {
  precision: 3,
  consumptionOrder: ['daily', 'trial', 'subscription', 'reward', 'topup'],
  holdTimeoutMs: HOLD_TIMEOUT_MS,
};

export function walletSpec(p: WalletPolicy = policy) {
  return deciderSpecification(walletDecider(p));
}

type Data<T extends WalletCommand['type']> = Extract<WalletCommand, { type: T }>['data'];
type EventData<T extends WalletEvent['type']> = Extract<WalletEvent, { type: T }>['data'];

// ---- commands ----

export function openAccount(o: Partial<Data<'OpenAccount'>> = {}): WalletCommand {
  return { type: 'OpenAccount', data: { tenantId: TENANT, accountId: ACCOUNT, kind: 'personal', members: [], now: T0, ...o } };
}

export interface GrantInput {
  lotId: string;
  amount: number | string;
  lotType?: LotType;
  expiresAt?: Date | null;
  costBasis?: CostBasis | null;
  source?: LotSource;
  now?: Date;
}

export function grantCredits(g: GrantInput): WalletCommand {
  return {
    type: 'GrantCredits',
    data: {
      lotId: g.lotId, lotType: g.lotType ?? 'reward', amount: cr(g.amount), expiresAt: g.expiresAt ?? null, costBasis: g.costBasis ?? null,
      source: g.source ?? { kind: 'grant', id: g.lotId }, now: g.now ?? T0,
    },
  };
}

export interface AuthorizeInput {
  usageId: string;
  credits: number | string;
  userId?: string | null;
  feature?: string;
  options?: Record<string, string | number>;
  phases?: { generate: number | string; accept: number | string } | null;
  priceVersion?: string;
  now?: Date;
}

function authorizeData(a: AuthorizeInput): Data<'AuthorizeUsage'> {
  return {
    usageId: a.usageId, userId: a.userId ?? null, feature: a.feature ?? 'text-to-image', options: a.options ?? {}, credits: cr(a.credits),
    phases: a.phases ? { generate: cr(a.phases.generate), accept: cr(a.phases.accept) } : null, priceVersion: a.priceVersion ?? 'v1',
    now: a.now ?? T0,
  };
}

export function authorizeUsage(a: AuthorizeInput): WalletCommand {
  return { type: 'AuthorizeUsage', data: authorizeData(a) };
}
export function completeUsage(usageId: string, now = T0): WalletCommand {
  return { type: 'CompleteUsage', data: { usageId, now } };
}
export function failUsage(usageId: string, reason: 'platform_error' | 'cancelled' = 'platform_error', now = T0): WalletCommand {
  return { type: 'FailUsage', data: { usageId, reason, now } };
}
export function acceptUsage(usageId: string, now = T0): WalletCommand {
  return { type: 'AcceptUsage', data: { usageId, now } };
}
export function rejectUsage(usageId: string, now = T0): WalletCommand {
  return { type: 'RejectUsage', data: { usageId, now } };
}
export function restoreUsageCredits(restorationId: string, usageId: string, now = T0, reason = 'system_failure'): WalletCommand {
  return { type: 'RestoreUsageCredits', data: { restorationId, usageId, reason, now } };
}
export function expireDue(now: Date): WalletCommand {
  return { type: 'ExpireDue', data: { now } };
}

// ---- events (what decide records for the commands above) ----

export function accountOpened(o: Partial<EventData<'AccountOpened'>> = {}): WalletEvent {
  return { type: 'AccountOpened', data: { tenantId: TENANT, accountId: ACCOUNT, kind: 'personal', members: [], openedAt: iso(T0), ...o } };
}

export function creditsGranted(g: GrantInput): WalletEvent {
  const d = (grantCredits(g) as Extract<WalletCommand, { type: 'GrantCredits' }>).data;
  return {
    type: 'CreditsGranted',
    data: {
      lotId: d.lotId, lotType: d.lotType, amount: d.amount, grantedAt: iso(d.now), expiresAt: d.expiresAt ? iso(d.expiresAt) : null,
      costBasis: d.costBasis, source: d.source,
      fingerprint: grantFingerprint(d),
    },
  };
}

export function holdPlaced(a: AuthorizeInput & { lots: LotShare[] }): WalletEvent {
  const d = authorizeData(a);
  return {
    type: 'HoldPlaced',
    data: {
      usageId: d.usageId, userId: d.userId, feature: d.feature, options: d.options, credits: d.credits, phases: d.phases,
      priceVersion: d.priceVersion, lots: a.lots, placedAt: iso(d.now), expiresAt: iso(new Date(d.now.getTime() + HOLD_TIMEOUT_MS)),
      fingerprint: fingerprintOf([d.userId, d.feature, d.options]),
    },
  };
}

export function usageDenied(a: AuthorizeInput & { available: number | string; phase?: 'generate' | 'accept'; required?: number | string }): WalletEvent {
  const d = authorizeData(a);
  return {
    type: 'UsageDenied',
    data: {
      usageId: d.usageId, userId: d.userId, feature: d.feature, phase: a.phase ?? 'generate', required: a.required === undefined ? d.credits : cr(a.required),
      available: cr(a.available), deniedAt: iso(d.now), fingerprint: fingerprintOf([d.userId, d.feature, d.options]),
    },
  };
}

export function holdCaptured(usageId: string, lots: LotShare[], now = T0): WalletEvent {
  return { type: 'HoldCaptured', data: { usageId, lots, amount: sum(lots), capturedAt: iso(now) } };
}
export function holdReleased(usageId: string, lots: LotShare[], reason: EventData<'HoldReleased'>['reason'], now = T0): WalletEvent {
  return { type: 'HoldReleased', data: { usageId, lots, amount: sum(lots), releasedAt: iso(now), reason } };
}
export function acceptCharged(usageId: string, lots: LotShare[], now = T0): WalletEvent {
  return { type: 'AcceptCharged', data: { usageId, lots, amount: sum(lots), chargedAt: iso(now) } };
}
export function usageRejected(usageId: string, now = T0): WalletEvent {
  return { type: 'UsageRejected', data: { usageId, rejectedAt: iso(now) } };
}
export function usageFailedAfterCompletion(usageId: string, charged: number | string, reason: 'platform_error' | 'cancelled' = 'platform_error', now = T0): WalletEvent {
  return { type: 'UsageFailedAfterCompletion', data: { usageId, reason, charged: cr(charged), failedAt: iso(now) } };
}
export function creditsRestored(restorationId: string, usageId: string, lots: LotShare[], now = T0, reason = 'system_failure'): WalletEvent {
  return { type: 'CreditsRestored', data: { restorationId, usageId, lots, amount: sum(lots), restoredAt: iso(now), reason } };
}
export function lotExpired(lotId: string, amount: number | string, now = T0): WalletEvent {
  return { type: 'LotExpired', data: { lotId, amount: cr(amount), expiredAt: iso(now) } };
}
export function lowBalanceAlertRaised(available: number | string, threshold: number | string, now = T0): WalletEvent {
  return { type: 'LowBalanceAlertRaised', data: { available: cr(available), threshold: cr(threshold), raisedAt: iso(now) } };
}
export function autoTopUpRequested(packageId: string, available: number | string, threshold: number | string, now = T0): WalletEvent {
  return { type: 'AutoTopUpRequested', data: { packageId, available: cr(available), threshold: cr(threshold), requestedAt: iso(now) } };
}

function sum(lots: LotShare[]): Credits {
  return lots.reduce((s, l) => s + l.amount, 0n) as Credits;
}

export { HOUR_MS };

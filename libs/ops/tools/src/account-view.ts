// One account as its stream says at a revision: the events up to it, the lots, the open holds and the
// balance, folded with the wallet domain's evolve. As stored: expiries and hold timeouts that are due
// but not yet recorded by an event are not applied (the HTTP balance applies them as of now). Pure.
import type { RecordedEvent } from '@creditflow/event-store';
import { Credits, formatCredits } from '@creditflow/kernel';
import { WalletEventMetadata, fromRecorded, walletStream } from '@creditflow/wallet-application';
import { WalletState, balanceOf, evolve, initialState } from '@creditflow/wallet-domain';
import { costBasisText, eventFacts } from './ledger';
import { table } from './table';

export interface AccountView {
  tenantId: string;
  accountId: string;
  stream: string;
  /** The revision shown, and the stream's last one. */
  revision: string;
  lastRevision: string;
  recordedAt: string;
  kind: 'personal' | 'team';
  members: string[];
  planId: string | null;
  balance: { available: string; held: string; byType: Record<string, string> };
  lots: {
    lotId: string; type: string; amount: string; remaining: string; status: 'open' | 'used' | 'expired';
    grantedAt: string; expiresAt: string | null; source: string; costBasis: string;
  }[];
  holds: { usageId: string; feature: string; userId: string | null; credits: string; lots: string; expiresAt: string | null }[];
  events: {
    revision: string; recordedAt: string; type: string; at: string | null; reference: string; credits: string; detail: string; available: string; held: string;
    /** Who or what caused the event, as its metadata recorded it (null for events stored before it was recorded). */
    principal: Principal | null;
    /** The principal in a few words (`-` when none was recorded). */
    by: string;
  }[];
}

type Principal = NonNullable<WalletEventMetadata['principal']>;

/** An event's principal in a few words: `key 3f2a9c1b7d4e (admin)`, `creditflow.payments.v1 0@12 (pay-1 from payments)`, `scheduler tick 2026-01-01T00:00:00.000Z`. */
export function principalText(principal: Principal | null | undefined): string {
  if (!principal) return '-';
  const p = principal as Record<string, unknown>;
  switch (p.kind) {
    case 'api-key':
      return `key ${p.keyId} (${p.role})`;
    case 'message':
      return `${p.topic} ${p.partition}@${p.offset} (${p.messageId} from ${p.source})`;
    case 'scheduler':
      return `scheduler tick ${p.tick}${p.trigger ? ` by ${principalText(p.trigger as Principal)}` : ''}`;
    default:
      return JSON.stringify(principal);
  }
}

export class AccountNotFound extends Error {}

/** The view at `revision` (default: the last); throws AccountNotFound for an empty stream, RangeError past the last revision. */
export function accountView(tenantId: string, accountId: string, recorded: RecordedEvent[], revision?: bigint): AccountView {
  const stream = walletStream(tenantId, accountId);
  if (!recorded.length) throw new AccountNotFound(`no account "${accountId}" in tenant "${tenantId}" (stream ${stream} is empty)`);
  const last = recorded[recorded.length - 1].revision;
  if (revision !== undefined && revision > last) throw new RangeError(`${stream} ends at revision ${last}; there is no revision ${revision}`);
  const upTo = revision ?? last;
  let state: WalletState = initialState;
  const events: AccountView['events'] = [];
  let recordedAt = '';
  for (const r of recorded) {
    if (r.revision > upTo) break;
    const event = fromRecorded(r);
    const facts = eventFacts(event, state);
    state = evolve(state, event);
    const balance = balanceOf(state);
    recordedAt = r.recordedAt.toISOString();
    events.push({
      revision: r.revision.toString(), recordedAt, type: event.type, at: facts.at, reference: facts.reference, credits: facts.credits,
      detail: facts.detail, available: formatCredits(balance.available), held: formatCredits(balance.held),
      principal: (r.metadata as unknown as WalletEventMetadata).principal ?? null, by: principalText((r.metadata as unknown as WalletEventMetadata).principal),
    });
  }
  const balance = balanceOf(state);
  const holds = [...state.openHolds].map((id) => state.usages.get(id)!).filter(Boolean);
  return {
    tenantId, accountId, stream, revision: upTo.toString(), lastRevision: last.toString(), recordedAt,
    kind: state.kind, members: state.members, planId: state.plan?.planId ?? null,
    balance: {
      available: formatCredits(balance.available), held: formatCredits(balance.held),
      byType: Object.fromEntries(Object.entries(balance.byType).map(([k, v]) => [k, formatCredits(v)])),
    },
    lots: [...state.lots.values()]
      .sort((a, b) => a.grantedAt.localeCompare(b.grantedAt) || a.lotId.localeCompare(b.lotId))
      .map((l) => ({
        lotId: l.lotId, type: l.type, amount: formatCredits(l.amount), remaining: formatCredits(l.remaining),
        status: l.expired ? 'expired' : l.remaining === 0n ? 'used' : 'open',
        grantedAt: l.grantedAt, expiresAt: l.expiresAt, source: `${l.source.kind} ${l.source.id}`, costBasis: costBasisText(l.costBasis),
      })),
    holds: holds.map((u) => ({
      usageId: u.usageId, feature: u.feature, userId: u.userId,
      credits: formatCredits(u.held.reduce((a, s) => a + s.amount, 0n) as Credits),
      lots: u.held.map((s) => `${s.lotId} ${formatCredits(s.amount)}`).join(', '), expiresAt: u.holdExpiresAt,
    })),
    events,
  };
}

/** The view for a terminal; `lastEvents` limits the event list to the latest ones (null: all). */
export function formatAccountView(v: AccountView, lastEvents: number | null): string {
  const out: string[] = [];
  const atLast = v.revision === v.lastRevision;
  out.push(
    `account ${v.tenantId}/${v.accountId} (${v.kind}), stream ${v.stream} at revision ${v.revision}${atLast ? ' (the last)' : ` of ${v.lastRevision}`}, stored ${v.recordedAt}`,
    `  members: ${v.members.length ? v.members.join(', ') : '-'}   plan: ${v.planId ?? '-'}`,
    '',
    `balance: available ${v.balance.available}, held ${v.balance.held}` +
      `${Object.entries(v.balance.byType).some(([, x]) => x !== '0') ? ` (${Object.entries(v.balance.byType).filter(([, x]) => x !== '0').map(([k, x]) => `${k} ${x}`).join(', ')})` : ''}`,
    '  as stored: expiries and hold timeouts due after the last recorded event are not applied',
    '',
    `lots (${v.lots.length}):`,
  );
  if (v.lots.length) {
    out.push(
      table(
        ['LOT', 'TYPE', 'AMOUNT', 'REMAINING', 'STATUS', 'GRANTED', 'EXPIRES', 'SOURCE', 'PAID'],
        v.lots.map((l) => [l.lotId, l.type, l.amount, l.remaining, l.status, l.grantedAt, l.expiresAt ?? 'never', l.source, l.costBasis || '-']),
        new Set([2, 3]),
      ).trimEnd(),
    );
  }
  out.push('', `open holds (${v.holds.length}):`);
  if (v.holds.length) {
    out.push(table(['USAGE', 'FEATURE', 'USER', 'HELD', 'FROM', 'EXPIRES'], v.holds.map((h) => [h.usageId, h.feature, h.userId ?? '-', h.credits, h.lots, h.expiresAt ?? '-']), new Set([3])).trimEnd());
  }
  const shown = lastEvents === null ? v.events : v.events.slice(-lastEvents);
  const earlier = v.events.length - shown.length;
  out.push('', `events (${v.events.length}${earlier ? `; the last ${shown.length}, --events all shows every one` : ''}):`);
  out.push(
    table(
      ['REV', 'TYPE', 'AT', 'REFERENCE', 'CREDITS', 'AVAILABLE', 'HELD', 'BY', 'DETAIL'],
      shown.map((e) => [e.revision, e.type, e.at ?? '-', e.reference, e.credits, e.available, e.held, e.by, e.detail]),
      new Set([0, 4, 5, 6]),
    ).trimEnd(),
  );
  return `${out.join('\n')}\n`;
}

// Reads the records the reconciler checks from the stores, in store order: the wallet's events
// (stream category `wallet`) and the refund service's (category `refund`: the same store in embedded
// mode and on PostgreSQL, its own store in distributed SQLite mode). Only the event store port.
//
// The records are read as of one instant, taken before reading starts: events recorded later are
// left out of both categories. A refund is decided before the wallet claws back and settled after,
// so a consistent cut by time never shows a claw-back without its decision or a settlement without
// its claw-back, even while the platform runs and across two stores.
import { EventStore, RecordedEvent } from '@creditflow/event-store';
import { decodeBigInts } from '@creditflow/kernel';
import { DecisionMessage, ReconciliationReport, Reconciler, StatedBalance, StoredFact, TenantTerms } from '@creditflow/reconciler-domain';

const PAGE = 2000;

export interface ReconcileOptions {
  wallet: EventStore;
  /** Where the refund service keeps its events (default: the wallet's store). */
  refund?: EventStore;
  terms: Map<string, TenantTerms>;
  /** Only this tenant's accounts. */
  tenant?: string;
  /**
   * The usage decisions published on creditflow.usage-decisions.v1 (`decisionMessage`), read before
   * this call: each names a wallet event recorded before it was published, so before the instant the
   * stores are read as of. Absent: decisions are not checked.
   */
  decisions?: readonly DecisionMessage[];
  /** Balances another record states (the ops read model), each compared where it is at the revision the fold ends at. */
  statedBalances?: readonly StatedBalance[];
  /** Only discrepancies shown by events recorded at or after this ISO instant (the whole history is still folded). */
  from?: string;
}

export async function reconcileStores(options: ReconcileOptions): Promise<ReconciliationReport> {
  const reconciler = new Reconciler((tenant) => options.terms.get(tenant));
  const asOf = new Date().toISOString();
  const wanted = (fact: StoredFact) => fact.recordedAt <= asOf && (options.tenant === undefined || fact.tenant === options.tenant);
  await readCategory(options.wallet, 'wallet', (fact) => {
    if (wanted(fact)) reconciler.wallet(fact);
  });
  await readCategory(options.refund ?? options.wallet, 'refund', (fact) => {
    if (wanted(fact)) reconciler.refund(fact);
  });
  for (const message of options.decisions ?? []) if (options.tenant === undefined || message.tenant === options.tenant) reconciler.decision(message);
  for (const balance of options.statedBalances ?? []) if (options.tenant === undefined || balance.tenant === options.tenant) reconciler.statedBalance(balance);
  return reconciler.report({ from: options.from });
}

async function readCategory(store: EventStore, category: string, apply: (fact: StoredFact) => void): Promise<void> {
  for (let from = 0n; ; ) {
    const page = await store.readAll({ category, fromPosition: from, maxCount: PAGE });
    if (!page.length) return;
    from = page[page.length - 1].position;
    for (const recorded of page) {
      const fact = factOf(recorded);
      if (fact) apply(fact);
    }
  }
}

/** The event with its tenant and account (from the metadata every writer records); null for anything else. */
function factOf(recorded: RecordedEvent): StoredFact | null {
  const { tenantId, accountId } = recorded.metadata as { tenantId?: unknown; accountId?: unknown };
  if (typeof tenantId !== 'string' || typeof accountId !== 'string') return null;
  return {
    stream: recorded.streamName, eventId: recorded.id, revision: recorded.revision, position: recorded.position,
    recordedAt: recorded.recordedAt.toISOString(), type: recorded.type, tenant: tenantId, account: accountId,
    data: decodeBigInts(recorded.data),
  };
}

/** A message of creditflow.usage-decisions.v1 (a CloudEvent as JSON text) as the reconciler reads it; null when it is none. */
export function decisionMessage(topic: string, record: { partition: number; offset: string; value: string }): DecisionMessage | null {
  let event: { id?: unknown; type?: unknown; time?: unknown; tenantid?: unknown; subject?: unknown; data?: unknown };
  try {
    event = JSON.parse(record.value);
  } catch {
    return null;
  }
  if (typeof event?.id !== 'string' || typeof event.type !== 'string' || typeof event.tenantid !== 'string' || typeof event.subject !== 'string') return null;
  const data = event.data && typeof event.data === 'object' ? (event.data as Record<string, unknown>) : {};
  return {
    topic, partition: record.partition, offset: record.offset, id: event.id, type: event.type, time: typeof event.time === 'string' ? event.time : '',
    tenant: event.tenantid, account: event.subject, data,
  };
}

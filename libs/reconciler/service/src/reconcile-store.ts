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
import { ReconciliationReport, Reconciler, StoredFact, TenantTerms } from '@creditflow/reconciler-domain';

const PAGE = 2000;

export interface ReconcileOptions {
  wallet: EventStore;
  /** Where the refund service keeps its events (default: the wallet's store). */
  refund?: EventStore;
  terms: Map<string, TenantTerms>;
  /** Only this tenant's accounts. */
  tenant?: string;
  /** Only discrepancies shown by events recorded at or after this ISO instant (the whole history is still folded). */
  from?: string;
}

export async function reconcileStores(options: ReconcileOptions): Promise<ReconciliationReport> {
  const reconciler = new Reconciler((tenant) => options.terms.get(tenant));
  const asOf = new Date().toISOString();
  const wanted = (fact: StoredFact) => fact.recordedAt <= asOf && (options.tenant === undefined || fact.tenant === options.tenant);
  await readCategory(options.wallet, 'wallet', (fact) => wanted(fact) && reconciler.wallet(fact));
  await readCategory(options.refund ?? options.wallet, 'refund', (fact) => wanted(fact) && reconciler.refund(fact));
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

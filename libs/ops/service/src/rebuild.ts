// Rebuilds the ops read models from the wallet's event store into a fresh file, with progress, and
// compares them with the live ones: the rebuild must equal the live projection.
import type { EventStore } from '@creditflow/event-store';
import { OpsProjections } from '@creditflow/ops-projections';
import { WALLET_CATEGORY } from '@creditflow/wallet-application';
import { stateLoader } from './ops.projector';

export interface RebuildResult {
  events: number;
  /** Tables whose rows differ from the live projection (empty: equal). */
  differences: string[];
}

/**
 * `progress(done, total)`: first with 0 and the number of wallet events to apply (null where the store
 * cannot count them: EventStoreDB), then after every page. Events appended meanwhile are applied too,
 * so `done` may end above that total.
 */
export async function rebuildProjections(
  store: EventStore,
  targetPath: string,
  live: OpsProjections | null,
  progress: (events: number, total: number | null) => void = () => undefined,
): Promise<RebuildResult> {
  const rebuilt = new OpsProjections(targetPath, stateLoader(store));
  let events = 0;
  try {
    const counted = await store.countEvents({ category: WALLET_CATEGORY, fromPosition: rebuilt.position() });
    const total = counted === null ? null : Number(counted);
    progress(0, total);
    for (let from = rebuilt.position(); ; ) {
      const page = await store.readAll({ category: WALLET_CATEGORY, fromPosition: from, maxCount: 2000 });
      if (!page.length) break;
      await rebuilt.apply(page);
      events += page.length;
      from = page[page.length - 1].position;
      progress(events, total);
    }
    return { events, differences: live ? rebuilt.differencesFrom(live) : [] };
  } finally {
    rebuilt.close();
  }
}

import { EsdbEventStore } from './esdb/esdb.event-store';
import type { EventStore } from './event-store';
import { SqliteEventStore } from './sqlite/sqlite.event-store';

export type EventStoreConfig =
  | { kind: 'sqlite'; path: string }
  | { kind: 'esdb'; connectionString: string };

export function createEventStore(config: EventStoreConfig): EventStore {
  switch (config.kind) {
    case 'sqlite':
      return SqliteEventStore.open(config.path);
    case 'esdb':
      return EsdbEventStore.connect(config.connectionString);
    default: {
      const unknown: never = config;
      throw new Error(`Unknown event store kind: ${(unknown as { kind: string }).kind}`);
    }
  }
}

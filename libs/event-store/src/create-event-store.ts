import { EsdbEventStore } from './esdb/esdb.event-store';
import type { EventStore } from './event-store';
import { PostgresEventStore } from './postgres/postgres.event-store';
import { SqliteEventStore } from './sqlite/sqlite.event-store';

export type EventStoreConfig =
  | { kind: 'sqlite'; path: string }
  | { kind: 'esdb'; connectionString: string }
  /** `schema` defaults to `creditflow`; the store creates or migrates it on connect. */
  | { kind: 'postgres'; connectionString: string; schema?: string };

export function createEventStore(config: EventStoreConfig): EventStore {
  switch (config.kind) {
    case 'sqlite':
      return SqliteEventStore.open(config.path);
    case 'esdb':
      return EsdbEventStore.connect(config.connectionString);
    case 'postgres':
      return PostgresEventStore.connect(config.connectionString, { schema: config.schema });
    default: {
      const unknown: never = config;
      throw new Error(`Unknown event store kind: ${(unknown as { kind: string }).kind}`);
    }
  }
}

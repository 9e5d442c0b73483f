export * from './event-store';
export type { RetryPolicy } from './delivery';
export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite/sqlite.event-store';
export { EsdbEventStore, type EsdbEventStoreOptions } from './esdb/esdb.event-store';
export { createEventStore, type EventStoreConfig } from './create-event-store';
export { openSqlite } from './sqlite/open-sqlite';
export * from './command-handler';
export { deterministicUuid, storedEventId } from './event-ids';
export { KeyedLock } from './keyed-lock';

// Where the platform keeps what the tools read: found from the same configuration the services read
// (`readConfig`) and the same rule they use for their store (`eventStoreFor`), so a command run with
// a service's environment opens that service's store and never creates one.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStoreConfig } from '@creditflow/event-store';
import { PlatformConfig, eventStoreFor } from '@creditflow/shell';
import { OpsError } from './io';

export type Mode = 'embedded' | 'distributed';
export const MODES: readonly Mode[] = ['embedded', 'distributed'];

export interface WalletLocation {
  mode: Mode;
  /** Why this mode: the option, the environment or the files found. */
  modeReason: string;
  /** The wallet process's data directory: its SQLite store (if any) and the ops read model. */
  dataDir: string;
  store: EventStoreConfig;
  /** The store, for messages: a file path, or the kind of server. */
  storeLabel: string;
}

/**
 * The mode a data directory was written by, unless `requested` says: distributed where the
 * environment names Kafka or EventStoreDB, or where `<data>/wallet/` holds the wallet's files; else embedded.
 */
export function detectMode(config: PlatformConfig, requested?: Mode): { mode: Mode; reason: string } {
  if (requested) return { mode: requested, reason: '--mode' };
  if (config.kafka) return { mode: 'distributed', reason: 'KAFKA_BROKERS is set' };
  if (config.eventStoreConnectionString) return { mode: 'distributed', reason: 'EVENTSTORE_CONNECTION_STRING is set' };
  const wallet = join(config.dataDir, 'wallet');
  if (['events.sqlite', 'ops-projections.sqlite'].some((f) => existsSync(join(wallet, f)))) return { mode: 'distributed', reason: `${wallet} holds the wallet's files` };
  return { mode: 'embedded', reason: 'no Kafka configured and no distributed wallet directory' };
}

/** The wallet's store and data directory in `mode`; an SQLite store must exist (the tools never create one). */
export function walletLocation(config: PlatformConfig, requested?: Mode): WalletLocation {
  const { mode, reason } = detectMode(config, requested);
  const dataDir = mode === 'distributed' ? join(config.dataDir, 'wallet') : config.dataDir;
  const store = eventStoreFor(config, mode, 'wallet', dataDir);
  if (store.kind === 'sqlite' && !existsSync(store.path)) {
    throw new OpsError(
      `no wallet event store at ${store.path} (${mode} mode: ${reason}); set CREDITFLOW_DATA_DIR to the platform's data directory` +
        `${mode === 'embedded' ? ' (the wallet of distributed mode keeps its store in <data>/wallet/: --mode distributed)' : ''}, or DATABASE_URL`,
    );
  }
  const storeLabel = store.kind === 'sqlite' ? store.path : store.kind === 'postgres' ? `PostgreSQL (schema ${store.schema ?? 'creditflow'})` : 'EventStoreDB';
  return { mode, modeReason: reason, dataDir, store, storeLabel };
}

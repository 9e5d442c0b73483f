// Everything a service needs from its environment, built once per process: tenants, clock, keys,
// the event store and the bus. Embedded mode: one SQLite store and the SQLite bus for all four
// services. Distributed mode: Kafka, and the wallet on EventStoreDB when a connection string is set.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ALL_TOPICS } from '@creditflow/contracts';
import { EventStore, createEventStore } from '@creditflow/event-store';
import { KafkaBus, MessageBus, SqliteBus } from '@creditflow/messaging';
import { Tenants, findTenantsDir, loadTenants } from '@creditflow/tenancy';
import { Principal, parseApiKeys } from './auth';
import { ManualClock, SystemClock, clockFromEnv } from './clock';

export type ServiceName = 'pricing' | 'wallet' | 'subscription-scheduler' | 'refund';
export const SERVICES: ServiceName[] = ['pricing', 'wallet', 'subscription-scheduler', 'refund'];

/** Each service's handlers bind to its own transport, so one process can host several services. */
export const TRANSPORT: Record<ServiceName, symbol> = {
  pricing: Symbol.for('creditflow.pricing'),
  wallet: Symbol.for('creditflow.wallet'),
  'subscription-scheduler': Symbol.for('creditflow.subscription-scheduler'),
  refund: Symbol.for('creditflow.refund'),
};

export interface Runtime {
  mode: 'embedded' | 'distributed';
  dataDir: string;
  /** Consumer groups are `<prefix>-<service>` (CREDITFLOW_GROUP_PREFIX, default "creditflow"). */
  groupPrefix: string;
  clock: SystemClock | ManualClock;
  tenants: Tenants;
  apiKeys: Map<string, Principal>;
  bus: MessageBus;
  store: EventStore;
  close(): Promise<void>;
}

export async function createRuntime(mode: 'embedded' | 'distributed', service?: ServiceName, env = process.env): Promise<Runtime> {
  const dataDir = resolve(env.CREDITFLOW_DATA_DIR || './data', mode === 'distributed' && service ? service : '.');
  mkdirSync(dataDir, { recursive: true });
  const tenants = loadTenants(findTenantsDir(env));
  const clock = clockFromEnv(env.CREDITFLOW_CLOCK);
  const apiKeys = parseApiKeys(env.CREDITFLOW_API_KEYS);
  for (const principal of apiKeys.values()) {
    if (!tenants.has(principal.tenant)) throw new Error(`CREDITFLOW_API_KEYS names tenant "${principal.tenant}", which has no file in config/tenants`);
  }

  let bus: MessageBus;
  if (mode === 'embedded') {
    bus = new SqliteBus(join(dataDir, 'bus.sqlite'));
  } else {
    if (!env.KAFKA_BROKERS) throw new Error('distributed mode needs KAFKA_BROKERS (host:port,...)');
    const kafka = new KafkaBus({ brokers: env.KAFKA_BROKERS.split(','), clientId: `creditflow-${service ?? 'platform'}` });
    await kafka.ensureTopics(ALL_TOPICS);
    bus = kafka;
  }
  const store =
    mode === 'distributed' && service === 'wallet' && env.EVENTSTORE_CONNECTION_STRING
      ? createEventStore({ kind: 'esdb', connectionString: env.EVENTSTORE_CONNECTION_STRING })
      : createEventStore({ kind: 'sqlite', path: join(dataDir, 'events.sqlite') });

  if (clock instanceof ManualClock) await clock.restore(store);

  return {
    mode, dataDir, clock, groupPrefix: env.CREDITFLOW_GROUP_PREFIX || 'creditflow', tenants, apiKeys, bus, store,
    close: async () => {
      await bus.close();
      await store.close();
    },
  };
}

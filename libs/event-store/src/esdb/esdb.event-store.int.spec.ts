import { commandHandlerContract, eventStoreContract } from '../../testing';
import { EsdbEventStore } from './esdb.event-store';

// The build machines have no EventStoreDB server (no Docker engine), so this suite is skipped there.
// Start one with docker-compose and set e.g. EVENTSTORE_CONNECTION_STRING=esdb://127.0.0.1:2113?tls=false.
const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;
const describeEsdb = connectionString ? describe : describe.skip;

describeEsdb('EsdbEventStore against EVENTSTORE_CONNECTION_STRING', () => {
  eventStoreContract('EsdbEventStore', async () => EsdbEventStore.connect(connectionString!));
  commandHandlerContract('EsdbEventStore', async () => EsdbEventStore.connect(connectionString!));
});

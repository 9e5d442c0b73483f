export { eventStoreContract } from './event-store.contract';
export { commandHandlerContract } from './command-handler.contract';
export { dropSchemas, testDatabaseUrl } from './postgres';

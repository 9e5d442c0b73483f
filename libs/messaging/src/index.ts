export * from './bus';
export * from './dead-letters';
export * from './kafka.bus';
export * from './sqlite.bus';
export * from './store-publisher';

export * from './tenant-config.types';
export * from './tenant-config.error';
export * from './tenant-config.load';
export * from './tenants';
export { parseTenantConfig, DEFAULT_CONSUMPTION_ORDER, WEBHOOK_SECRET_ENV_PREFIX } from './tenant-config.parse';
export type { ParseResult } from './tenant-config.parse';

export * from './refund.policy';
export * from './refund.rules';
export * from './refund.types';
export * from './refund.errors';
export { decideRefund, isDiscounted, restorationForFailedUsage } from './refund.decide';
export type { Restoration } from './refund.decide';
export * from './refund.lifecycle';

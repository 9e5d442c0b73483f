export * from './billing-cycle';
export * from './subscription.plan';
export * from './subscription.events';
export * from './subscription.commands';
export * from './subscription.errors';
export { initialState, evolve, fold } from './subscription.state';
export type { SubscriptionState, SubscriptionStatus, PendingPlanChange } from './subscription.state';
export { decide, settleDue, subscriptionIdOf } from './subscription.decide';
export * from './rollover';

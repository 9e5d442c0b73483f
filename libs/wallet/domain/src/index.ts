export * from './wallet.policy';
export * from './wallet.events';
export * from './wallet.commands';
export * from './wallet.errors';
export * from './wallet.state';
export * from './wallet.requests';
export { decide, fingerprintOf, grantFingerprint, walletDecider } from './wallet.decide';
export { allocate, consumptionOrder } from './lots';
export * from './usage-claim';

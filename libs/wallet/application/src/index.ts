export * from './wallet.accounts';
export * from './wallet.codec';
export * from './wallet.views';
export * from './wallet.messages';
export * from './usage-claims';
export * from './lot-expiry-index';

export * from './catalog.types';
export * from './catalog.versions';
export * from './catalog.validate';
export * from './price.arithmetic';
export * from './pricing.errors';
export * from './quote';

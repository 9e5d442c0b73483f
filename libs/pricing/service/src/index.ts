export * from './pricing.module';

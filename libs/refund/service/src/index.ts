export * from './refund.module';

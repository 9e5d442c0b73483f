export * from './embedded-platform';

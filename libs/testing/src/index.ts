export * from './embedded-platform';
export * from './tenant-variants';

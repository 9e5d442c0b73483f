export * from './embedded-platform';
export * from './tenant-client';
export * from './tenant-variants';
export * from './observability.fixture';

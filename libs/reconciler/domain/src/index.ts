export * from './amounts';
export * from './prices';
export * from './report';
export * from './reconciler';

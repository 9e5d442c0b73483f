export * from './reconcile-store';
export * from './tenant-terms';
export * from './reconciler.job';
export * from './reconciler.module';

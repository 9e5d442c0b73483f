export * from './ops.projections';

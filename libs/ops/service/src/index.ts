export * from './ops.module';
export * from './ops.projector';
export * from './rebuild';
export * from './simulation';

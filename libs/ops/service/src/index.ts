export * from './ops.module';
export * from './ops.projector';
export { toCsv } from './ops.controller';
export * from './rebuild';

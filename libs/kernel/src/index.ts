export * from './credits';
export * from './money';
export * from './clock';
export * from './errors';
export * from './assert-never';
export * from './ids';
export * from './json-bigint';
export * from './persistent-map';

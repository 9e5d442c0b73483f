// Helpers for tests of every tier and tag: `@creditflow/kernel/testing`.
export { waitFor } from './wait-for';

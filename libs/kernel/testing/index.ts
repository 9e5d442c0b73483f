// Helpers for tests of every tier and tag: `@creditflow/kernel/testing`.
export { deciderSpecification, runAll, type DeciderSpecification, type Then } from './decider-specification';
export { waitFor } from './wait-for';
export { refusalOf, thrownBy, type Refusal } from './refusal';

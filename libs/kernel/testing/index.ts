export { deciderSpecification, type DeciderSpecification, type Then } from './decider-specification';

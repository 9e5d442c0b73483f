import { DomainError } from '../src';

export interface Refusal {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** The DomainError `run` throws, as plain data. Fails when `run` returns, and lets any other error through: a bug is not a refusal. */
export function refusalOf(run: () => unknown): Refusal {
  try {
    run();
  } catch (e) {
    if (e instanceof DomainError) return { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
    throw e;
  }
  throw new Error('expected a refusal (a DomainError), but it returned');
}

/** The error `run` throws, checked to be a `type`. Fails when `run` returns, or throws anything else. */
export function thrownBy<E extends Error>(type: abstract new (...args: never[]) => E, run: () => unknown): E {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    return e as E;
  }
  throw new Error(`expected a ${type.name}, but it returned`);
}

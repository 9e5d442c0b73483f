// The exhaustiveness check every switch over a union ends in: the compiler refuses a missing case,
// and a value the types did not foresee (a corrupted stream, an unvalidated input) fails loudly.
export function assertNever(value: never): never {
  throw new Error(`unexpected ${JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
}

export function assertNever(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}

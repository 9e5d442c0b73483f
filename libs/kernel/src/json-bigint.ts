// Domain events hold bigint amounts; JSON has no bigint. Stored events mark them explicitly
// ({"$bigint": "2625000"}) so decoding is exact and never guesses from a string's shape.
export function encodeBigInts(value: unknown): unknown {
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (Array.isArray(value)) return value.map(encodeBigInts);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encodeBigInts(v);
    return out;
  }
  return value;
}

export function decodeBigInts<T = unknown>(value: unknown): T {
  if (Array.isArray(value)) return value.map(decodeBigInts) as T;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1 && keys[0] === '$bigint' && typeof obj.$bigint === 'string') return BigInt(obj.$bigint) as T;
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = decodeBigInts(obj[k]);
    return out as T;
  }
  return value as T;
}

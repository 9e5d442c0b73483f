// One validation entry point for every edge (HTTP bodies and Kafka payloads): unknown fields are
// refused, every problem is reported with its field.
import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';

export type Validated<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** No message or body of the contract nests deeper; class-transformer recurses, so deeper input would exhaust the stack. */
export const MAX_NESTING = 32;

export function validatePayload<T extends object>(cls: new () => T, plain: unknown): Validated<T> {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    return { ok: false, problems: ['body must be a JSON object'] };
  }
  if (nestedDeeperThan(plain, MAX_NESTING)) return { ok: false, problems: [`body nests objects or arrays deeper than ${MAX_NESTING} levels`] };
  const reserved = reservedKeyIn(plain);
  if (reserved) return { ok: false, problems: [`property ${reserved} should not exist`] };
  const value = plainToInstance(cls, plain);
  const errors = validateSync(value, { whitelist: true, forbidNonWhitelisted: true });
  return errors.length ? { ok: false, problems: flatten(errors) } : { ok: true, value };
}

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => (m.startsWith(e.property) ? `${prefix ? `${prefix}.` : ''}${m}` : `${path}: ${m}`));
    return [...own, ...flatten(e.children ?? [], path)];
  });
}

/** Whether objects and arrays nest deeper than `max` levels; iterative, so any depth is safe to ask about. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Keys named like Object.prototype's members (`__proto__`, `constructor`, `toString`...): class-transformer
 * skips them without a word, so the whitelist never sees them and a body carrying one used to pass as
 * valid. Refused like any other unknown field (found by the fault suite's HTTP fuzzing).
 */
const RESERVED_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

/** The first own key, at any depth, that names an Object.prototype member; null when there is none. */
export function reservedKeyIn(value: unknown): string | null {
  const stack: unknown[] = [value];
  while (stack.length) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    for (const key of Object.keys(node)) {
      if (RESERVED_KEYS.has(key)) return key;
      stack.push((node as Record<string, unknown>)[key]);
    }
  }
  return null;
}

// One validation entry point for every edge (HTTP bodies and Kafka payloads): unknown fields are
// refused, every problem is reported with its field.
import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';

export type Validated<T> = { ok: true; value: T } | { ok: false; problems: string[] };

export function validatePayload<T extends object>(cls: new () => T, plain: unknown): Validated<T> {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    return { ok: false, problems: ['body must be a JSON object'] };
  }
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

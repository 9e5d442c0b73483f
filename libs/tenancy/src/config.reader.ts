// Reads untyped configuration values field by field, recording a problem (with its field path) for
// every bad value instead of stopping at the first, so one run reports everything wrong in a file.
// Amounts are decimal strings or integers, parsed exactly with the kernel; a fractional number
// literal is refused because its value has already passed through a float.
import { ID, ID_MESSAGE } from '@creditflow/contracts';
import { CREDIT_SCALE, Credits, Money, minorDigits, parseCredits, parseMoney, wholeCredits } from '@creditflow/kernel';

/** A YAML number written in a form other than plain decimal digits (1.75, 0x10, 1e3, .inf); keeps its source text. */
export class NumberLiteral {
  constructor(readonly source: string) {}
}

export interface ReadProblem {
  readonly path: string;
  readonly message: string;
}

export type Obj = Record<string, unknown>;

const DECIMAL = /^\d+(?:\.\d+)?$/;

export function render(value: unknown): string {
  if (value instanceof NumberLiteral) return value.source;
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'a list' : 'a mapping';
  return String(value);
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

export class ConfigReader {
  readonly problems: ReadProblem[] = [];

  problem(path: string, message: string): undefined {
    this.problems.push({ path, message });
    return undefined;
  }

  /** A mapping whose keys are all in `allowed`; unknown keys (typos) are problems. */
  object(value: unknown, path: string, allowed?: readonly string[]): Obj | undefined {
    if (value === undefined) return this.problem(path, 'is required');
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof NumberLiteral) {
      return this.problem(path, `must be a mapping, got ${render(value)}`);
    }
    const obj = value as Obj;
    if (allowed) {
      for (const key of Object.keys(obj)) {
        if (!allowed.includes(key)) this.problem(join(path, key), `unknown field; expected one of ${allowed.join(', ')}`);
      }
    }
    return obj;
  }

  /** A mapping from identifiers (plans, packages, features, option values: ids callers name, so wire ids) to values, in file order. */
  entries(value: unknown, path: string, what: string): [string, unknown][] {
    const obj = this.object(value, path);
    if (!obj) return [];
    const result: [string, unknown][] = [];
    for (const [key, item] of Object.entries(obj)) {
      if (ID.test(key)) result.push([key, item]);
      else this.problem(join(path, key), `${JSON.stringify(key)} is not a valid ${what}: it ${ID_MESSAGE}`);
    }
    return result;
  }

  list(value: unknown, path: string): unknown[] | undefined {
    if (value === undefined) return this.problem(path, 'is required');
    if (!Array.isArray(value)) return this.problem(path, `must be a list, got ${render(value)}`);
    return value;
  }

  string(value: unknown, path: string): string | undefined {
    if (value === undefined) return this.problem(path, 'is required');
    if (typeof value !== 'string' || value.trim() === '') return this.problem(path, `must be a non-empty string, got ${render(value)}`);
    return value;
  }

  id(value: unknown, path: string): string | undefined {
    const text = this.string(value, path);
    if (text !== undefined && !ID.test(text)) return this.problem(path, `${render(text)} is not a valid identifier: it ${ID_MESSAGE}`);
    return text;
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T | undefined {
    if (value === undefined) return this.problem(path, 'is required');
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    return this.problem(path, `${render(value)} is not one of ${allowed.join(', ')}`);
  }

  boolean(value: unknown, path: string): boolean | undefined {
    if (value === undefined) return this.problem(path, 'is required');
    if (typeof value !== 'boolean') return this.problem(path, `must be true or false, got ${render(value)}`);
    return value;
  }

  integer(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    if (value === undefined) return this.problem(path, 'is required');
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) return this.problem(path, `${render(value)} is not a whole number`);
    if (value < min || value > max) {
      return this.problem(path, `${value} is out of range (${min}${max === Number.MAX_SAFE_INTEGER ? ' or more' : `..${max}`})`);
    }
    return value;
  }

  /** A decimal text ("1.75", "4") from a decimal string or an integer; undefined (with a problem) otherwise. */
  decimal(value: unknown, path: string, what = 'decimal amount'): string | undefined {
    if (value === undefined) return this.problem(path, 'is required');
    if (typeof value === 'number' && Number.isSafeInteger(value)) {
      if (value < 0) return this.problem(path, `${value} is negative`);
      return String(value);
    }
    if (typeof value === 'number' || value instanceof NumberLiteral) {
      const text = render(value);
      if (DECIMAL.test(text)) return this.problem(path, `${text} must be written as a string ("${text}") so it is read exactly`);
      return this.problem(path, `${text} is not a ${what}`);
    }
    if (typeof value !== 'string' || !DECIMAL.test(value.trim())) return this.problem(path, `${render(value)} is not a ${what}`);
    return value.trim();
  }

  credits(value: unknown, path: string, precision: number): Credits | undefined {
    const text = this.decimal(value, path);
    if (text === undefined) return undefined;
    const fraction = (text.split('.')[1] ?? '').replace(/0+$/, '');
    if (fraction.length > Math.min(precision, CREDIT_SCALE)) {
      return this.problem(path, `${render(value)} has more than ${precision} decimal places (the tenant's precision)`);
    }
    return typeof value === 'number' ? wholeCredits(value) : parseCredits(text, precision);
  }

  positiveCredits(value: unknown, path: string, precision: number): Credits | undefined {
    const amount = this.credits(value, path, precision);
    if (amount !== undefined && amount <= 0n) return this.problem(path, 'must be greater than 0');
    return amount;
  }

  money(value: unknown, path: string, currency: string | undefined): Money | undefined {
    const text = this.decimal(value, path, 'money amount');
    if (text === undefined || currency === undefined) return undefined;
    const fraction = (text.split('.')[1] ?? '').replace(/0+$/, '');
    if (fraction.length > minorDigits(currency)) return this.problem(path, `${render(value)} is not a valid ${currency} amount`);
    return parseMoney(text, currency);
  }
}

// Hostile HTTP inputs for every operation of an OpenAPI document: wrong keys and roles, path
// parameters with traversal and encoding tricks, bodies with wrong types, huge strings, missing and
// extra fields, deep nesting, malformed and oversized payloads, odd content types, bad query values
// and methods no route has. Deterministic for a seed. Every input is meant to be refused: values a
// schema would accept are filtered out (isValid), so any change the platform makes is a finding.
import { Rng } from './rng';

export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: string[];
  pattern?: string;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  items?: Schema;
  format?: string;
  oneOf?: Schema[];
  additionalProperties?: boolean;
  $ref?: string;
}

export interface Operation {
  method: string;
  /** The path template: /v1/accounts/{accountId}/balance. */
  template: string;
  pathParams: string[];
  query: { name: string; schema: Schema }[];
  body: Schema | null;
  /** null: a public route (no key). Otherwise the roles that may call it; admin always may. */
  roles: string[] | null;
}

export interface FuzzKeys {
  /** role -> key of the tenant under test */
  byRole: Record<'admin' | 'ops' | 'service', string>;
  /** an admin key of another tenant */
  foreign: string;
}

/** The values a well-formed request uses: existing accounts and usages, so a wrongly accepted input would change something real. */
export interface FuzzTargets {
  pathValues: Record<string, string>;
  /** A fresh, valid id (never used): for body fields that name new commands. */
  freshId: () => string;
}

export type InputKind = 'auth' | 'path' | 'body' | 'query' | 'method' | 'transport' | 'global';

export interface FuzzInput {
  kind: InputKind;
  /** `PUT /v1/accounts/{accountId}`, or the raw path for global inputs. */
  operation: string;
  what: string;
  method: string;
  path: string;
  key?: string;
  json?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
  /** The status the contract requires, when it names one (401, 403, 404); otherwise anything below 500. */
  status?: number;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

export function operationsOf(doc: any): Operation[] {
  const resolve = (schema: Schema | undefined): Schema | null => {
    if (!schema) return null;
    if (schema.$ref) return resolve(doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]);
    return schema;
  };
  const ops: Operation[] = [];
  for (const [template, methods] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const params: any[] = op.parameters ?? [];
      ops.push({
        method: method.toUpperCase(),
        template,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: resolve(p.schema) ?? {} })),
        body: resolve(op.requestBody?.content?.['application/json']?.schema),
        roles: op.security ? op['x-roles'] ?? [] : null,
      });
    }
  }
  return ops;
}

export function operationName(op: Operation): string {
  return `${op.method} ${op.template}`;
}

function fill(op: Operation, values: Record<string, string>): string {
  return op.template.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (values[name] === undefined) throw new Error(`fuzz: no value for path parameter ${name} of ${operationName(op)}`);
    return values[name];
  });
}

// --- schema-valid values ------------------------------------------------------------------------

const isDate = (s: Schema) => s.format === 'date' || s.format === 'date-time' || !!s.oneOf?.some((o) => o.format === 'date' || o.format === 'date-time');
const isDecimal = (s: Schema) => s.pattern?.includes('\\d{1,15}') ?? false;

function validValue(name: string, schema: Schema, targets: FuzzTargets): unknown {
  if (schema.enum) return schema.enum[0];
  if (isDate(schema)) return new Date().toISOString();
  if (schema.type === 'integer' || schema.type === 'number') return Math.max(1, schema.minimum ?? 1);
  if (schema.type === 'boolean') return false;
  if (schema.type === 'array') return [];
  if (isDecimal(schema)) return '1';
  if (schema.pattern === '^[A-Z]{3}$') return 'CNY';
  const named: Record<string, string> = { feature: 'qwen-image', packageId: 'basic', planId: 'pro', accountId: targets.pathValues.accountId };
  if (named[name]) return named[name];
  if (schema.pattern) return targets.freshId();
  return 'x';
}

/** A body every check would accept: the base each mutation changes one thing of. */
export function validBody(schema: Schema, targets: FuzzTargets): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const name of schema.required ?? []) body[name] = validValue(name, schema.properties?.[name] ?? {}, targets);
  return body;
}

/**
 * Whether `value` satisfies `schema` as class-validator would: such a value is no hostile input
 * (null and absence are valid for an optional field).
 */
export function isValid(schema: Schema, value: unknown, required: boolean): boolean {
  if (value === undefined || value === null) return !required;
  if (schema.enum) return typeof value === 'string' && schema.enum.includes(value);
  if (isDate(schema)) return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) && !Number.isNaN(Date.parse(value));
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return false;
      if (schema.maxLength !== undefined && value.length > schema.maxLength) return false;
      return !schema.pattern || new RegExp(schema.pattern).test(value);
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || (schema.type === 'integer' && !Number.isInteger(value))) return false;
      return (schema.minimum === undefined || value >= schema.minimum) && (schema.maximum === undefined || value <= schema.maximum);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      if (!Array.isArray(value) || (schema.maxItems !== undefined && value.length > schema.maxItems)) return false;
      return value.every((v) => isValid(schema.items ?? {}, v, true));
    default:
      return true;
  }
}

// --- hostile values -----------------------------------------------------------------------------

const STRINGS_AGAINST_PATTERNS = [
  '', ' ', ' leading-space', 'trailing-space ', '../../etc/passwd', '..', '.', '-dash-first', '_underscore', 'a/b', 'a\\b', 'a b', 'a\u0000b', 'a\nb',
  '\u202eevil', 'é', '日本', '💥', "' OR 1=1 --", '"; DROP TABLE events; --', '<script>alert(1)</script>', '${jndi:ldap://x/a}', '{{7*7}}',
  '%2e%2e%2f', '%00', 'a'.repeat(129), 'x'.repeat(4096), '__proto__', 'a?b=c', 'a#b', 'a;b', 'a,b', 'a|b', '*', '\ud800',
];
const DECIMALS = ['-1', '-0.5', '1e3', '0x10', 'NaN', 'Infinity', '-Infinity', '1.1234567', '1234567890123456', '9'.repeat(40), ' 1', '1 ', '1,5', '+1', '.5', '5.', '١٢', '1_000', '0.0000001', '1e-7'];
const DATES = ['2025-13-45T00:00:00Z', 'yesterday', '99999-01-01T00:00:00Z', '2025-01-01T25:61:00Z', '0000-00-00', '2025-02-30', '1/2/2025', 'now', '-1', '2025-01-01T00:00:00+99:99'];
const ARRAY_ITEMS = [[1], [null], [{}], [[]], ['bad id!'], [' '], Array.from({ length: 1001 }, (_, i) => `m${i}`), ['a'.repeat(200)]];

function wrongTypes(schema: Schema): unknown[] {
  const out: unknown[] = [];
  const type = schema.type ?? (isDate(schema) || schema.enum ? 'string' : undefined);
  if (type !== 'integer' && type !== 'number') out.push(0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1);
  if (type !== 'boolean') out.push(true, false);
  if (type !== 'array') out.push([], ['x'], [[[]]]);
  if (type !== 'object') out.push({}, { a: 1 }, { $gt: '' });
  if (type !== 'string') out.push('1', 'true', '', 'x'.repeat(70_000));
  return out;
}

function hostileValues(schema: Schema, rng: Rng, randoms: number): unknown[] {
  const out: unknown[] = [null, ...wrongTypes(schema)];
  const type = schema.type ?? (isDate(schema) || schema.enum ? 'string' : undefined);
  if (type === 'string') {
    out.push('x'.repeat(70_000), 'é'.repeat(30_000), '\u0000'.repeat(1000));
    if (schema.enum) out.push(...schema.enum.map((e) => e.toUpperCase()), ...schema.enum.map((e) => `${e} `), 'unknown-value', '');
    if (schema.pattern) out.push(...STRINGS_AGAINST_PATTERNS);
    if (schema.maxLength !== undefined) out.push('x'.repeat(schema.maxLength + 1));
    if (isDecimal(schema)) out.push(...DECIMALS);
    if (isDate(schema)) out.push(...DATES);
    if (schema.pattern === '^[A-Z]{3}$') out.push('cny', 'CN', 'CNYY', 'C1Y');
  }
  if (type === 'integer' || type === 'number') {
    out.push(0, -1, 1.5, 2 ** 53, 1e21, -0.0001, (schema.maximum ?? 1e9) + 1, (schema.minimum ?? 0) - 1);
  }
  if (type === 'boolean') out.push(1, 0, 'true', 'false');
  if (type === 'array') out.push(...ARRAY_ITEMS);
  for (let i = 0; i < randoms; i++) out.push(randomJson(rng, 0));
  return out;
}

/** A random JSON value (seeded): mostly not a plain string, the type most fields want. */
function randomJson(rng: Rng, depth: number): unknown {
  const r = rng.next();
  if (depth > 3 || r < 0.2) return rng.pick([0, -1, 3.14, 1e300, true, false, null]);
  if (r < 0.45) return Array.from({ length: rng.int(1, 64) }, () => String.fromCharCode(rng.int(0, 0xffff))).join('');
  if (r < 0.7) return Array.from({ length: rng.int(0, 4) }, () => randomJson(rng, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = rng.int(0, 4); i > 0; i--) o[`k${rng.int(0, 99)}`] = randomJson(rng, depth + 1);
  return o;
}

// --- whole bodies -------------------------------------------------------------------------------

function nested(depth: number, open = '{"a":', close = '}'): string {
  return `${open.repeat(depth)}1${close.repeat(depth)}`;
}

type BodyVariant = { what: string; raw: string | Buffer; headers?: Record<string, string> };

/** Bodies no reading may take for valid: sent on the real target, so taking one would change something. */
function malformedBodies(base: Record<string, unknown>): BodyVariant[] {
  const baseJson = JSON.stringify(base);
  const withField = (field: string) => `${baseJson.slice(0, -1)}${baseJson.length > 2 ? ',' : ''}${field}}`;
  const [firstField] = Object.keys(base);
  return [
    { what: 'JSON null', raw: 'null' }, { what: 'JSON array', raw: '[]' }, { what: 'JSON array of the body', raw: `[${baseJson}]` },
    { what: 'JSON string', raw: '"x"' }, { what: 'JSON number', raw: '42' }, { what: 'JSON true', raw: 'true' },
    { what: 'truncated JSON', raw: baseJson.slice(0, -1) }, { what: 'trailing comma', raw: withField('"z":1,') }, { what: 'single quotes', raw: "{'a':1}" },
    { what: 'two JSON documents', raw: `${baseJson}${baseJson}` },
    { what: 'invalid UTF-8 in a string', raw: Buffer.concat([Buffer.from(withField('"x":"')), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('"}')]) },
    { what: 'a NUL byte in a key', raw: withField('"a\\u0000b":1') },
    { what: 'a 1,000-digit number', raw: withField(`"n":${'9'.repeat(1000)}`) }, { what: 'an exponent past double', raw: withField('"n":1e999') },
    { what: 'extra field', raw: withField('"extra":1') }, { what: '__proto__ field', raw: withField('"__proto__":{"admin":true,"quantity":1000}') },
    { what: 'constructor.prototype field', raw: withField('"constructor":{"prototype":{"polluted":true}}') },
    { what: 'prototype field', raw: withField('"prototype":{"polluted":true}') },
    ...['toString', 'valueOf', 'hasOwnProperty', '__defineGetter__'].map((name) => ({ what: `${name} field`, raw: withField(`"${name}":1`) })),
    { what: 'nesting 33 levels', raw: withField(`"deep":${nested(33)}`) }, { what: 'nesting 10,000 levels', raw: withField(`"deep":${nested(10_000)}`) },
    { what: 'arrays nested 20,000 levels', raw: withField(`"deep":${nested(20_000, '[', ']')}`) }, { what: 'the whole body 5,000 levels deep', raw: nested(5_000) },
    { what: 'a body of 101 KB', raw: withField(`"pad":"${'x'.repeat(101 * 1024)}"`) }, { what: 'a body of 1 MB', raw: withField(`"pad":"${'x'.repeat(1024 * 1024)}"`) },
    { what: 'a body of 8 MB', raw: `[${'1,'.repeat(4 * 1024 * 1024)}1]` },
    { what: 'a 90 KB field name', raw: withField(`"${'k'.repeat(90 * 1024)}":1`) },
    { what: '50,000 fields', raw: `{${Array.from({ length: 50_000 }, (_, i) => `"f${i}":0`).join(',')}}` },
    { what: 'form-urlencoded garbage', raw: 'a=1&b[c][d]=2&__proto__[x]=1&b=%ff', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    { what: 'duplicate keys, the last one an operator', raw: firstField ? withField(`"${firstField}":{"$ne":null}`) : '{"a":1,"a":2}' },
  ];
}

/**
 * A body the server may well read as valid, in an odd framing (a BOM, another charset, an encoding it
 * does not have, a content type it does not parse): sent with the neutral request, which changes
 * nothing if taken. Framings the server does not parse leave no body at all: only where fields are required.
 */
function framings(neutral: Record<string, unknown>, op: Operation): BodyVariant[] {
  const json = JSON.stringify(neutral);
  const out: BodyVariant[] = [
    { what: 'a BOM before the JSON', raw: `\uFEFF${json}` },
    { what: 'JSON declared as charset=utf-16', raw: json, headers: { 'content-type': 'application/json; charset=utf-16' } },
    { what: 'JSON declared gzip', raw: json, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } },
    { what: 'JSON declared with an unknown encoding', raw: json, headers: { 'content-type': 'application/json', 'content-encoding': 'x-zip' } },
  ];
  if (op.body?.required?.length) {
    out.push(
      { what: 'empty JSON object', raw: '{}' }, { what: 'empty body with content-type JSON', raw: '' },
      { what: 'the body as text/plain', raw: json, headers: { 'content-type': 'text/plain' } },
      { what: 'JSON as application/cbor', raw: Buffer.from([0xa1, 0x61, 0x61, 0x01]), headers: { 'content-type': 'application/cbor' } },
      { what: 'multipart', raw: '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b--', headers: { 'content-type': 'multipart/form-data; boundary=b' } },
    );
  }
  return out;
}

// --- path parameters ----------------------------------------------------------------------------

const PATH_TRICKS = [
  '..', '.', '../..', '..%2F..%2Fpurchases', '%2e%2e', '%2e%2e%2f%2e%2e%2fv1%2fpurchases', '..%5c..%5c', '....//', '%252e%252e%252f', '..;', '..%00',
  '%00', 'a%00b', '%0d%0aX-Injected:%20yes', '%ff%fe', '%E0%A4%A', '%', '%%', '%25', '%C0%AE%C0%AE', 'a%2Fb', 'a;b=c', 'a%3Fx=1', 'a%23b', '%20', '%09',
  '%C3%A9', '%F0%9F%92%A5', '%E2%80%AE', 'a'.repeat(129), 'a'.repeat(10_000), '-leading', '_underscore', '%2D', '~root', '$', '*', '%5B%5D',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'null', 'undefined', 'NaN', '0', '-1', '1e999', '%5Bobject%20Object%5D',
];

/** A path segment as the server decodes it (what the id check sees); null when it does not decode. */
function decoded(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * A request to `op` that changes nothing even if the server reads it as valid: it names an account
 * and usage that do not exist, or (where the request would create what it names) lacks a field.
 */
function neutralRequest(op: Operation, base: Record<string, unknown> | undefined, targets: FuzzTargets): { path: string; body?: Record<string, unknown> } {
  const nobody = { ...targets.pathValues, accountId: 'fz-nobody', usageId: 'fz-nobody' };
  const namesSomeone = op.pathParams.some((p) => p === 'accountId' || p === 'usageId') || (base !== undefined && 'accountId' in base);
  if (op.method === 'GET' || (namesSomeone && op.method !== 'PUT')) {
    return { path: fill(op, nobody), body: base && 'accountId' in base ? { ...base, accountId: 'fz-nobody' } : base };
  }
  if (!base || !op.body) return { path: fill(op, targets.pathValues), body: base };
  const [first] = op.body.required ?? [];
  if (first) {
    const { [first]: _dropped, ...rest } = base;
    return { path: fill(op, targets.pathValues), body: rest };
  }
  const [property] = Object.keys(op.body.properties ?? {});
  return { path: fill(op, targets.pathValues), body: property ? { ...base, [property]: 0 } : base };
}

// --- the inputs ---------------------------------------------------------------------------------

/** `randoms`: seeded random values tried on each body field, beside the fixed ones. */
export function fuzzInputs(ops: Operation[], keys: FuzzKeys, targets: FuzzTargets, rng: Rng, randoms = 3): FuzzInput[] {
  const inputs: FuzzInput[] = [];
  const definedMethods = new Map<string, Set<string>>();
  for (const op of ops) definedMethods.set(op.template, new Set([...(definedMethods.get(op.template) ?? []), op.method]));

  for (const op of ops) {
    const name = operationName(op);
    const path = fill(op, targets.pathValues);
    const base = op.body ? validBody(op.body, targets) : undefined;
    const push = (input: Omit<FuzzInput, 'operation'>) => inputs.push({ operation: name, ...input });
    // A PUT creates what its path names: a path trick that is a valid id would create an account.
    const creates = op.method === 'PUT';
    const neutral = neutralRequest(op, base, targets);
    const mayAct = (role: string) => role === 'admin' || (op.roles ?? []).includes(role);
    const actor = op.roles === null ? keys.byRole.admin : keys.byRole[(['admin', 'ops', 'service'] as const).find(mayAct)!];

    // Keys and roles (the body is valid: only the key is wrong).
    if (op.roles !== null) {
      const bad: [string, Record<string, string> | undefined][] = [
        ['no Authorization header', undefined], ['an unknown key', { authorization: 'Bearer not-a-key' }], ['Basic auth', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
        ['Bearer without a key', { authorization: 'Bearer ' }], ['a key of 8 KB', { authorization: `Bearer ${'k'.repeat(8192)}` }],
        ['a key with a NUL escape', { authorization: 'Bearer faults%00admin' }], ['the key lower-cased scheme twice', { authorization: `bearer bearer ${keys.byRole.admin}` }],
        ['__proto__ as the key', { authorization: 'Bearer __proto__' }], ['constructor as the key', { authorization: 'Bearer constructor' }],
        ['a header of 20 KB', { authorization: `Bearer ${'k'.repeat(20_000)}` }],
      ];
      for (const [what, headers] of bad) push({ kind: 'auth', what, method: op.method, path, json: base, headers, status: what === 'a header of 20 KB' ? undefined : 401 });
      for (const role of ['ops', 'service'] as const) {
        if (!mayAct(role)) push({ kind: 'auth', what: `the ${role} role`, method: op.method, path, json: base, key: keys.byRole[role], status: 403 });
      }
      // Another tenant's admin reading this tenant's account or usage: it does not exist there.
      if (op.method === 'GET' && op.pathParams.length) push({ kind: 'auth', what: "another tenant's admin", method: op.method, path, key: keys.foreign, status: 404 });
    }

    // Path parameters: each trick in each parameter, the rest valid.
    for (const param of op.pathParams) {
      for (const trick of PATH_TRICKS) {
        const value = decoded(trick);
        if (creates && value !== null && ID.test(value)) continue;
        push({ kind: 'path', what: `${param} = ${trick.length > 40 ? `${trick.slice(0, 20)}... (${trick.length} chars)` : trick}`, method: op.method, path: fill(op, { ...targets.pathValues, [param]: trick }), json: base, key: actor });
      }
    }

    // Bodies: one hostile value per field, each required field missing, then whole-body variants.
    if (op.body && base) {
      const required = new Set(op.body.required ?? []);
      for (const [field, schema] of Object.entries(op.body.properties ?? {})) {
        for (const value of hostileValues(schema, rng, randoms)) {
          if (isValid(schema, value, required.has(field))) continue;
          push({ kind: 'body', what: `${field} = ${describe(value)}`, method: op.method, path, json: { ...base, [field]: value }, key: actor });
        }
      }
      for (const field of required) {
        const { [field]: _missing, ...rest } = base;
        push({ kind: 'body', what: `without ${field}`, method: op.method, path, json: rest, key: actor });
      }
      for (const v of malformedBodies(base)) push({ kind: 'transport', what: v.what, method: op.method, path, raw: v.raw, headers: v.headers, key: actor });
      for (const v of framings(neutral.body ?? base, op)) push({ kind: 'transport', what: v.what, method: op.method, path: neutral.path, raw: v.raw, headers: v.headers, key: actor });
    } else if (op.method !== 'GET') {
      // A route that takes no body gets one anyway.
      for (const [what, raw] of [['a body', '{"extra":1}'], ['an array body', '[1]'], ['a deep body', nested(10_000)], ['a 1 MB body', `"${'x'.repeat(1 << 20)}"`]] as const) {
        push({ kind: 'body', what: `${what} on a route without one`, method: op.method, path, raw, key: actor });
      }
    }

    // Query parameters.
    for (const { name: param, schema } of op.query) {
      const values = ['', 'x', 'x'.repeat(10_000), '%00', '%ff', '..%2F..', '2025-13-45', '-1', 'null', ...(schema.enum ?? []).map((e) => e.toUpperCase())];
      for (const v of values) push({ kind: 'query', what: `${param}=${v.length > 30 ? `${v.slice(0, 10)}... (${v.length})` : v}`, method: op.method, path: `${path}?${param}=${v}`, key: actor });
      for (const [what, q] of [['repeated', `${param}=a&${param}=b`], ['as an array', `${param}[]=a`], ['as an object', `${param}[a][b]=c`], ['prototype pollution', `__proto__[${param}]=x&constructor[prototype][x]=1`]]) {
        push({ kind: 'query', what: `${param} ${what}`, method: op.method, path: `${path}?${q}`, key: actor });
      }
    }
  }

  // Methods no route of a path has.
  for (const [template, methods] of definedMethods) {
    const op = ops.find((o) => o.template === template)!;
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH']) {
      if (methods.has(method)) continue;
      inputs.push({ kind: 'method', operation: `${method} ${template}`, what: 'a method the path does not have', method, path: fill(op, targets.pathValues), json: {}, key: keys.byRole.admin });
    }
  }

  // Paths no operation has.
  for (const path of [
    '/', '/v1', '/v1/', '/v1/accounts', '/v1/accounts/', '//v1//catalog', '/v1/catalog/', '/v1/catalog/..', '/V1/CATALOG', '/v1/../v1/catalog', '/v1/%2e%2e/v1/catalog',
    '/../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/v1/accounts/..%2f..%2f..%2fetc%2fpasswd/balance', '/openapi.json/..', '/docs/../../etc/passwd',
    '/dashboard/../../package.json', '/dashboard/..%2f..%2fpackage.json', '/dashboard/%2e%2e/%2e%2e/package.json', '/dashboard/index.html%00.js', `/${'a'.repeat(60_000)}`,
    '/v1/catalog?a=' + 'b'.repeat(60_000), '/openapi.json', '/docs', '/dashboard', '/health?x[y]=z', '/metrics', '/.env', '/v2/catalog', '/v1/admin/clock',
  ]) {
    inputs.push({ kind: 'global', operation: path.length > 60 ? `${path.slice(0, 30)}...` : path, what: 'a path no operation has', method: 'GET', path, key: keys.byRole.admin });
  }
  return inputs;
}

function describe(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 24)}... (${text.length} chars)` : text;
}

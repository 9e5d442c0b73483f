// The public surfaces without a key: /openapi.json documents every route the controllers serve (and
// every route of SPEC section 4 that exists), with request schemas from the contracts' validation
// rules; /docs is Swagger UI; /dashboard serves its static files and nothing else.
import SwaggerParser from '@apidevtools/swagger-parser';
import { DynamicModule, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { OpsModule } from '@creditflow/ops-service';
import { PricingModule } from '@creditflow/pricing-service';
import { RefundModule } from '@creditflow/refund-service';
import { SchedulerModule } from '@creditflow/scheduler-service';
import { CoreModule, Runtime } from '@creditflow/shell';
import { WalletModule } from '@creditflow/wallet-service';
import { embeddedExtras } from '@creditflow/platform';
import { FUZZ_PATH_VALUES } from './faults/scenarios/http-fuzz';
import { DEFAULT_SERVICES, EmbeddedPlatform, startEmbeddedPlatform } from './embedded-platform';

/** SPEC section 4, as "METHOD /path" with {params}. */
const SPEC_ROUTES = [
  'GET /v1/catalog',
  'POST /v1/quotes',
  'PUT /v1/accounts/{accountId}',
  'GET /v1/accounts/{accountId}/balance',
  'GET /v1/accounts/{accountId}/transactions',
  'POST /v1/usage/authorize',
  'POST /v1/usage/{usageId}/complete',
  'POST /v1/usage/{usageId}/fail',
  'POST /v1/usage/{usageId}/accept',
  'POST /v1/usage/{usageId}/reject',
  'POST /v1/accounts/{accountId}/logins',
  'POST /v1/accounts/{accountId}/grants',
  'POST /v1/purchases',
  'PUT /v1/accounts/{accountId}/subscription',
  'DELETE /v1/accounts/{accountId}/subscription',
  'POST /v1/refunds',
  'GET /v1/reports/usage',
  'POST /v1/scheduler/ticks',
  'POST /v1/admin/clock',
  'GET /health',
  'GET /health/live',
  'GET /health/ready',
  'GET /metrics',
];
/** The routes anyone may call without a key (SPEC 4 and 1.1): health and metrics. */
const PUBLIC_ROUTES = new Set(['GET /health', 'GET /health/live', 'GET /health/ready', 'GET /metrics']);
const USAGE_ACTIONS = ['complete', 'fail', 'accept', 'reject'];
/** Usage actions that take no body. */
const NO_BODY = new Set(USAGE_ACTIONS.filter((a) => a !== 'fail').map((a) => `POST /v1/usage/{usageId}/${a}`));

interface ServedRoute {
  route: string;
  hasBody: boolean;
}

/** Every route the controllers of these modules declare, read from Nest's own route metadata. */
function servedRoutes(modules: (Type<unknown> | DynamicModule)[]): ServedRoute[] {
  const routes: ServedRoute[] = [];
  const seen = new Set<unknown>();
  const visit = (m: Type<unknown> | DynamicModule) => {
    if (!m || seen.has(m)) return;
    seen.add(m);
    const type = 'module' in m ? m.module : m;
    const controllers: Type<unknown>[] = [...(Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, type) ?? []), ...('module' in m ? (m.controllers ?? []) : [])];
    const imports = [...(Reflect.getMetadata(MODULE_METADATA.IMPORTS, type) ?? []), ...('module' in m ? (m.imports ?? []) : [])];
    for (const controller of controllers) {
      const base: string = Reflect.getMetadata(PATH_METADATA, controller) ?? '';
      if (base === 'dashboard') continue; // static files, not part of the API
      const args = (name: string) => Object.keys(Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {});
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = controller.prototype[name];
        const method = typeof handler === 'function' ? Reflect.getMetadata(METHOD_METADATA, handler) : undefined;
        if (method === undefined || name === 'constructor') continue;
        const path = ['', base, Reflect.getMetadata(PATH_METADATA, handler)]
          .join('/')
          .replace(/\/+/g, '/')
          .replace(/\/$/, '')
          .replace(/:(\w+)/g, '{$1}');
        const hasBody = args(name).some((key) => key.startsWith(`${RouteParamtypes.BODY}:`));
        const verb = RequestMethod[method as RequestMethod];
        routes.push({ route: `${verb} ${path}`, hasBody });
      }
    }
    imports.forEach(visit);
  };
  modules.forEach(visit);
  return routes;
}

type Json = any;

/** Follows a local $ref ("#/components/schemas/X") and merges allOf, so a schema can be inspected. */
function resolve(doc: Json, schema: Json): Json {
  if (schema?.$ref) {
    const target = schema.$ref.slice(2).split('/').reduce((node: Json, key: string) => node?.[key], doc);
    if (!target) throw new Error(`dangling $ref ${schema.$ref}`);
    return resolve(doc, target);
  }
  if (schema?.allOf) {
    const parts = schema.allOf.map((s: Json) => resolve(doc, s));
    return { type: 'object', properties: Object.assign({}, ...parts.map((p: Json) => p.properties ?? {})), required: parts.flatMap((p: Json) => p.required ?? []) };
  }
  return schema;
}

function operations(doc: Json): Map<string, Json> {
  const ops = new Map<string, Json>();
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch']) if (item[method]) ops.set(`${method.toUpperCase()} ${path}`, item[method]);
  }
  return ops;
}

describe('OpenAPI, Swagger UI and the dashboard files', () => {
  let platform: EmbeddedPlatform;
  let doc: Json;
  const served = servedRoutes([...DEFAULT_SERVICES.map((s) => s.module), ...embeddedExtras, CoreModule.forRoot({} as Runtime)]);

  beforeAll(async () => {
    platform = await startEmbeddedPlatform();
    const res = await platform.request('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = res.body;
  });

  afterAll(() => platform?.close());

  it('is an OpenAPI 3 document whose every $ref resolves', () => {
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info).toEqual(expect.objectContaining({ title: 'creditflow', version: '1' }));
    const refs: string[] = [];
    const walk = (node: Json) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        if (typeof node.$ref === 'string') refs.push(node.$ref);
        Object.values(node).forEach(walk);
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of new Set(refs)) expect(() => resolve(doc, { $ref: ref })).not.toThrow();
    for (const [route, op] of operations(doc)) {
      expect({ route, responses: Object.keys(op.responses ?? {}).length > 0 }).toEqual({ route, responses: true });
      expect({ route, operationId: typeof op.operationId }).toEqual({ route, operationId: 'string' });
    }
    expect(new Set([...operations(doc).values()].map((op) => op.operationId)).size).toBe(operations(doc).size);
  });

  it('passes a strict OpenAPI 3 validator, and declares every path parameter', async () => {
    // swagger-parser checks an OpenAPI 3 document against the official JSON schema and resolves every $ref.
    await SwaggerParser.validate(structuredClone(doc));
    for (const [route, op] of operations(doc)) {
      const declared = (op.parameters ?? []).filter((p: Json) => p.in === 'path').map((p: Json) => p.name);
      expect({ route, declared }).toEqual({ route, declared: [...route.matchAll(/\{(\w+)\}/g)].map((m) => m[1]) });
    }
  });

  it('gives the fault suite\'s fuzzer a value for every path parameter (npm run test:faults fuzzes every route)', () => {
    const params = new Set([...operations(doc).keys()].flatMap((route) => [...route.matchAll(/\{(\w+)\}/g)].map((m) => m[1])));
    expect([...params].filter((p) => !(p in FUZZ_PATH_VALUES))).toEqual([]);
  });

  it('serves every route of SPEC section 4 that is built, and documents every route the controllers serve', () => {
    const routes = new Set(served.map((r) => r.route));
    expect(SPEC_ROUTES.filter((r) => !routes.has(r))).toEqual([]);
    expect(served.length).toBeGreaterThan(25);
    const documented = new Set(operations(doc).keys());
    expect([...routes].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !routes.has(r))).toEqual([]);
  });

  it('gives every request body the schema of its contracts class, unknown fields refused', () => {
    const ops = operations(doc);
    const withBody = served.filter((r) => r.hasBody && !NO_BODY.has(r.route));
    expect(withBody.length).toBeGreaterThan(10);
    for (const { route } of withBody) {
      const body = ops.get(route).requestBody;
      expect({ route, body: !!body }).toEqual({ route, body: true });
      const schema = resolve(doc, body.content['application/json'].schema);
      expect({ route, properties: Object.keys(schema.properties ?? {}).length > 0 }).toEqual({ route, properties: true });
    }
    const authorize = resolve(doc, ops.get('POST /v1/usage/authorize').requestBody.content['application/json'].schema);
    expect(authorize.required).toEqual(expect.arrayContaining(['usageId', 'accountId', 'feature']));
    expect(authorize.additionalProperties).toBe(false);
    expect(authorize.properties.quantity).toEqual(expect.objectContaining({ type: 'integer', minimum: 1 }));
    const purchase = resolve(doc, ops.get('POST /v1/purchases').requestBody.content['application/json'].schema);
    expect(purchase.properties.amountPaid.pattern).toBeDefined();
    const fail = resolve(doc, ops.get('POST /v1/usage/{usageId}/fail').requestBody.content['application/json'].schema);
    expect(fail.properties.reason.enum).toEqual(['platform_error', 'cancelled']);
    expect(fail.required).toEqual(['reason']);
    expect(ops.get('POST /v1/usage/{usageId}/complete').requestBody).toBeUndefined();
  });

  it('documents the bearer key, the error shape and the status codes', () => {
    expect(doc.components.securitySchemes.apiKey).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(resolve(doc, { $ref: '#/components/schemas/Error' })).toEqual(expect.objectContaining({ required: ['error', 'message'] }));
    expect(Object.keys(resolve(doc, { $ref: '#/components/schemas/Error' }).properties)).toEqual(['error', 'message', 'details']);
    const ops = operations(doc);
    for (const [route, op] of ops) {
      if (PUBLIC_ROUTES.has(route)) {
        expect({ route, security: op.security }).toEqual({ route, security: undefined });
        continue;
      }
      expect({ route, security: op.security }).toEqual({ route, security: [{ apiKey: [] }] });
      expect({ route, statuses: ['401', '403'].every((s) => op.responses[s]?.content['application/json'].schema.$ref === '#/components/schemas/Error') }).toEqual({ route, statuses: true });
    }
    const statuses = (route: string) => Object.keys(ops.get(route).responses);
    expect(statuses('POST /v1/usage/authorize')).toEqual(expect.arrayContaining(['200', '400', '402', '409', '422']));
    expect(ops.get('POST /v1/usage/authorize').responses['402'].content['application/json'].schema.oneOf).toEqual([
      { $ref: '#/components/schemas/InsufficientCredits' }, { $ref: '#/components/schemas/MemberSpendingLimit' },
    ]);
    expect(statuses('POST /v1/usage/{usageId}/accept')).toEqual(expect.arrayContaining(['402', '404']));
    expect(statuses('POST /v1/usage/{usageId}/complete')).not.toContain('402');
    expect(statuses('GET /v1/accounts/{accountId}/balance')).toEqual(expect.arrayContaining(['200', '404']));
    expect(statuses('POST /v1/purchases')).toEqual(expect.arrayContaining(['400', '409', '422']));
    const balance = resolve(doc, ops.get('GET /v1/accounts/{accountId}/balance').responses['200'].content['application/json'].schema);
    expect(balance.required).toEqual(expect.arrayContaining(['available', 'held', 'byType', 'lots']));
  });

  it('serves Swagger UI at /docs without a key', async () => {
    const res = await platform.request('GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.body).toContain('swagger-ui');
    const init = await platform.request('GET', '/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    expect(init.body).toContain('"openapi"');
  });

  it('serves the dashboard files without a key, with a strict content security policy, and nothing else', async () => {
    const page = await platform.request('GET', '/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.body).toContain('/dashboard/app.js');
    for (const [file, type] of [['app.js', /javascript/], ['style.css', /^text\/css/], ['favicon.svg', /^image\/svg/]] as const) {
      const res = await platform.request('GET', `/dashboard/${file}`);
      expect({ file, status: res.status }).toEqual({ file, status: 200 });
      expect(res.headers.get('content-type')).toMatch(type);
    }
    for (const path of ['/dashboard/missing.js', '/dashboard/..%2Fsrc%2Fops.module.ts', '/dashboard/%2E%2E%2Fpackage.json', '/dashboard/index.html.bak']) {
      expect({ path, status: (await platform.request('GET', path)).status }).toEqual({ path, status: 404 });
    }
  });

  it.each([
    ['pricing', PricingModule, []],
    ['wallet', WalletModule, [OpsModule]],
    ['subscription-scheduler', SchedulerModule, []],
    ['refund', RefundModule, []],
  ] as const)('documents the %s service alone (its distributed module set) validly', async (name, module, extras) => {
    const alone = await startEmbeddedPlatform({ services: [{ name, module }], extras: [...extras] });
    try {
      await SwaggerParser.validate((await alone.request('GET', '/openapi.json')).body);
    } finally {
      await alone.close();
    }
  });

  it('documents only the routes a process hosts (distributed mode: each service its own)', async () => {
    const pricingOnly = await startEmbeddedPlatform({ services: [{ name: 'pricing', module: PricingModule }] });
    try {
      const own = operations((await pricingOnly.request('GET', '/openapi.json')).body);
      expect(own.has('POST /v1/quotes')).toBe(true);
      for (const route of PUBLIC_ROUTES) expect({ route, documented: own.has(route) }).toEqual({ route, documented: true });
      expect(own.has('POST /v1/usage/authorize')).toBe(false);
      expect(servedRoutes([WalletModule]).every((r) => !own.has(r.route))).toBe(true);
    } finally {
      await pricingOnly.close();
    }
  });
});

// The OpenAPI document of whatever one process hosts (the embedded platform: everything; a
// distributed service: its own routes), served at /openapi.json with Swagger UI at /docs.
//
// Request body schemas come from the class-validator rules of the contracts classes themselves
// (class-validator-jsonschema), so libs/contracts stays free of NestJS and the documented rules are
// the enforced ones. Auth and error responses come from the shell's own decorators: every route
// says @Roles(...) or @Public(), and @Roles documents the bearer key and 401/403; a @Body() of a
// contracts class is documented with its schema and the 400 of the validation pipe (validation.ts),
// as is an @IdParam; ApiErrors(...) adds the other statuses a route can answer.
import { INestApplication, applyDecorators } from '@nestjs/common';
import { ApiResponse, DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { ReferenceObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { HttpContextRegistry } from './http-context';

export const BEARER = 'apiKey';
const SCHEMAS = '#/components/schemas/';

/** The statuses of the one error shape; an answer with a shape of its own is documented by its context. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 422 | 429;

const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'Malformed input: unknown or missing fields, bad field values, negative or non-numeric amounts, values the catalog does not offer.',
  401: 'No valid `Authorization: Bearer <api key>` header (`unauthorized`).',
  403: "The key's role may not call this route (`forbidden`).",
  404: "Not found in the key's tenant (another tenant's account is a 404 too).",
  409: 'The command id was used before with different content.',
  422: 'A business rule refused the command (the code names the rule).',
  429: "The key made more requests than its rate limit allows (`rate_limited`); `Retry-After` says how many seconds to wait.",
};

/** Documents the error answers a route can give, all in the one error shape. */
export const ApiErrors = (...statuses: ErrorStatus[]) =>
  applyDecorators(...statuses.map((status) => ApiResponse({ status, description: ERROR_DESCRIPTIONS[status], schema: oa.ref('Error') })));

/** Documents a route's success answer (default 200). */
export const ApiAnswer = (description: string, schema: SchemaObject | ReferenceObject, status = 200) => ApiResponse({ status, description, schema });

/** Small builders for response schemas, so each service's openapi file reads like its JSON. */
export const oa = {
  /** A named schema: the shell's (Error, Credits) or one a context registered (HttpContextModule). */
  ref: (name: string): ReferenceObject => ({ $ref: `${SCHEMAS}${name}` }),
  credits: { $ref: `${SCHEMAS}Credits` } as ReferenceObject,
  nullableCredits: { type: 'string', pattern: '^\\d+(\\.\\d+)?$', nullable: true, example: '20' } as SchemaObject,
  money: {
    type: 'object', required: ['amount', 'currency'],
    properties: { amount: { type: 'string', example: '9.99' }, currency: { type: 'string', example: 'USD' } },
  } as SchemaObject,
  string: { type: 'string' } as SchemaObject,
  integer: { type: 'integer' } as SchemaObject,
  boolean: { type: 'boolean' } as SchemaObject,
  time: { type: 'string', format: 'date-time' } as SchemaObject,
  day: { type: 'string', format: 'date', example: '2026-11-21' } as SchemaObject,
  nullable: (schema: SchemaObject): SchemaObject => ({ ...schema, nullable: true }),
  enum: (...values: string[]): SchemaObject => ({ type: 'string', enum: values }),
  array: (items: SchemaObject | ReferenceObject): SchemaObject => ({ type: 'array', items }),
  /** An object; every property required unless listed in `optional`. */
  object: (properties: Record<string, SchemaObject | ReferenceObject>, optional: string[] = []): SchemaObject => {
    const required = Object.keys(properties).filter((k) => !optional.includes(k));
    // OpenAPI 3.0 forbids an empty `required` list.
    return { type: 'object', properties, ...(required.length ? { required } : {}) };
  },
  /** Credits per key, e.g. per lot type. */
  creditsBy: (keys: readonly string[]): SchemaObject => ({
    type: 'object',
    properties: Object.fromEntries(keys.map((k) => [k, { $ref: `${SCHEMAS}Credits` }])),
  }),
};

const SHARED_SCHEMAS = {
  Error: {
    type: 'object',
    description: 'Every error answer: a stable code, a readable message, details where useful.',
    required: ['error', 'message'],
    properties: {
      error: { type: 'string', description: 'Stable code, e.g. `invalid_request`, `account_not_found`, `id_reused`.', example: 'invalid_request' },
      message: { type: 'string', example: 'amount must be a non-negative decimal string such as "10" or "2.625"' },
      details: { description: 'Structured detail, e.g. `{problems: [...]}` for a 400.' },
    },
  },
  Credits: { type: 'string', pattern: '^\\d+(\\.\\d+)?$', description: 'An amount of credits as a decimal string (exact, never a float).', example: '2.625' },
};

export interface OpenApiOptions {
  /** What this process hosts, for the title: ['pricing', 'wallet', ...]. */
  services: string[];
  mode: 'embedded' | 'distributed';
}

/** Builds the document from the app's controllers. Call after the app is created, before it listens. */
export function createOpenApiDocument(app: INestApplication, { services, mode }: OpenApiOptions): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(mode === 'embedded' ? 'creditflow' : `creditflow ${services.join(', ')}`)
    .setVersion('1')
    .setDescription(
      [
        mode === 'embedded'
          ? 'The whole public contract, version 1, as the embedded platform serves it on one base URL.'
          : `The routes of the ${services.join(', ')} service${services.length > 1 ? 's' : ''} (distributed mode: each service documents its own routes).`,
        '',
        'Every route except `/health` (`/health/live`, `/health/ready`), `/metrics`, `/openapi.json`, `/docs` and `/dashboard` needs `Authorization: Bearer <api key>`.',
        'A key belongs to one tenant and one role (`service`, `ops` or `admin`); `admin` may call every route.',
        "A key never sees another tenant's data: a foreign account answers 404.",
        '',
        'Amounts are decimal strings (`"2.625"`); times are ISO 8601 UTC. Every command carries its own id',
        '(`usageId`, `purchaseId`, `grantId`, `loginId`, `refundId`): repeating it returns the first result;',
        'reusing it with different content is a 409.',
        '',
        'Errors: `{error, message, details?}`: 400 malformed input, 401 no valid key, 402 insufficient credits,',
        '403 wrong role, 404 unknown account or usage, 409 reused id, 422 refused business rule.',
      ].join('\n'),
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'An API key from CREDITFLOW_API_KEYS' }, BEARER)
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '').replace(/^./, (c) => c.toLowerCase())}.${method}`,
  });
  return finishDocument(document, app.get(HttpContextRegistry).schemas());
}

/** Serves /openapi.json and the Swagger UI at /docs (both public: they bypass the API-key guard). */
export function serveOpenApi(app: INestApplication, document: OpenAPIObject): void {
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    raw: ['json'],
    customSiteTitle: `${document.info.title} API`,
    swaggerOptions: { persistAuthorization: false, docExpansion: 'list', tagsSorter: 'alpha' },
  });
}

type Operation = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Request schemas from class-validator, the shell's and the contexts' named schemas, and role notes. */
function finishDocument(document: OpenAPIObject, contextSchemas: Record<string, SchemaObject>): OpenAPIObject {
  const fromValidators = validationMetadatasToSchemas({ refPointerPrefix: SCHEMAS, forbidNonWhitelisted: true });
  const schemas: Record<string, unknown> = { ...(document.components?.schemas ?? {}), ...contextSchemas, ...SHARED_SCHEMAS };

  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const op = item[method] as Operation | undefined;
      if (!op) continue;
      const roles = op['x-roles'] as string[] | undefined;
      if (roles) {
        op.description = [op.description, `Roles: ${roles.join(', ')}${roles.includes('admin') ? '' : ' (and admin)'}.`].filter(Boolean).join('\n\n');
      }
      // Bodies: the validator-derived schema of the @Body() class, unknown fields refused, and the
      // validation pipe's 400.
      const ref: string | undefined = op.requestBody?.content?.['application/json']?.schema?.$ref;
      if (ref?.startsWith(SCHEMAS)) {
        const name = ref.slice(SCHEMAS.length);
        if (!fromValidators[name]) throw new Error(`${op.operationId}: the body class ${name} has no class-validator rules`);
        schemas[name] = { ...fromValidators[name], additionalProperties: false };
        op.responses['400'] ??= { description: ERROR_DESCRIPTIONS[400], content: { 'application/json': { schema: oa.ref('Error') } } };
      }
    }
  }
  document.components = { ...document.components, schemas: schemas as any };
  return document;
}

// API keys from CREDITFLOW_API_KEYS: each belongs to one tenant and one role. Every route names the
// roles allowed; admin may do everything. A key past its rate limit (rate-limit.ts) gets 429.
import { CanActivate, ExecutionContext, Injectable, SetMetadata, applyDecorators, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import { TenantConfig, Tenants } from '@creditflow/tenancy';
import { ApiError } from './errors';
import { ApiErrors, BEARER } from './openapi';
import { keyIdOf } from './observability/http-observability';
import { observedContext } from './observability/observed-context';
import { RateLimit, RateLimiter, parseRateLimit } from './rate-limit';

export type Role = 'service' | 'ops' | 'admin';
export interface Principal {
  tenant: string;
  role: Role;
  /** The key's rate limit: its own `rateLimit`, else its role's (CREDITFLOW_RATE_LIMITS); null: none. */
  rateLimit?: RateLimit | null;
}

const ROLES = 'creditflow:roles';
/** The roles that may call a route (admin always may); documented as the bearer scheme, 401 and 403. */
export const Roles = (...roles: Role[]) => applyDecorators(SetMetadata(ROLES, roles), ApiBearerAuth(BEARER), ApiExtension('x-roles', roles), ApiErrors(401, 403, 429));
/** A route anyone may call, without a key. */
export const Public = () => SetMetadata(ROLES, 'public');

/** `roleLimits`: each role's default rate limit (CREDITFLOW_RATE_LIMITS); a key's own `rateLimit` overrides it. */
export function parseApiKeys(json: string | undefined, roleLimits: Partial<Record<Role, RateLimit>> = {}): Map<string, Principal> {
  if (!json) return new Map();
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error('CREDITFLOW_API_KEYS is not valid JSON (expected {"<key>": {"tenant": "<id>", "role": "service|ops|admin", "rateLimit"?: {"rate": n, "burst": n} | false}})');
  }
  const keys = new Map<string, Principal>();
  for (const [key, value] of Object.entries(parsed as Record<string, Principal & { rateLimit?: unknown }>)) {
    if (!value || typeof value.tenant !== 'string' || !['service', 'ops', 'admin'].includes(value.role)) {
      throw new Error(`CREDITFLOW_API_KEYS: key "${key.slice(0, 4)}…" needs {"tenant": string, "role": "service"|"ops"|"admin"}`);
    }
    const rateLimit = value.rateLimit === undefined ? (roleLimits[value.role] ?? null) : parseRateLimit(value.rateLimit, `CREDITFLOW_API_KEYS: the rateLimit of key "${key.slice(0, 4)}…"`);
    keys.set(key, { tenant: value.tenant, role: value.role, rateLimit });
  }
  return keys;
}

/** CREDITFLOW_RATE_LIMITS: `{"<role>": {"rate": <per second>, "burst": <n>}}`; a role not named has no limit. */
export function parseRoleRateLimits(json: string | undefined): Partial<Record<Role, RateLimit>> {
  if (!json) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error('CREDITFLOW_RATE_LIMITS is not valid JSON (expected {"service"|"ops"|"admin": {"rate": <per second>, "burst": <n>}})');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('CREDITFLOW_RATE_LIMITS must be a JSON object keyed by role');
  const limits: Partial<Record<Role, RateLimit>> = {};
  for (const [role, value] of Object.entries(parsed)) {
    if (!['service', 'ops', 'admin'].includes(role)) throw new Error(`CREDITFLOW_RATE_LIMITS: "${role}" is not a role (service, ops, admin)`);
    const limit = parseRateLimit(value, `CREDITFLOW_RATE_LIMITS.${role}`);
    if (limit) limits[role as Role] = limit;
  }
  return limits;
}

@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly limiter = new RateLimiter();

  constructor(private readonly reflector: Reflector, private readonly keys: Map<string, Principal>, private readonly tenants: Tenants) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const allowed = this.reflector.getAllAndOverride<Role[] | 'public' | undefined>(ROLES, [context.getHandler(), context.getClass()]);
    if (allowed === 'public') return true;
    const request = context.switchToHttp().getRequest();
    const header: string | undefined = request.headers['authorization'];
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    const principal = match ? this.keys.get(match[1]) : undefined;
    if (!principal) throw new ApiError(401, 'unauthorized', 'a valid "Authorization: Bearer <api key>" header is required');
    if (principal.role !== 'admin' && !(allowed ?? []).includes(principal.role)) {
      throw new ApiError(403, 'forbidden', `the ${principal.role} role may not do this`);
    }
    const keyId = request.observation?.keyId ?? keyIdOf(header)!;
    // Counted after authentication (only configured keys have buckets), before anything is done.
    const taken = this.limiter.take(keyId, principal.rateLimit ?? null, Date.now());
    if (!taken.ok) {
      context.switchToHttp().getResponse().setHeader('Retry-After', String(taken.retryAfterSeconds));
      throw new ApiError(429, 'rate_limited', `this key's rate limit is ${principal.rateLimit!.rate} requests a second (bursts of ${principal.rateLimit!.burst}); try again in ${taken.retryAfterSeconds} s`, {
        retryAfterSeconds: taken.retryAfterSeconds,
      });
    }
    request.principal = principal;
    // What the request records acts for this key: its id and role, never the key.
    const observed = observedContext();
    if (observed) observed.principal = { kind: 'api-key', keyId, tenant: principal.tenant, role: principal.role };
    // Every key's tenant has a file (checked when the keys are read): a key only ever sees its own tenant.
    request.tenant = this.tenants.get(principal.tenant);
    return true;
  }
}

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => ctx.switchToHttp().getRequest().principal);

/** The configuration of the caller's tenant (the API key's). */
export const CurrentTenant = createParamDecorator((_: unknown, ctx: ExecutionContext): TenantConfig => ctx.switchToHttp().getRequest().tenant);

import { TenantConfig } from '@creditflow/tenancy';
import { Principal } from './auth';
import { ApiError } from './errors';
import { Runtime } from './runtime';

/** The caller's tenant configuration: a key only ever sees its own tenant. */
export function tenantOf(runtime: Runtime, principal: Principal): TenantConfig {
  if (!runtime.tenants.has(principal.tenant)) throw new ApiError(401, 'unauthorized', `the API key's tenant "${principal.tenant}" is not configured`);
  return runtime.tenants.get(principal.tenant);
}

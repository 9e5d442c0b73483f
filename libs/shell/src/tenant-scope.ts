import { TenantConfig } from '@creditflow/tenancy';
import { Principal } from './auth';
import { ApiError } from './errors';
import { Runtime } from './runtime';

/** The caller's tenant configuration: a key only ever sees its own tenant. */
export function tenantOf(runtime: Runtime, principal: Principal): TenantConfig {
  const tenant = runtime.tenants.get(principal.tenant);
  if (!tenant) throw new ApiError(401, 'unauthorized', `the API key's tenant "${principal.tenant}" is not configured`);
  return tenant;
}

// The configured tenants, by id: the one way every service looks a tenant up.
import { DomainError } from '@creditflow/kernel';
import { TenantConfig } from './tenant-config.types';

export class UnknownTenantError extends DomainError {
  constructor(tenantId: string) {
    super('TENANT.UNKNOWN', `unknown tenant "${tenantId}"`);
  }
}

export class Tenants {
  private readonly byId: ReadonlyMap<string, TenantConfig>;

  constructor(configs: Iterable<TenantConfig>) {
    this.byId = new Map([...configs].map((c) => [c.tenantId, c]));
  }

  /** The tenant's configuration; TENANT.UNKNOWN when no tenant file has this id. */
  get(tenantId: string): TenantConfig {
    const tenant = this.byId.get(tenantId);
    if (!tenant) throw new UnknownTenantError(tenantId);
    return tenant;
  }

  has(tenantId: string): boolean {
    return this.byId.has(tenantId);
  }

  /** Tenant ids, in the order their files were read. */
  keys(): IterableIterator<string> {
    return this.byId.keys();
  }

  values(): IterableIterator<TenantConfig> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }
}

import { TenantConfig } from './tenant-config.types';
import { Tenants } from './tenants';

describe('the configured tenants', () => {
  const acme = { tenantId: 'acme', name: 'Acme' } as TenantConfig;
  const beta = { tenantId: 'beta', name: 'Beta' } as TenantConfig;
  const tenants = new Tenants([acme, beta]);

  it("finds a tenant's configuration by its id", () => {
    expect(tenants.get('beta')).toBe(beta);
    expect(tenants.has('acme')).toBe(true);
    expect([...tenants.keys()]).toEqual(['acme', 'beta']);
    expect([...tenants.values()]).toEqual([acme, beta]);
    expect(tenants.size).toBe(2);
  });

  it('refuses a tenant no file configures with TENANT.UNKNOWN', () => {
    expect(tenants.has('gamma')).toBe(false);
    expect(() => tenants.get('gamma')).toThrow(expect.objectContaining({ code: 'TENANT.UNKNOWN', message: 'unknown tenant "gamma"' }));
  });
});

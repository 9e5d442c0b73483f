// Identifiers: opaque strings checked for a safe shape at the edges (libs/contracts: ID, TENANT_ID).
// A tenant's account stream is named from both so no two tenants can collide.
declare const tenantBrand: unique symbol;
declare const accountBrand: unique symbol;
export type TenantId = string & { readonly [tenantBrand]: true };
export type AccountId = string & { readonly [accountBrand]: true };

export function accountKey(tenantId: string, accountId: string): string {
  return `${tenantId}:${accountId}`;
}

// Helpers for the per-seed acceptance tests: the embedded platform (the same runtime and services
// `npm start` hosts) driven only through the public HTTP contract, one tenant's keys at a time.
import { EmbeddedPlatform, tenantClient, uniqueId } from '@creditflow/testing';

export { DAY, HOUR, MINUTE, at, platformFor, uniqueId } from '@creditflow/testing';

/** How long a seed test waits (`waitFor` of @creditflow/kernel/testing) for the asynchronous services. */
export const SEED_WAIT_MS = 20_000;

/** Exact ratio comparison of two decimal strings' quotients a/b < c/d, without floats. */
export function perCreditLess(price: string, credits: string, otherPrice: string, otherCredits: string): boolean {
  const scale = (s: string, digits: number) => BigInt(s.replace('.', '') + '0'.repeat(digits - (s.split('.')[1]?.length ?? 0)));
  const digits = Math.max(...[price, credits, otherPrice, otherCredits].map((s) => s.split('.')[1]?.length ?? 0));
  return scale(price, digits) * scale(otherCredits, digits) < scale(otherPrice, digits) * scale(credits, digits);
}

/** The public contract for one tenant, with that tenant's default keys (see `apiKey`); seed tests wait up to SEED_WAIT_MS. */
export function tenantApi(platform: () => EmbeddedPlatform, tenant: string) {
  const client = tenantClient(platform, tenant, { waitMs: SEED_WAIT_MS });
  const { call, ok } = client;
  return {
    ...client,
    /** The quote's body; fails unless 200. */
    quote: (body: object) => ok(call('service', 'POST', '/v1/quotes', body)),
    transactions: async (accountId: string): Promise<{ type: string; [field: string]: any }[]> =>
      (await ok(call('ops', 'GET', `/v1/accounts/${accountId}/transactions`))).transactions,
    purchase: (accountId: string, packageId: string, amountPaid: string, currency: string, purchaseId = uniqueId('purchase')) =>
      ok(call('admin', 'POST', '/v1/purchases', { purchaseId, accountId, packageId, amountPaid, currency })),
    login: (accountId: string, loginId = uniqueId('login')) => ok(call('service', 'POST', `/v1/accounts/${accountId}/logins`, { loginId })),
    cancel: (accountId: string) => ok(call('admin', 'DELETE', `/v1/accounts/${accountId}/subscription`)),
  };
}

export type TenantApi = ReturnType<typeof tenantApi>;

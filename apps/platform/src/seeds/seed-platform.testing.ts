// Helpers for the per-seed acceptance tests: the embedded platform (the same runtime and services
// `npm start` hosts) driven only through the public HTTP contract, one tenant's keys at a time.
import { waitFor } from '@creditflow/kernel/testing';
import { EmbeddedPlatform, PlatformResponse, apiKey, startEmbeddedPlatform } from '@creditflow/testing';

export type Role = 'admin' | 'ops' | 'service';
export type UsageAction = 'complete' | 'fail' | 'accept' | 'reject';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** The seed catalogs are effective from 2025-01-01; manual-clock tests start later than that. */
export const at = (base: string, offsetMs = 0) => new Date(Date.parse(base) + offsetMs);

let sequence = 0;
/** A fresh id: no test shares an account, usage, purchase or grant id with another. */
export const uniqueId = (prefix: string) => `${prefix}-${++sequence}`;

/** Starts one platform for the enclosing describe block (or file) and closes it after. */
export function platformFor(options: { clock?: 'manual' | 'system' } = {}): () => EmbeddedPlatform {
  let platform: EmbeddedPlatform | undefined;
  beforeAll(async () => {
    platform = await startEmbeddedPlatform(options);
  });
  afterAll(async () => {
    await platform?.close();
  });
  return () => {
    if (!platform) throw new Error('the platform did not start');
    return platform;
  };
}

/** How long a seed test waits (`waitFor` of @creditflow/kernel/testing) for the asynchronous services. */
export const SEED_WAIT_MS = 20_000;

/** Exact ratio comparison of two decimal strings' quotients a/b < c/d, without floats. */
export function perCreditLess(price: string, credits: string, otherPrice: string, otherCredits: string): boolean {
  const scale = (s: string, digits: number) => BigInt(s.replace('.', '') + '0'.repeat(digits - (s.split('.')[1]?.length ?? 0)));
  const digits = Math.max(...[price, credits, otherPrice, otherCredits].map((s) => s.split('.')[1]?.length ?? 0));
  return scale(price, digits) * scale(otherCredits, digits) < scale(otherPrice, digits) * scale(credits, digits);
}

/** The public contract for one tenant, with that tenant's default keys (see `apiKey`). */
export function tenantApi(platform: () => EmbeddedPlatform, tenant: string) {
  const key = (role: Role) => apiKey(tenant, role);
  const call = (role: Role, method: string, path: string, body?: unknown): Promise<PlatformResponse> =>
    platform().request(method, path, { key: key(role), body });
  const ok = async (response: Promise<PlatformResponse>, status = 200) => {
    const r = await response;
    if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const api = {
    key,
    call,
    catalog: () => ok(call('service', 'GET', '/v1/catalog')),
    /** The quote's body; fails unless 200. */
    quote: (body: object) => ok(call('service', 'POST', '/v1/quotes', body)),
    openAccount: (body: object = { type: 'personal' }, accountId = uniqueId(`${tenant}-acc`)) =>
      ok(call('admin', 'PUT', `/v1/accounts/${accountId}`, body)).then(() => accountId),
    putAccount: (accountId: string, body: object) => call('admin', 'PUT', `/v1/accounts/${accountId}`, body),
    balance: (accountId: string) => ok(call('ops', 'GET', `/v1/accounts/${accountId}/balance`)),
    transactions: async (accountId: string): Promise<{ type: string; [field: string]: any }[]> =>
      (await ok(call('ops', 'GET', `/v1/accounts/${accountId}/transactions`))).transactions,
    reward: (accountId: string, amount: string, grantId = uniqueId('grant')) =>
      ok(call('admin', 'POST', `/v1/accounts/${accountId}/grants`, { grantId, type: 'reward', amount })),
    purchase: (accountId: string, packageId: string, amountPaid: string, currency: string, purchaseId = uniqueId('purchase')) =>
      ok(call('admin', 'POST', '/v1/purchases', { purchaseId, accountId, packageId, amountPaid, currency })),
    login: (accountId: string, loginId = uniqueId('login')) => ok(call('service', 'POST', `/v1/accounts/${accountId}/logins`, { loginId })),
    authorize: (body: object) => call('service', 'POST', '/v1/usage/authorize', body),
    step: (usageId: string, action: UsageAction, body?: object) => call('service', 'POST', `/v1/usage/${usageId}/${action}`, body),
    /** authorize + complete, both 200; answers both bodies. */
    async charge(accountId: string, request: object, usageId = uniqueId('u')) {
      const authorized = await ok(api.authorize({ usageId, accountId, ...request }));
      const completed = await ok(api.step(usageId, 'complete'));
      return { usageId, authorized, completed };
    },
    subscribe: (accountId: string, planId: string, billingPeriod: 'monthly' | 'yearly' = 'monthly') =>
      call('admin', 'PUT', `/v1/accounts/${accountId}/subscription`, { planId, billingPeriod }),
    cancel: (accountId: string) => ok(call('admin', 'DELETE', `/v1/accounts/${accountId}/subscription`)),
    /** A cron trigger at the platform's time. */
    tick: () => ok(call('admin', 'POST', '/v1/scheduler/ticks', {})),
    setClock: (now: Date) => ok(call('admin', 'POST', '/v1/admin/clock', { now: now.toISOString() })),
    /** Polls the balance until `check` accepts it; answers that balance. */
    balanceWhen: (accountId: string, what: string, check: (balance: any) => boolean) =>
      waitFor(what, async () => {
        const balance = await api.balance(accountId);
        return check(balance) ? balance : undefined;
      }, SEED_WAIT_MS),
  };
  return api;
}

export type TenantApi = ReturnType<typeof tenantApi>;

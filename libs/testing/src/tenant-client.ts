// One tenant's side of the embedded platform's public HTTP contract, for int tests: `call` as a role
// with the tenant's default key (see apiKey), `ok` to require a status and answer the body, and the
// requests whose meaning every suite shares. A suite adds its own on top (spread the client into it).
import { waitFor } from '@creditflow/kernel/testing';
import type { Role } from '@creditflow/shell';
import { EmbeddedPlatform, EmbeddedPlatformOptions, PlatformResponse, apiKey, startEmbeddedPlatform } from './embedded-platform';

export type UsageAction = 'complete' | 'fail' | 'accept' | 'reject';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** `base` (an ISO instant) plus `offsetMs`, for the manual clock. */
export const at = (base: string, offsetMs = 0) => new Date(Date.parse(base) + offsetMs);

let sequence = 0;
/** A fresh id: no test of a file shares an account, usage, purchase or grant id with another. */
export const uniqueId = (prefix: string) => `${prefix}-${++sequence}`;

/**
 * Starts one platform for the enclosing describe block (or file) and closes it after; `each: true`
 * starts a fresh one for every test, for tests that each live on their own timeline (a manual
 * clock never goes back, so tests that start at earlier times than the one before need their own platform).
 */
export function platformFor(options: EmbeddedPlatformOptions & { each?: boolean } = {}): () => EmbeddedPlatform {
  let platform: EmbeddedPlatform | undefined;
  const { each = false, ...platformOptions } = options;
  (each ? beforeEach : beforeAll)(async () => {
    platform = await startEmbeddedPlatform(platformOptions);
  });
  (each ? afterEach : afterAll)(async () => {
    await platform?.close();
  });
  return () => {
    if (!platform) throw new Error('the platform did not start');
    return platform;
  };
}

export interface TenantClientOptions {
  /** How long `balanceWhen` polls (`waitFor`); default 10 s. */
  waitMs?: number;
}

export function tenantClient(platform: () => EmbeddedPlatform, tenant: string, { waitMs = 10_000 }: TenantClientOptions = {}) {
  const key = (role: Role) => apiKey(tenant, role);
  const call = (role: Role, method: string, path: string, body?: unknown): Promise<PlatformResponse> =>
    platform().request(method, path, { key: key(role), body });
  /** The body of `response`; throws, showing it, unless its status is `status`. */
  const ok = async (response: Promise<PlatformResponse>, status = 200) => {
    const r = await response;
    if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const client = {
    key,
    call,
    ok,
    catalog: () => ok(call('service', 'GET', '/v1/catalog')),
    /** Opens the account (a fresh id unless given, personal unless `body` says otherwise); answers its id. */
    openAccount: (accountId = uniqueId(`${tenant}-acc`), body: object = { type: 'personal' }) =>
      ok(call('admin', 'PUT', `/v1/accounts/${accountId}`, body)).then(() => accountId),
    putAccount: (accountId: string, body: object) => call('admin', 'PUT', `/v1/accounts/${accountId}`, body),
    /** The balance answer without its `forecast`, whose `runsOutAt` moves with the clock (tests of the forecast read it whole). */
    balance: async (accountId: string) => {
      const { forecast: _forecast, ...balance } = await ok(call('ops', 'GET', `/v1/accounts/${accountId}/balance`));
      return balance;
    },
    reward: (accountId: string, amount: string, grantId = uniqueId('grant')) =>
      ok(call('admin', 'POST', `/v1/accounts/${accountId}/grants`, { grantId, type: 'reward', amount })),
    authorize: (body: object) => call('service', 'POST', '/v1/usage/authorize', body),
    step: (usageId: string, action: UsageAction, body?: object) => call('service', 'POST', `/v1/usage/${usageId}/${action}`, body),
    /** authorize + complete, both 200; answers the usage id and both bodies. */
    async charge(accountId: string, request: object, usageId = uniqueId('u')) {
      const authorized = await ok(client.authorize({ usageId, accountId, ...request }));
      const completed = await ok(client.step(usageId, 'complete'));
      return { usageId, authorized, completed };
    },
    subscribe: (accountId: string, planId: string, billingPeriod = 'monthly') =>
      call('admin', 'PUT', `/v1/accounts/${accountId}/subscription`, { planId, billingPeriod }),
    /** Sets the manual clock (the platform runs with `clock: 'manual'`). */
    setClock: (now: string | Date) => ok(call('admin', 'POST', '/v1/admin/clock', { now: new Date(now).toISOString() })),
    /** A cron trigger at the platform's time. */
    tick: () => ok(call('admin', 'POST', '/v1/scheduler/ticks', {})),
    /** Polls the balance until `check` accepts it; answers that balance. */
    balanceWhen: (accountId: string, what: string, check: (balance: any) => boolean) =>
      waitFor(what, async () => {
        const balance = await client.balance(accountId);
        return check(balance) ? balance : undefined;
      }, waitMs),
  };
  return client;
}

export type TenantClient = ReturnType<typeof tenantClient>;

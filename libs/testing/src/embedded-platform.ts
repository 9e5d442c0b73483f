// The embedded platform for int tests: the same runtime and Nest host `npm start` uses, on a random
// port and a temporary data directory, driven over HTTP with Node's global fetch. Everything comes
// from an explicit env object, so a test never reads or changes process.env.
import { INestApplication, Type } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedExtras, embeddedServices } from '@creditflow/platform';
import { ManualClock, RateLimit, Role, Runtime, ServiceName, createRuntime, hostServices } from '@creditflow/shell';
import { findTenantsDir, loadTenants } from '@creditflow/tenancy';

export interface ApiKeyGrant {
  tenant: string;
  role: Role;
  /** The key's own rate limit (CREDITFLOW_API_KEYS `rateLimit`); false: none; absent: its role's. */
  rateLimit?: RateLimit | false;
}

export interface EmbeddedService {
  name: ServiceName;
  module: Type<unknown>;
}

export interface EmbeddedPlatformOptions {
  /** `manual` makes POST /v1/admin/clock set the time (CREDITFLOW_CLOCK=manual). Default `system`. */
  clock?: 'manual' | 'system';
  /** Reuse a data directory (kept on close). Default: a fresh temporary one, removed on close. */
  dataDir?: string;
  /** CREDITFLOW_API_KEYS. Default: `defaultApiKeys()`, one admin, ops and service key per tenant. */
  keys?: Record<string, ApiKeyGrant>;
  /** The services to host; default `embeddedServices` of @creditflow/platform, the four service modules `npm start` hosts. */
  services?: EmbeddedService[];
  /** Modules without bus handlers hosted beside the services; default `embeddedExtras` (the ops read models). */
  extras?: Type<unknown>[];
  /** Nest's logger levels; default errors only, so a 500 still shows its stack. */
  logger?: false | ('error' | 'warn' | 'log')[];
  /** CREDITFLOW_TENANTS_DIR: tenant files to load instead of the repository's config/tenants. */
  tenantsDir?: string;
  /** Where the platform's log lines go instead of stdout (LogCapture reads them). */
  logDestination?: DestinationStream;
  /** More environment (e.g. CREDITFLOW_READY_MAX_PROJECTION_LAG). */
  env?: Record<string, string>;
}

export interface RequestOptions {
  /** The API key sent as `Authorization: Bearer <key>`; none when absent. */
  key?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, with `Content-Type: application/json` (for malformed JSON). */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface PlatformResponse<T = any> {
  status: number;
  /** The parsed JSON body; the text when it is not JSON; undefined when empty. */
  body: T;
  headers: Headers;
}

export interface EmbeddedPlatform {
  /** The base URL (http://127.0.0.1:<port>). It changes on restart(): read it again after one. */
  readonly url: string;
  readonly dataDir: string;
  /** The running runtime (its store, bus, observability); it changes on restart(). */
  readonly runtime: Runtime;
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<PlatformResponse<T>>;
  /**
   * Closes the app and the runtime and starts both again on the same data directory, as a process
   * restart would. A manual clock is set back to the time it showed before, so tests stay on their timeline.
   */
  restart(): Promise<void>;
  /** Closes the app and the runtime; removes the data directory if the helper created it. */
  close(): Promise<void>;
}

export const DEFAULT_SERVICES: EmbeddedService[] = embeddedServices;

/** The key the default key set gives `tenant` for `role`: `<tenant>-<role>-key`. */
export function apiKey(tenant: string, role: Role): string {
  return `${tenant}-${role}-key`;
}

/** One admin, one ops and one service key for every configured tenant (see apiKey). */
export function defaultApiKeys(): Record<string, ApiKeyGrant> {
  const keys: Record<string, ApiKeyGrant> = {};
  for (const tenant of loadTenants(findTenantsDir()).keys()) {
    for (const role of ['admin', 'ops', 'service'] as const) keys[apiKey(tenant, role)] = { tenant, role };
  }
  return keys;
}

export async function startEmbeddedPlatform(options: EmbeddedPlatformOptions = {}): Promise<EmbeddedPlatform> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'creditflow-platform-'));
  const env: NodeJS.ProcessEnv = {
    CREDITFLOW_DATA_DIR: dataDir,
    CREDITFLOW_API_KEYS: JSON.stringify(options.keys ?? defaultApiKeys()),
    CREDITFLOW_CLOCK: options.clock ?? 'system',
    ...(options.tenantsDir ? { CREDITFLOW_TENANTS_DIR: options.tenantsDir } : {}),
    ...options.env,
  };
  const services = options.services ?? DEFAULT_SERVICES;
  const extras = options.extras ?? embeddedExtras;
  const logger = options.logger ?? ['error'];

  let runtime: Runtime | null = null;
  let app: INestApplication | null = null;
  let url = '';

  const start = async (manualNow?: Date) => {
    runtime = await createRuntime('embedded', undefined, env, { logDestination: options.logDestination });
    if (manualNow && runtime.clock instanceof ManualClock) runtime.clock.set(manualNow);
    try {
      app = await hostServices({ runtime, services, extras, port: 0, logger });
    } catch (error) {
      await runtime.close();
      runtime = null;
      throw error;
    }
    const { port } = app.getHttpServer().address() as AddressInfo;
    url = `http://127.0.0.1:${port}`;
  };

  const stop = async () => {
    const [a, r] = [app, runtime];
    app = null;
    runtime = null;
    try {
      await a?.close();
    } finally {
      await r?.close();
    }
  };

  await start();

  return {
    get url() {
      return url;
    },
    get runtime() {
      if (!runtime) throw new Error('the embedded platform is closed');
      return runtime as Runtime;
    },
    dataDir,
    async request(method, path, { key, body, rawBody, headers = {} } = {}) {
      if (!app) throw new Error('the embedded platform is closed');
      const sent: Record<string, string> = { ...headers };
      if (key !== undefined) sent.authorization = `Bearer ${key}`;
      let payload: string | undefined;
      if (rawBody !== undefined || body !== undefined) {
        sent['content-type'] ??= 'application/json';
        payload = rawBody ?? JSON.stringify(body);
      }
      const response = await fetch(`${url}${path}`, { method, headers: sent, body: payload });
      const text = await response.text();
      let parsed: unknown = text === '' ? undefined : text;
      if (text !== '') {
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: the text itself
        }
      }
      return { status: response.status, body: parsed as any, headers: response.headers };
    },
    async restart() {
      const clock = (runtime as Runtime | null)?.clock;
      const manualNow = clock instanceof ManualClock ? clock.now() : undefined;
      await stop();
      await start(manualNow);
    },
    async close() {
      await stop();
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

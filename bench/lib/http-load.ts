// HTTP load: autocannon (npm, pinned) for closed-loop saturation runs, an open-loop paced client for
// fixed rates (latency counted from the moment each request was due, so a server that falls behind
// shows its queue instead of hiding it), and a small keep-alive client for setting up data.
import autocannon from 'autocannon';
import { Agent, request } from 'node:http';
import { Writable } from 'node:stream';
import { percentile, round } from './common';
import { KEYS } from './processes';

export interface HttpAnswer {
  status: number;
  body: string;
}

const agents = new Map<number, Agent>();
function agent(maxSockets: number): Agent {
  let a = agents.get(maxSockets);
  if (!a) agents.set(maxSockets, (a = new Agent({ keepAlive: true, maxSockets })));
  return a;
}

export function destroyAgents(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

/** One request over a keep-alive agent (`maxSockets` connections per host at most). */
export function call(base: string, method: string, path: string, key: string | null, body?: unknown, maxSockets = 64, timeoutMs = 120_000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (key) headers.authorization = `Bearer ${key}`;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const req = request(base + path, { method, headers, agent: agent(maxSockets), timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export async function callOk(base: string, method: string, path: string, key: string | null, body?: unknown): Promise<any> {
  const answer = await call(base, method, path, key, body);
  if (answer.status < 200 || answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.body.slice(0, 300)}`);
  return answer.body ? JSON.parse(answer.body) : undefined;
}

/** Runs `count` tasks, `concurrency` at a time, in index order; `onDone` after each. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>, onDone?: (done: number) => void): Promise<void> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await task(i);
      onDone?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Opens each account and buys `purchases` times the `premium` package (50,000 credits for CNY 500). */
export async function openAndFund(base: string, accountIds: string[], purchases: number, onDone?: (done: number) => void, concurrency = 32): Promise<void> {
  await pool(accountIds.length, concurrency, async (i) => {
    const accountId = accountIds[i];
    await callOk(base, 'PUT', `/v1/accounts/${accountId}`, KEYS.admin, { type: 'personal' });
    for (let p = 0; p < purchases; p++) {
      await callOk(base, 'POST', '/v1/purchases', KEYS.admin, { purchaseId: `${accountId}-p${p}`, accountId, packageId: 'premium', amountPaid: '500', currency: 'CNY' });
    }
  }, onDone);
}

/** The authorize body every bench sends: 1.75 credits on apinfer. */
export function authorizeBody(usageId: string, accountId: string) {
  return { usageId, accountId, feature: 'qwen-image' };
}

let usageSeq = 0;
/** A usage id unique within this process and across runs (the platform keeps its data between reps). */
export function newUsageId(prefix: string): string {
  // Ids match /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/ (the contract's id pattern).
  return `${prefix.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60)}-${process.pid}-${Date.now().toString(36)}-${(usageSeq++).toString(36)}`;
}

export interface SaturationResult {
  connections: number;
  seconds: number;
  pairsPerSecond: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number };
  authorizeOk: number;
  completeOk: number;
  otherStatus: number;
  errors: number;
  timeouts: number;
}

/**
 * authorize + complete pairs over `connections` connections (closed loop: each connection sends its
 * next request when the last is answered) for `seconds`. Latency is autocannon's, per request.
 */
export async function saturate(base: string, accounts: string[], connections: number, seconds: number, prefix: string, onTick?: (pairs: number) => void): Promise<SaturationResult> {
  let authorizeOk = 0;
  let completeOk = 0;
  let other = 0;
  const instance = autocannon({
    url: base,
    connections,
    duration: seconds,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: '/v1/usage/authorize',
        headers: { authorization: `Bearer ${KEYS.service}`, 'content-type': 'application/json' },
        setupRequest: (req: any, context: any) => {
          context.usageId = newUsageId(prefix);
          const accountId = accounts[Math.floor(Math.random() * accounts.length)];
          return { ...req, body: JSON.stringify(authorizeBody(context.usageId, accountId)) };
        },
        onResponse: (status: number) => {
          if (status === 200) authorizeOk++;
          else other++;
        },
      },
      {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.service}` },
        setupRequest: (req: any, context: any) => ({ ...req, path: `/v1/usage/${context.usageId}/complete` }),
        onResponse: (status: number) => {
          if (status === 200) {
            completeOk++;
            onTick?.(completeOk);
          } else other++;
        },
      },
    ] as any,
  } as any) as any;
  autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false, outputStream: nullStream });
  const result = (await instance) as unknown as autocannon.Result;
  const elapsed = result.duration || seconds;
  return {
    connections,
    seconds: round(elapsed, 2)!,
    pairsPerSecond: round(completeOk / elapsed)!,
    requestsPerSecond: round(result.requests.total / elapsed)!,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
    authorizeOk,
    completeOk,
    otherStatus: other,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

const nullStream = new Writable({ write: (_chunk, _encoding, callback) => callback() });

export interface PacedResult {
  targetRequestsPerSecond: number;
  /** requests answered per second, from the first due time to the last answer. */
  achievedRequestsPerSecond: number;
  pairs: number;
  authorizeOk: number;
  completeOk: number;
  failed: number;
  /** From the moment each authorize was due (includes any client-side queue). */
  authorizeMs: { p50: number; p99: number; max: number };
  completeMs: { p50: number; p99: number };
  /** Seconds the run took beyond its schedule, waiting for the answers owed. */
  drainSeconds: number;
}

export interface PacedOptions {
  /** Requests per second in total (authorize + complete). */
  rate: number;
  seconds: number;
  prefix: string;
  maxSockets?: number;
  /** Send authorizes only (a pair is then one request): for the kill -9 check. */
  authorizeOnly?: boolean;
  onTick?: (answered: number, due: number) => void;
  onAuthorized?: (accountId: string, usageId: string) => void;
}

/**
 * An open-loop paced client: `rate` requests per second in total, as authorize + complete pairs
 * (a pair is due every 2000/rate ms; its complete is sent when its authorize is answered), for
 * `seconds`, over at most `maxSockets` keep-alive connections.
 */
export async function paced(base: string, accounts: string[], options: PacedOptions): Promise<PacedResult> {
  const { rate, seconds, prefix, maxSockets = 64, authorizeOnly = false, onTick, onAuthorized } = options;
  const perPair = authorizeOnly ? 1 : 2;
  const pairs = Math.max(1, Math.round((rate / perPair) * seconds));
  const interval = (1000 * perPair) / rate;
  const authorizeLatency: number[] = [];
  const completeLatency: number[] = [];
  let authorizeOk = 0;
  let completeOk = 0;
  let failed = 0;
  let answered = 0;
  const inFlight: Promise<void>[] = [];
  const t0 = performance.now();
  const one = async (i: number) => {
    const due = t0 + i * interval;
    const usageId = newUsageId(prefix);
    const accountId = accounts[i % accounts.length];
    try {
      const a = await call(base, 'POST', '/v1/usage/authorize', KEYS.service, authorizeBody(usageId, accountId), maxSockets, 60_000);
      authorizeLatency.push(performance.now() - due);
      answered++;
      if (a.status !== 200) {
        failed++;
        return;
      }
      authorizeOk++;
      onAuthorized?.(accountId, usageId);
      if (authorizeOnly) return;
      const sent = performance.now();
      const c = await call(base, 'POST', `/v1/usage/${usageId}/complete`, KEYS.service, undefined, maxSockets, 60_000);
      completeLatency.push(performance.now() - sent);
      answered++;
      if (c.status === 200) completeOk++;
      else failed++;
    } catch {
      failed++;
    }
  };
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < pairs && t0 + next * interval <= now) inFlight.push(one(next++));
      onTick?.(answered, next * perPair);
      if (next < pairs) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const scheduleEnd = performance.now();
  await Promise.all(inFlight);
  const end = performance.now();
  authorizeLatency.sort((x, y) => x - y);
  completeLatency.sort((x, y) => x - y);
  return {
    targetRequestsPerSecond: rate,
    achievedRequestsPerSecond: round(answered / ((end - t0) / 1000))!,
    pairs,
    authorizeOk,
    completeOk,
    failed,
    authorizeMs: {
      p50: round(percentile(authorizeLatency, 50), 2)!,
      p99: round(percentile(authorizeLatency, 99), 2)!,
      max: round(authorizeLatency[authorizeLatency.length - 1] ?? NaN, 2)!,
    },
    completeMs: { p50: round(percentile(completeLatency, 50), 2)!, p99: round(percentile(completeLatency, 99), 2)! },
    drainSeconds: round((end - scheduleEnd) / 1000, 2)!,
  };
}

// HTTP for the fault suite, on node:http rather than fetch: the path goes out exactly as written
// (fetch's URL parser would resolve `..` segments and re-encode what the fuzzer means to send), a
// body can be any bytes, and a connection the server lost is told apart from an answer.
import { Agent, request as httpRequest } from 'node:http';

export interface HttpRequest {
  method: string;
  /** Sent as is: `/v1/accounts/..%2F..`, query string included. */
  path: string;
  /** `Authorization: Bearer <key>` when set. */
  key?: string;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (with `content-type: application/json` unless `headers` say otherwise). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
  /** Default 30 s: a request the server never answers is a finding, not a hang. */
  timeoutMs?: number;
}

export interface HttpAnswer {
  status: number;
  text: string;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  body: any;
}

/** The request never got an answer: refused, reset, or the server died while it was in flight. */
export class ConnectionLost extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export class NoAnswer extends Error {}

const agent = new Agent({ keepAlive: true, maxSockets: 64, keepAliveMsecs: 1_000 });

export function send(baseUrl: string, req: HttpRequest): Promise<HttpAnswer> {
  const { hostname, port } = new URL(baseUrl);
  const headers: Record<string, string> = { ...(req.headers ?? {}) };
  if (req.key !== undefined) headers.authorization = `Bearer ${req.key}`;
  let payload: Buffer | undefined;
  if (req.json !== undefined || req.raw !== undefined) {
    payload = req.raw !== undefined ? Buffer.from(req.raw) : Buffer.from(JSON.stringify(req.json));
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    let r: ReturnType<typeof httpRequest>;
    try {
      r = httpRequest({ host: hostname, port: Number(port), method: req.method, path: req.path, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => fail(new ConnectionLost((e as NodeJS.ErrnoException).code ?? 'EPIPE', e.message)));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, text, body });
        });
        res.on('aborted', () => fail(new ConnectionLost('ECONNRESET', 'the answer was cut off')));
      });
    } catch (error) {
      // node:http refuses some paths and headers before sending anything (ERR_UNESCAPED_CHARACTERS...).
      reject(error);
      return;
    }
    r.setTimeout(req.timeoutMs ?? 30_000, () => {
      r.destroy();
      fail(new NoAnswer(`${req.method} ${req.path.slice(0, 120)}: no answer within ${req.timeoutMs ?? 30_000} ms`));
    });
    r.on('error', (e: NodeJS.ErrnoException) => fail(new ConnectionLost(e.code ?? 'ECONNRESET', e.message)));
    r.end(payload);
  });
}

/** Drops idle keep-alive sockets (after a kill, they lead nowhere). */
export function dropIdleSockets(): void {
  for (const sockets of Object.values(agent.freeSockets)) for (const s of sockets ?? []) s.destroy();
}

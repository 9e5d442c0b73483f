// Baseline: a raw Node `http` JSON server answering the same authorize/complete requests as the
// platform, with the least work a credit check can do: check the bearer key, parse the JSON body,
// keep balances and holds in memory (integer thousandths), answer JSON. No framework, no store.
//   PORT=4000 node -r @swc-node/register bench/baselines/raw-http-server.ts
import { IncomingMessage, ServerResponse, createServer } from 'node:http';

const keys = new Set(Object.keys(JSON.parse(process.env.CREDITFLOW_API_KEYS ?? '{}')));
const PRICE = 1750; // 1.75 credits in thousandths
const START = 50_000_000; // the premium package, in thousandths
const balances = new Map<string, number>();
const holds = new Map<string, { accountId: string; credits: number; completed: boolean }>();

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const credits = (thousandths: number) => String(thousandths / 1000);

const server = createServer(async (req, res) => {
  const url = req.url ?? '/';
  if (url === '/health') return send(res, 200, { status: 'ok' });
  const auth = req.headers.authorization ?? '';
  if (!auth.startsWith('Bearer ') || !keys.has(auth.slice(7))) return send(res, 401, { error: 'unauthorized', message: 'unknown key' });
  const raw = await readBody(req);
  if (req.method === 'POST' && url === '/v1/usage/authorize') {
    let body: { usageId?: string; accountId?: string; feature?: string };
    try {
      body = JSON.parse(raw);
    } catch {
      return send(res, 400, { error: 'bad_request', message: 'malformed JSON' });
    }
    if (!body.usageId || !body.accountId || body.feature !== 'qwen-image') return send(res, 400, { error: 'bad_request', message: 'usageId, accountId, feature' });
    const seen = holds.get(body.usageId);
    if (seen) return send(res, 200, { usageId: body.usageId, status: 'authorized', credits: credits(seen.credits) });
    const available = balances.get(body.accountId) ?? START;
    if (available < PRICE) return send(res, 402, { error: 'insufficient_credits', required: credits(PRICE), available: credits(available) });
    balances.set(body.accountId, available - PRICE);
    holds.set(body.usageId, { accountId: body.accountId, credits: PRICE, completed: false });
    return send(res, 200, { usageId: body.usageId, status: 'authorized', credits: credits(PRICE) });
  }
  const complete = /^\/v1\/usage\/([^/]+)\/complete$/.exec(url);
  if (req.method === 'POST' && complete) {
    const hold = holds.get(decodeURIComponent(complete[1]));
    if (!hold) return send(res, 404, { error: 'not_found', message: 'no such usage' });
    hold.completed = true;
    return send(res, 200, { usageId: complete[1], status: 'completed', credits: credits(hold.credits) });
  }
  return send(res, 404, { error: 'not_found', message: url });
});

server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 4000), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));

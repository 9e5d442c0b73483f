// A real node:http webhook receiver for the alert webhook tests: it verifies both signatures of every
// delivery with the algorithm README.md documents ("Alert webhooks"), independently of the platform's
// code, keeps what it received, and can answer 500 on purpose.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tenantsWithDailyReset } from './tenant-variants';

/** The secret the tests configure (CREDITFLOW_WEBHOOK_SECRET_APINFER): a Standard Webhooks `whsec_` secret. */
export const WEBHOOK_SECRET = 'whsec_' + Buffer.from('a webhook secret of thirty-two b').toString('base64');

export const ALERTS = ['low-balance', 'auto-top-up-requested', 'refund-decided', 'credits-expiring-soon'];

/**
 * A temporary tenants directory (remove it after the test): the repository's tenants, apinfer with a
 * webhook `ops-alerts` to `url` for every alert kind (secret CREDITFLOW_WEBHOOK_SECRET_APINFER) and
 * a 48 h notice of reward credits expiring soon.
 */
export function tenantsWithWebhooks(url: string): string {
  const dir = tenantsWithDailyReset();
  const file = join(dir, 'apinfer.yaml');
  const apinfer = readFileSync(file, 'utf8').replace(/^( {2}lowBalanceThreshold: .*)$/m, '$1\n  expiringSoon: { withinHours: 48, lotTypes: [reward] }');
  if (!apinfer.includes('expiringSoon')) throw new Error('apinfer.yaml changed: the expiring-soon notice could not be configured');
  writeFileSync(file, `${apinfer}
webhooks:
  - id: ops-alerts
    url: ${url}
    alerts: [${ALERTS.join(', ')}]
    secretEnv: CREDITFLOW_WEBHOOK_SECRET_APINFER
`);
  return dir;
}

export interface Received {
  id: string;
  timestamp: number;
  body: any;
  status: number;
}

/** A webhook receiver that checks both signatures as README.md documents them, and answers 500 to the first delivery of each alert about `failFirstFor`'s accounts. */
export class Receiver {
  readonly received: Received[] = [];
  readonly badSignatures: string[] = [];
  readonly failFirstFor = new Set<string>();
  readonly failAllFor = new Set<string>();
  private server!: Server;
  url = '';

  /** The secret it verifies with (a whsec_ secret is base64 after the prefix, any other its UTF-8 bytes). */
  constructor(readonly secret = WEBHOOK_SECRET) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const id = String(req.headers['webhook-id']);
        const timestamp = Number(req.headers['webhook-timestamp']);
        if (!verify(this.secret, id, timestamp, raw, String(req.headers['webhook-signature']), String(req.headers['x-creditflow-signature']))) {
          this.badSignatures.push(id);
          res.writeHead(400).end();
          return;
        }
        const body = JSON.parse(raw);
        const failFirst = this.failFirstFor.has(body.subject) && !this.received.some((r) => r.id === id);
        const status = failFirst || this.failAllFor.has(body.subject) ? 500 : 200;
        this.received.push({ id, timestamp, body, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  of(accountId: string): Received[] {
    return this.received.filter((r) => r.body.subject === accountId);
  }
}

/** README.md, "Alert webhooks": HMAC-SHA256 keyed by the secret (a whsec_ secret: base64 after the prefix). */
function verify(secret: string, id: string, timestamp: number, raw: string, standard: string, creditflow: string): boolean {
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
  const hmac = (content: string) => createHmac('sha256', key).update(content);
  const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
  const fresh = Math.abs(Date.now() / 1000 - timestamp) < 300;
  return fresh && same(standard, `v1,${hmac(`${id}.${timestamp}.${raw}`).digest('base64')}`) && same(creditflow, `t=${timestamp},v1=${hmac(`${timestamp}.${raw}`).digest('hex')}`);
}

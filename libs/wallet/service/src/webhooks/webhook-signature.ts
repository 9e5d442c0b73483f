// How an alert webhook is signed (README.md, "Alert webhooks"). Two signatures of one HMAC-SHA256 key,
// so a receiver can use either: the Standard Webhooks headers (`webhook-id`, `webhook-timestamp`,
// `webhook-signature: v1,<base64 of HMAC("<id>.<timestamp>.<body>")>`), which its libraries verify,
// and the contract's `X-Creditflow-Signature: t=<timestamp>,v1=<hex of HMAC("<timestamp>.<body>")>`
// (SPEC 1.1). The key is the secret's UTF-8 bytes; a `whsec_` secret is base64 after the prefix, as
// Standard Webhooks generates them.
import { createHmac } from 'node:crypto';

const WHSEC = 'whsec_';

export function signingKey(secret: string): Buffer {
  return secret.startsWith(WHSEC) ? Buffer.from(secret.slice(WHSEC.length), 'base64') : Buffer.from(secret, 'utf8');
}

/** The headers of one delivery attempt: `id` is the alert's CloudEvent id (the same on every attempt and replay), `timestamp` Unix seconds. */
export function signatureHeaders(secret: string, id: string, timestamp: number, body: string): Record<string, string> {
  const key = signingKey(secret);
  const hmac = (content: string, encoding: 'base64' | 'hex') => createHmac('sha256', key).update(content, 'utf8').digest(encoding);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,${hmac(`${id}.${timestamp}.${body}`, 'base64')}`,
    'x-creditflow-signature': `t=${timestamp},v1=${hmac(`${timestamp}.${body}`, 'hex')}`,
  };
}

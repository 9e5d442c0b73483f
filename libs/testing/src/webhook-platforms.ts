// The embedded alert-webhook specs' set-up, run before and after their tests: a verifying receiver,
// the tenants of `tenantsWithWebhooks` pointing at it, and one or more embedded platforms on one data
// directory, signing with WEBHOOK_SECRET and retrying after 300 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPlatform, startEmbeddedPlatform } from './embedded-platform';
import { Receiver, WEBHOOK_SECRET, tenantsWithWebhooks } from './webhook-receiver';

export interface WebhookPlatforms {
  receiver: Receiver;
  /** The platforms in start order, all on one data directory (replicas of one store). */
  readonly platforms: EmbeddedPlatform[];
  tenantsDir(): string;
}

export function webhookPlatforms({ env = {}, replicas = 1, clock }: { env?: Record<string, string>; replicas?: number; clock?: 'manual' } = {}): WebhookPlatforms {
  const receiver = new Receiver();
  const platforms: EmbeddedPlatform[] = [];
  let tenantsDir = '';
  let dataDir = '';
  beforeAll(async () => {
    await receiver.start();
    tenantsDir = tenantsWithWebhooks(receiver.url);
    dataDir = mkdtempSync(join(tmpdir(), 'creditflow-webhooks-'));
    for (let i = 0; i < replicas; i++) {
      platforms.push(await startEmbeddedPlatform({
        tenantsDir, dataDir, ...(clock ? { clock } : {}),
        env: { CREDITFLOW_WEBHOOK_SECRET_APINFER: WEBHOOK_SECRET, CREDITFLOW_WEBHOOK_RETRY_MS: '300', ...env },
      }));
    }
  });
  afterAll(async () => {
    for (const platform of platforms.splice(0)) await platform.close();
    await receiver.stop();
    rmSync(tenantsDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { receiver, platforms, tenantsDir: () => tenantsDir };
}

// A tenant's alert webhooks: those of its tenant file (secret from the environment variable the file
// names) and those an admin set over HTTP (PUT /v1/webhooks/{id}, secret in the request), kept in the
// store as `webhookconfig-<tenant>_<webhookId>` so every wallet process, and every restart, has them.
// A secret set over HTTP lives in the event store (protected as the store is), is never logged and
// never answered in full; the tenant file's environment reference keeps it out of the store altogether.
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventStore, RecordedEvent, Subscription } from '@creditflow/event-store';
import { DomainError } from '@creditflow/kernel';
import { Deployment, EVENT_STORE } from '@creditflow/shell';
import { Tenants } from '@creditflow/tenancy';
import { WebhookTargetRefusedError, webhookUrlProblem } from './webhook-target';

export const WEBHOOK_CONFIG_CATEGORY = 'webhookconfig';

export interface Webhook {
  id: string;
  url: string;
  alerts: readonly string[];
  secret: string;
  /** file: the tenant file (secretEnv names its variable); api: set by PUT /v1/webhooks/{id}. */
  source: 'file' | 'api';
  secretEnv?: string;
}

type ConfigEvent =
  | { type: 'WebhookConfigured'; data: { tenantId: string; webhookId: string; url: string; alerts: string[]; secret: string; configuredAt: string } }
  | { type: 'WebhookRemoved'; data: { tenantId: string; webhookId: string; removedAt: string } };

export class WebhookInTenantFileError extends DomainError {
  constructor(webhookId: string) {
    super('WEBHOOK.DEFINED_IN_FILE', `webhook "${webhookId}" is defined in the tenant file: change it there`);
  }
}

export class WebhookNotFoundError extends DomainError {
  constructor(webhookId: string) {
    super('WEBHOOK.NOT_FOUND', `no webhook "${webhookId}" set over HTTP`);
  }
}

@Injectable()
export class WebhookRegistry implements OnModuleDestroy {
  /** Set over HTTP, by `<tenant>/<webhookId>`. */
  private readonly api = new Map<string, Webhook>();
  private loading: Promise<void> | null = null;
  private subscription: Subscription | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly tenants: Tenants,
    private readonly deployment: Deployment,
  ) {}

  /** Reads what the store holds, then follows it; resolves once read (the outbox schedules alerts only after). */
  load(onError: (error: unknown) => void): Promise<void> {
    this.loading ??= (async () => {
      const known = await this.store.readAll({ category: WEBHOOK_CONFIG_CATEGORY });
      known.forEach((e) => this.apply(e));
      const from = known.length ? known[known.length - 1].position : 0n;
      this.subscription = await this.store.subscribe({
        subscriptionId: 'wallet-webhook-config',
        category: WEBHOOK_CONFIG_CATEGORY,
        checkpoints: { load: async () => from, save: async () => undefined },
        onEvents: async (events) => events.forEach((e) => this.apply(e)),
        onError,
      });
    })();
    return this.loading;
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.stop();
  }

  /** The tenant's webhooks: its file's, then those set over HTTP. */
  of(tenantId: string): Webhook[] {
    const file = this.tenants.has(tenantId) ? this.tenants.get(tenantId).webhooks : [];
    const fromFile = file.map((w) => ({ id: w.id, url: w.url, alerts: w.alerts, secret: this.deployment.webhooks.secrets.get(w.secretEnv) ?? '', source: 'file' as const, secretEnv: w.secretEnv }));
    const fromApi = [...this.api].filter(([key]) => key.startsWith(`${tenantId}/`)).map(([, w]) => w);
    return [...fromFile, ...fromApi];
  }

  find(tenantId: string, webhookId: string): Webhook | undefined {
    return this.of(tenantId).find((w) => w.id === webhookId);
  }

  /** Sets a webhook (PUT): the same settings again record nothing. */
  async configure(tenantId: string, webhookId: string, settings: { url: string; alerts: string[]; secret: string }, now: Date): Promise<Webhook> {
    if (this.tenants.get(tenantId).webhooks.some((w) => w.id === webhookId)) throw new WebhookInTenantFileError(webhookId);
    const refused = webhookUrlProblem(settings.url, this.deployment.webhooks.privateTargets);
    if (refused) throw new WebhookTargetRefusedError(refused);
    const current = this.api.get(`${tenantId}/${webhookId}`);
    const alerts = [...new Set(settings.alerts)];
    const same = current && current.url === settings.url && current.secret === settings.secret && current.alerts.join() === alerts.join();
    if (!same) {
      await this.append(tenantId, webhookId, { type: 'WebhookConfigured', data: { tenantId, webhookId, url: settings.url, alerts, secret: settings.secret, configuredAt: now.toISOString() } });
    }
    return this.api.get(`${tenantId}/${webhookId}`)!;
  }

  async remove(tenantId: string, webhookId: string, now: Date): Promise<void> {
    if (this.tenants.get(tenantId).webhooks.some((w) => w.id === webhookId)) throw new WebhookInTenantFileError(webhookId);
    if (!this.api.has(`${tenantId}/${webhookId}`)) throw new WebhookNotFoundError(webhookId);
    await this.append(tenantId, webhookId, { type: 'WebhookRemoved', data: { tenantId, webhookId, removedAt: now.toISOString() } });
  }

  /**
   * Appends at the end of the webhook's stream and applies it here at once, so the answer and the next
   * request see it. A fresh id: a PUT repeated with the same settings appends nothing (above), and the
   * same settings after a removal are a new event.
   */
  private async append(tenantId: string, webhookId: string, event: ConfigEvent): Promise<void> {
    const stream = `${WEBHOOK_CONFIG_CATEGORY}-${tenantId}_${webhookId}`;
    await this.store.appendToStream(stream, [{ id: randomUUID(), type: event.type, data: event.data }], { expectedRevision: 'any' });
    this.apply({ type: event.type, data: event.data } as RecordedEvent);
  }

  private apply(recorded: Pick<RecordedEvent, 'type' | 'data'>): void {
    const event = recorded as unknown as ConfigEvent;
    const key = `${event.data.tenantId}/${event.data.webhookId}`;
    if (event.type === 'WebhookConfigured') {
      const { webhookId, url, alerts, secret } = event.data;
      this.api.set(key, { id: webhookId, url, alerts, secret, source: 'api' });
    } else if (event.type === 'WebhookRemoved') {
      this.api.delete(key);
    }
  }
}

// The alert webhooks over HTTP: the tenant's webhooks (secrets never shown: only the variable that
// holds one and its last four characters), the delivery log with every attempt, and replays.
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { WebhookBody, WebhookReplayBody } from '@creditflow/contracts';
import { DomainError } from '@creditflow/kernel';
import { ApiAnswer, ApiErrors, CurrentTenant, IdParam, Roles, oa } from '@creditflow/shell';
import { TenantConfig } from '@creditflow/tenancy';
import { WalletService } from '../wallet.service';
import { Delivery, deliveryView } from './webhook-deliveries';
import { WebhookOutbox } from './webhook-outbox';
import { Webhook, WebhookRegistry } from './webhook-registry';

const STATUSES = ['pending', 'delivered', 'gave_up'] as const;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

const WebhookSchema = oa.object(
  {
    id: oa.string, url: oa.string, alerts: oa.array(oa.string), source: oa.enum('file', 'api'),
    secretEnv: { type: 'string', description: 'file webhooks: the variable holding the secret' }, secretHint: { type: 'string', example: '…3f9a' },
  },
  ['secretEnv'],
);

/** A webhook as answered: never its secret, only its last four characters (none for a short one). */
function webhookView({ id, url, alerts, source, secretEnv, secret }: Webhook) {
  return { id, url, alerts, source, ...(secretEnv ? { secretEnv } : {}), secretHint: secret.length >= 16 ? `…${secret.slice(-4)}` : '…' };
}
const AttemptSchema = oa.object({
  attempt: oa.integer, startedAt: oa.time, outcome: oa.nullable(oa.enum('delivered', 'failed')), responseCode: oa.nullable(oa.integer),
  error: oa.nullable(oa.string), latencyMs: oa.nullable(oa.integer), nextAttemptAt: oa.nullable(oa.time),
});
const DeliverySchema = oa.object({
  deliveryId: oa.string, webhookId: oa.string, url: oa.string, alertId: { type: 'string', description: 'The alert CloudEvent id, sent as webhook-id' },
  alertType: oa.string, accountId: oa.string, status: oa.enum(...STATUSES), scheduledAt: oa.time, nextAttemptAt: oa.nullable(oa.time),
  attempts: oa.array(AttemptSchema), replays: oa.array(oa.string),
});

class InvalidWebhookQueryError extends DomainError {
  constructor(message: string) {
    super('WEBHOOK.INVALID_QUERY', message);
  }
}

@ApiTags('webhooks')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(
    private readonly outbox: WebhookOutbox,
    private readonly webhooks: WebhookRegistry,
    private readonly wallet: WalletService,
  ) {}

  @ApiOperation({ summary: "The tenant's alert webhooks, from its tenant file and set over HTTP; the secret never appears, only its last four characters" })
  @ApiAnswer('The webhooks', oa.array(WebhookSchema))
  @Roles('ops')
  @Get()
  list(@CurrentTenant() tenant: TenantConfig) {
    return this.webhooks.of(tenant.tenantId).map(webhookView);
  }

  @ApiOperation({
    summary:
      'Set a webhook: its URL, the alert kinds it takes and its signing secret (kept in the store, never answered); the same settings again change nothing. ' +
      'Only public addresses are targets (422 target_refused for localhost, a private or link-local address, or credentials in the URL) unless the platform runs with CREDITFLOW_WEBHOOK_PRIVATE_TARGETS=true',
  })
  @ApiAnswer('The webhook', WebhookSchema)
  @ApiErrors(409, 422)
  @Roles('admin')
  @Put(':webhookId')
  async configure(@CurrentTenant() tenant: TenantConfig, @IdParam('webhookId') webhookId: string, @Body() body: WebhookBody) {
    return webhookView(await this.webhooks.configure(tenant.tenantId, webhookId, body, this.wallet.now()));
  }

  @ApiOperation({ summary: 'Remove a webhook set over HTTP: no alert is scheduled for it any more (deliveries already scheduled are given up)' })
  @ApiErrors(404, 409)
  @Roles('admin')
  @Delete(':webhookId')
  @HttpCode(204)
  async remove(@CurrentTenant() tenant: TenantConfig, @IdParam('webhookId') webhookId: string) {
    await this.webhooks.remove(tenant.tenantId, webhookId, this.wallet.now());
  }

  @ApiOperation({ summary: 'The delivery log: every alert delivery, newest first, with each attempt (outcome, response code, latency, next attempt)' })
  @ApiQuery({ name: 'webhookId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: [...STATUSES] })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT }, description: `The newest this many (default ${DEFAULT_LIMIT})` })
  @ApiAnswer('The deliveries', oa.array(DeliverySchema))
  @ApiErrors(400)
  @Roles('ops')
  @Get('deliveries')
  deliveries(@CurrentTenant() tenant: TenantConfig, @Query('webhookId') webhookId?: string, @Query('status') status?: string, @Query('limit') limit?: string) {
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) throw new InvalidWebhookQueryError(`status must be one of ${STATUSES.join(', ')}`);
    if (limit !== undefined && !(/^\d+$/.test(limit) && Number(limit) >= 1 && Number(limit) <= MAX_LIMIT)) throw new InvalidWebhookQueryError(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
    const rows = this.outbox.list(tenant.tenantId, { webhookId, status: status as Delivery['status'] | undefined });
    return rows.slice(0, limit === undefined ? DEFAULT_LIMIT : Number(limit)).map(deliveryView);
  }

  @ApiOperation({ summary: 'One delivery with its attempts' })
  @ApiParam({ name: 'deliveryId' })
  @ApiAnswer('The delivery', DeliverySchema)
  @ApiErrors(404)
  @Roles('ops')
  @Get('deliveries/:deliveryId')
  async delivery(@CurrentTenant() tenant: TenantConfig, @Param('deliveryId') deliveryId: string) {
    return deliveryView(await this.outbox.get(tenant.tenantId, deliveryId));
  }

  @ApiOperation({ summary: 'Deliver an alert again now, under the same webhook-id (receivers that kept it drop it); idempotent by replayId' })
  @ApiParam({ name: 'deliveryId' })
  @ApiAnswer('Accepted: the delivery is pending', oa.object({ deliveryId: oa.string, replayId: oa.string, status: oa.enum('pending') }))
  @ApiErrors(400, 404)
  @Roles('admin')
  @Post('deliveries/:deliveryId/replays')
  @HttpCode(202)
  async replay(@CurrentTenant() tenant: TenantConfig, @Param('deliveryId') deliveryId: string, @Body() body: WebhookReplayBody) {
    await this.outbox.replay(tenant.tenantId, deliveryId, body.replayId, this.wallet.now());
    return { deliveryId, replayId: body.replayId, status: 'pending' };
  }
}

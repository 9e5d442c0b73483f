import { Controller, Get, Inject, Query, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { EventStore } from '@creditflow/event-store';
import { formatCredits, toCsv } from '@creditflow/kernel';
import { DefaultQuality, USAGE_GROUPS, UsageGroup } from '@creditflow/ops-projections';
import { ApiAnswer, ApiError, ApiErrors, CLOCK, CurrentTenant, Deployment, EVENT_STORE, IdParam, PlatformClock, Roles } from '@creditflow/shell';
import { TenantConfig } from '@creditflow/tenancy';
import { WALLET_CATEGORY } from '@creditflow/wallet-application';
import { moneyReport } from './ops.money';
import {
  BalancesSchema, CreditFlowsSchema, LowBalanceSchema, MoneySchema, ProjectionStatusSchema, RefundsSchema, UsageByDaySchema, UsageOutcomesSchema, UsageReportSchema,
} from './ops.openapi';
import { OpsProjector } from './ops.projector';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar day: the pattern, and a date that exists (2025-13-45 and 2025-02-30 used to answer 200, empty). */
function isDay(v: unknown): v is string {
  if (typeof v !== 'string' || !DAY.test(v)) return false;
  const t = Date.parse(`${v}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().startsWith(v);
}

function range(from?: string, to?: string): [string, string] {
  for (const [name, v] of [['from', from], ['to', to]] as const) {
    if (v !== undefined && !isDay(v)) throw new ApiError(400, 'invalid_request', `${name} must be a day such as 2026-11-21`);
  }
  if (from !== undefined && to !== undefined && from > to) throw new ApiError(400, 'invalid_request', `from (${from}) is after to (${to})`);
  return [from ?? '0000-01-01', to ?? '9999-12-31'];
}

const FROM = ApiQuery({ name: 'from', required: false, schema: { type: 'string', format: 'date' }, description: 'First day (UTC), inclusive' });
const TO = ApiQuery({ name: 'to', required: false, schema: { type: 'string', format: 'date' }, description: 'Last day (UTC), inclusive' });

/** Read models for the ops role, one tenant (the key's) at a time. */
@ApiTags('ops')
@Controller('v1')
export class OpsController {
  constructor(
    private readonly ops: OpsProjector,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: PlatformClock,
    private readonly deployment: Deployment,
  ) {}

  @ApiOperation({
    summary:
      "Usage report: uses and credits charged, grouped by feature, member (user), day, model, resolution or quality (each option as the request named it, '' for none; by quality, none is the feature's default quality)",
  })
  @ApiQuery({ name: 'groupBy', required: false, enum: [...USAGE_GROUPS], description: 'Default feature' })
  @FROM
  @TO
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'], description: 'Default json; csv is RFC 4180 with a header row' })
  @ApiProduces('application/json', 'text/csv')
  @ApiAnswer('The report rows, ordered by the group', UsageReportSchema)
  @ApiErrors(400)
  @Roles('ops')
  @Get('reports/usage')
  usage(
    @CurrentTenant() tenant: TenantConfig,
    @Query('groupBy') groupBy: string = 'feature',
    @Query('from') from: string | undefined,
    @Query('to') to: string | undefined,
    @Query('format') format: string = 'json',
  ) {
    return report(groupBy, from, to, format, (g, f, t) => this.ops.projections.usageReport(tenant.tenantId, g, f, t, defaultQualityOf(tenant)));
  }

  @ApiOperation({ summary: "One account's usage report, for tenants that give analytics to some plans only (amisi: business, enterprise)" })
  @ApiQuery({ name: 'groupBy', required: false, enum: [...USAGE_GROUPS], description: 'Default feature' })
  @FROM
  @TO
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'], description: 'Default json; csv is RFC 4180 with a header row' })
  @ApiProduces('application/json', 'text/csv')
  @ApiAnswer('The report rows, ordered by the group', UsageReportSchema)
  @ApiErrors(400, 404, 422)
  @Roles('ops')
  @Get('accounts/:accountId/reports/usage')
  accountUsage(
    @CurrentTenant() tenant: TenantConfig,
    @IdParam('accountId') accountId: string,
    @Query('groupBy') groupBy: string = 'feature',
    @Query('from') from: string | undefined,
    @Query('to') to: string | undefined,
    @Query('format') format: string = 'json',
  ) {
    const { known, planId } = this.ops.projections.planOf(tenant.tenantId, accountId);
    if (!known) throw new ApiError(404, 'account_not_found', `account "${accountId}" does not exist`);
    const plans = tenant.accountAnalyticsPlans;
    if (plans && !(planId && plans.includes(planId))) {
      throw new ApiError(422, 'analytics_not_in_plan', `usage analytics come with the ${plans.join(' and ')} plans; account "${accountId}" is on ${planId ?? 'no plan'}`, { planId, plans });
    }
    return report(groupBy, from, to, format, (g, f, t) => this.ops.projections.accountUsageReport(tenant.tenantId, accountId, g, f, t, defaultQualityOf(tenant)));
  }

  @ApiOperation({ summary: 'Balances of every account: available, held and by credit type' })
  @ApiAnswer('One row per account', BalancesSchema)
  @Roles('ops')
  @Get('projections/balances')
  balances(@CurrentTenant() tenant: TenantConfig) {
    return { balances: this.ops.projections.balances(tenant.tenantId) };
  }

  @ApiOperation({ summary: "Accounts whose available credits are below the tenant's low-balance threshold" })
  @ApiAnswer('The threshold and the accounts below it, lowest first', LowBalanceSchema)
  @Roles('ops')
  @Get('projections/low-balance')
  lowBalance(@CurrentTenant() tenant: TenantConfig) {
    const threshold = tenant.walletPolicy.lowBalanceThreshold;
    if (threshold === undefined) return { threshold: null, accounts: [] };
    return { threshold: formatCredits(threshold), accounts: this.ops.projections.balances(tenant.tenantId, threshold) };
  }

  @ApiOperation({ summary: 'Credits granted, consumed, expired (breakage) and refunded per day' })
  @FROM
  @TO
  @ApiAnswer('One row per day with any flow', CreditFlowsSchema)
  @ApiErrors(400)
  @Roles('ops')
  @Get('projections/credit-flows')
  flows(@CurrentTenant() tenant: TenantConfig, @Query('from') from?: string, @Query('to') to?: string) {
    const [f, t] = range(from, to);
    return { from: f, to: t, days: this.ops.projections.flows(tenant.tenantId, f, t) };
  }

  @ApiOperation({ summary: 'Uses and credits charged per day and feature' })
  @FROM
  @TO
  @ApiAnswer('One row per day and feature', UsageByDaySchema)
  @ApiErrors(400)
  @Roles('ops')
  @Get('projections/usage-by-day')
  usageByDay(@CurrentTenant() tenant: TenantConfig, @Query('from') from?: string, @Query('to') to?: string) {
    const [f, t] = range(from, to);
    return { from: f, to: t, rows: this.ops.projections.usageByFeatureAndDay(tenant.tenantId, f, t) };
  }

  @ApiOperation({
    summary:
      'How usages ended: completed, failed by reason (platform_error, cancelled, timeout: holds nobody completed in time; before or after completion), denied for insufficient credits, and the platform-error rate (platform_error failures per authorized usage)',
  })
  @FROM
  @TO
  @ApiAnswer('Totals, failures and denials grouped, one row per day with any usage', UsageOutcomesSchema)
  @ApiErrors(400)
  @Roles('ops')
  @Get('projections/usage-outcomes')
  usageOutcomes(@CurrentTenant() tenant: TenantConfig, @Query('from') from?: string, @Query('to') to?: string) {
    const [f, t] = range(from, to);
    return { from: f, to: t, ...this.ops.projections.usageOutcomes(tenant.tenantId, f, t) };
  }

  @ApiOperation({
    summary:
      "Money from the lots' cost basis: revenue (what purchases paid) by package and by the buyer's plan, refunds paid back for clawed-back credits (at the refund policy's rounding), and breakage (bought credits that expired unused, at their price per credit), each exact in its currency",
  })
  @FROM
  @TO
  @ApiAnswer('Totals per currency, the breakdowns and one row per day with any money', MoneySchema)
  @ApiErrors(400)
  @Roles('ops')
  @Get('projections/money')
  money(@CurrentTenant() tenant: TenantConfig, @Query('from') from?: string, @Query('to') to?: string) {
    const [f, t] = range(from, to);
    return moneyReport(this.ops.projections, tenant, f, t);
  }

  @ApiOperation({ summary: "How current the read models are: the platform's clock, the store position applied, wallet events still to apply, and this tenant's latest event" })
  @ApiAnswer('The read models now', ProjectionStatusSchema)
  @Roles('ops')
  @Get('projections/status')
  async status(@CurrentTenant() tenant: TenantConfig) {
    const position = this.ops.projections.position();
    const pending = await this.store.countEvents({ category: WALLET_CATEGORY, fromPosition: position });
    const activity = this.ops.projections.activity(tenant.tenantId);
    return {
      now: this.clock.now().toISOString(), mode: this.deployment.mode, position: position.toString(),
      pending: pending === null ? null : Number(pending), lastEventAt: activity.lastEventAt, events: activity.events,
    };
  }

  @ApiOperation({ summary: 'Refunds and credit restorations, with their reasons' })
  @ApiAnswer('Oldest first', RefundsSchema)
  @Roles('ops')
  @Get('projections/refunds')
  refunds(@CurrentTenant() tenant: TenantConfig) {
    return { refunds: this.ops.projections.refunds(tenant.tenantId) };
  }
}

type ReportRow = Record<string, string | number>;

/** Validates the report query, then answers JSON or CSV (the same rows). */
function report(groupBy: string, from: string | undefined, to: string | undefined, format: string, rows: (g: UsageGroup, f: string, t: string) => ReportRow[]) {
  if (!(USAGE_GROUPS as readonly string[]).includes(groupBy)) throw new ApiError(400, 'invalid_request', `groupBy must be one of ${USAGE_GROUPS.join(', ')}`);
  if (!['json', 'csv'].includes(format)) throw new ApiError(400, 'invalid_request', 'format must be json or csv');
  const [f, t] = range(from, to);
  const result = rows(groupBy as UsageGroup, f, t);
  if (format === 'csv') {
    const csv = toCsv([groupBy, 'uses', 'credits'], result.map((r) => [String(r[groupBy]), String(r.uses), String(r.credits)]));
    return new StreamableFile(Buffer.from(csv), { type: 'text/csv; charset=utf-8' });
  }
  return { groupBy, from: f, to: t, rows: result };
}

/** A feature's default quality in the latest catalog version that has the feature (apinfer's qwen-image: standard). */
function defaultQualityOf(tenant: TenantConfig): DefaultQuality {
  return (feature) => [...tenant.catalogVersions].reverse().find((v) => v.features.some((f) => f.id === feature))?.features.find((f) => f.id === feature)?.quality?.default;
}

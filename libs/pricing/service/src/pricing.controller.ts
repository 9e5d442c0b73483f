import { Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { QuoteRequest } from '@creditflow/contracts';
import { Clock, formatCredits } from '@creditflow/kernel';
import { catalogAt, quote } from '@creditflow/pricing-domain';
import { ApiAnswer, CLOCK, CurrentTenant, Roles } from '@creditflow/shell';
import { TenantConfig } from '@creditflow/tenancy';
import { catalogView } from './catalog.view';
import { CatalogSchema, QuoteSchema } from './pricing.openapi';

@ApiTags('pricing')
@Controller('v1')
export class PricingController {
  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  @ApiOperation({ summary: "The tenant's catalog in effect now: features with their price rules, packages, plans" })
  @ApiAnswer('The catalog', CatalogSchema)
  @Roles('service', 'ops')
  @Get('catalog')
  catalog(@CurrentTenant() tenant: TenantConfig) {
    return catalogView(tenant, catalogAt(tenant.catalogVersions, this.clock.now()));
  }

  @ApiOperation({ summary: 'What an operation costs now (unknown features and option values are a 400)' })
  @ApiAnswer('The price, per phase where the feature is phased', QuoteSchema)
  @Roles('service', 'ops')
  @Post('quotes')
  @HttpCode(200)
  quote(@CurrentTenant() tenant: TenantConfig, @Body() body: QuoteRequest) {
    const q = quote(catalogAt(tenant.catalogVersions, this.clock.now()), body, tenant.precision);
    return {
      credits: formatCredits(q.credits),
      ...(q.phases ? { phases: { generate: formatCredits(q.phases.generate), accept: formatCredits(q.phases.accept) } } : {}),
      ...(q.total !== undefined ? { total: formatCredits(q.total) } : {}),
      priceVersion: q.priceVersion,
    };
  }
}

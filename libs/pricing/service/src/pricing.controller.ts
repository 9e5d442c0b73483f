import { Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { QuoteRequest } from '@creditflow/contracts';
import { formatCredits } from '@creditflow/kernel';
import { catalogAt, quote } from '@creditflow/pricing-domain';
import { ApiAnswer, CurrentPrincipal, Principal, RUNTIME, Roles, Runtime, tenantOf } from '@creditflow/shell';
import { catalogView } from './catalog.view';
import { CatalogSchema, QuoteSchema } from './pricing.openapi';

@ApiTags('pricing')
@Controller('v1')
export class PricingController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @ApiOperation({ summary: "The tenant's catalog in effect now: features with their price rules, packages, plans" })
  @ApiAnswer('The catalog', CatalogSchema)
  @Roles('service', 'ops')
  @Get('catalog')
  catalog(@CurrentPrincipal() who: Principal) {
    const tenant = tenantOf(this.runtime, who);
    return catalogView(tenant, catalogAt(tenant.catalogVersions, this.runtime.clock.now()));
  }

  @ApiOperation({ summary: 'What an operation costs now (unknown features and option values are a 400)' })
  @ApiAnswer('The price, per phase where the feature is phased', QuoteSchema)
  @Roles('service', 'ops')
  @Post('quotes')
  @HttpCode(200)
  quote(@CurrentPrincipal() who: Principal, @Body() body: QuoteRequest) {
    const tenant = tenantOf(this.runtime, who);
    const q = quote(catalogAt(tenant.catalogVersions, this.runtime.clock.now()), body, tenant.precision);
    return {
      credits: formatCredits(q.credits),
      ...(q.phases ? { phases: { generate: formatCredits(q.phases.generate), accept: formatCredits(q.phases.accept) } } : {}),
      priceVersion: q.priceVersion,
    };
  }
}

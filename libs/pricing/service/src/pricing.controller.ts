import { Controller, HttpCode, Get, Inject, Post } from '@nestjs/common';
import { QuoteRequest } from '@creditflow/contracts';
import { formatCredits } from '@creditflow/kernel';
import { catalogAt, quote } from '@creditflow/pricing-domain';
import { CurrentPrincipal, Principal, RUNTIME, Roles, Runtime, ValidBody, tenantOf } from '@creditflow/shell';
import { catalogView } from './catalog.view';

@Controller('v1')
export class PricingController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Roles('service', 'ops')
  @Get('catalog')
  catalog(@CurrentPrincipal() who: Principal) {
    const tenant = tenantOf(this.runtime, who);
    return catalogView(tenant, catalogAt(tenant.catalogVersions, this.runtime.clock.now()));
  }

  @Roles('service', 'ops')
  @Post('quotes')
  @HttpCode(200)
  quote(@CurrentPrincipal() who: Principal, @ValidBody(QuoteRequest) body: QuoteRequest) {
    const tenant = tenantOf(this.runtime, who);
    const q = quote(catalogAt(tenant.catalogVersions, this.runtime.clock.now()), body, tenant.precision);
    return {
      credits: formatCredits(q.credits),
      ...(q.phases ? { phases: { generate: formatCredits(q.phases.generate), accept: formatCredits(q.phases.accept) } } : {}),
      priceVersion: q.priceVersion,
    };
  }
}

import { Module } from '@nestjs/common';
import { HttpContextModule } from '@creditflow/shell';
import { PricingController } from './pricing.controller';
import { PRICING_ERROR_STATUS } from './pricing.http-errors';
import { UsagePricingConsumer } from './usage-pricing.consumer';

@Module({
  imports: [HttpContextModule.forFeature({ errorStatus: PRICING_ERROR_STATUS })],
  controllers: [PricingController, UsagePricingConsumer],
})
export class PricingModule {}

import { Module } from '@nestjs/common';
import { PricingController } from './pricing.controller';
import { UsagePricingConsumer } from './usage-pricing.consumer';

@Module({ controllers: [PricingController, UsagePricingConsumer] })
export class PricingModule {}

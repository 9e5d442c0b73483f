import { Module } from '@nestjs/common';
import { RefundConsumer } from './refund.consumer';

@Module({ controllers: [RefundConsumer] })
export class RefundModule {}

import { Module } from '@nestjs/common';
import { RefundApp } from './refund.app';
import { RefundConsumer } from './refund.consumer';
import { RefundController } from './refund.controller';

@Module({ controllers: [RefundController, RefundConsumer], providers: [RefundApp] })
export class RefundModule {}

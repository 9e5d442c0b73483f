import { Module } from '@nestjs/common';
import { HttpContextModule } from '@creditflow/shell';
import { RefundApp } from './refund.app';
import { RefundConsumer } from './refund.consumer';
import { RefundController } from './refund.controller';
import { REFUND_ERROR_STATUS } from './refund.http-errors';

@Module({
  imports: [HttpContextModule.forFeature({ errorStatus: REFUND_ERROR_STATUS })],
  controllers: [RefundController, RefundConsumer],
  providers: [RefundApp],
})
export class RefundModule {}

import { Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { SchedulerTickRequest, SubscriptionBody } from '@creditflow/contracts';
import { CurrentPrincipal, Principal, Roles, ValidBody, idParam } from '@creditflow/shell';
import { SchedulerApp, subscriptionView } from './scheduler.app';


@Controller('v1')
export class SchedulerController {
  constructor(private readonly scheduler: SchedulerApp) {}

  @Roles('admin')
  @Put('accounts/:accountId/subscription')
  async subscribe(@CurrentPrincipal() who: Principal, @Param('accountId') accountId: string, @ValidBody(SubscriptionBody) body: SubscriptionBody) {
    const { state } = await this.scheduler.subscribe(who.tenant, idParam('accountId', accountId), body.planId, body.billingPeriod, this.scheduler.now());
    return subscriptionView(state);
  }

  @Roles('admin')
  @Delete('accounts/:accountId/subscription')
  async cancel(@CurrentPrincipal() who: Principal, @Param('accountId') accountId: string) {
    const { state } = await this.scheduler.cancel(who.tenant, idParam('accountId', accountId), this.scheduler.now());
    return subscriptionView(state);
  }

  @Roles('ops')
  @Get('accounts/:accountId/subscription')
  view(@CurrentPrincipal() who: Principal, @Param('accountId') accountId: string) {
    return this.scheduler.view(who.tenant, idParam('accountId', accountId));
  }

  @Roles('admin')
  @Post('scheduler/ticks')
  @HttpCode(200)
  tick(@ValidBody(SchedulerTickRequest) body: SchedulerTickRequest) {
    return this.scheduler.tick(body.at ? new Date(body.at) : this.scheduler.now());
  }
}

import { Body, Controller, Delete, Get, HttpCode, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SchedulerTickRequest, SubscriptionBody } from '@creditflow/contracts';
import { ApiAnswer, ApiErrors, CurrentPrincipal, IdParam, Principal, Roles } from '@creditflow/shell';
import { subscriptionView } from './scheduler.records';
import { SchedulerService } from './scheduler.service';
import { SubscriptionSchema, TickSchema } from './scheduler.openapi';

/**
 * PUT starts a subscription, or, while one is active, switches plan: between recurring plans the new
 * plan takes effect at the next cycle boundary (the answer shows it as `pendingChange`); the same
 * plan again withdraws a pending change or a pending cancellation. DELETE cancels at the end of the
 * paid period (`cancellation.endsAt`). Both answer the subscription's view.
 */
@ApiTags('subscriptions')
@Controller('v1')
export class SchedulerController {
  constructor(private readonly scheduler: SchedulerService) {}

  @ApiOperation({ summary: 'Start a subscription, or switch plan (effective at the next cycle boundary)' })
  @ApiAnswer("The subscription's view", SubscriptionSchema)
  @ApiErrors(422)
  @Roles('admin')
  @Put('accounts/:accountId/subscription')
  async subscribe(@CurrentPrincipal() who: Principal, @IdParam('accountId') accountId: string, @Body() body: SubscriptionBody) {
    const custom = { monthlyCredits: body.monthlyCredits, rolloverCap: body.rolloverCap };
    const { state } = await this.scheduler.subscribe(who.tenant, accountId, body.planId, body.billingPeriod, this.scheduler.now(), undefined, custom);
    return subscriptionView(state);
  }

  @ApiOperation({ summary: 'Cancel at the end of the current period' })
  @ApiAnswer("The subscription's view, with cancellation.endsAt", SubscriptionSchema)
  @ApiErrors(404, 422)
  @Roles('admin')
  @Delete('accounts/:accountId/subscription')
  async cancel(@CurrentPrincipal() who: Principal, @IdParam('accountId') accountId: string) {
    const { state } = await this.scheduler.cancel(who.tenant, accountId, this.scheduler.now());
    return subscriptionView(state);
  }

  @ApiOperation({ summary: "The account's subscription" })
  @ApiAnswer("The subscription's view", SubscriptionSchema)
  @ApiErrors(404)
  @Roles('ops')
  @Get('accounts/:accountId/subscription')
  view(@CurrentPrincipal() who: Principal, @IdParam('accountId') accountId: string) {
    return this.scheduler.view(who.tenant, accountId);
  }

  @ApiOperation({ summary: 'A cron trigger: records whatever is due up to now (or `at`): monthly grants, rollover expiries, daily resets' })
  @ApiAnswer('What the tick recorded', TickSchema)
  @Roles('admin')
  @Post('scheduler/ticks')
  @HttpCode(200)
  tick(@Body() body: SchedulerTickRequest) {
    return this.scheduler.tick(body.at ? new Date(body.at) : this.scheduler.now());
  }
}

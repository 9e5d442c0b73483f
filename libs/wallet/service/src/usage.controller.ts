import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthorizeUsageRequest, UsageStepBody } from '@creditflow/contracts';
import { ApiActions, ApiAnswer, ApiError, ApiErrors, CurrentPrincipal, IdParam, Principal, Roles } from '@creditflow/shell';
import { WalletApp } from './wallet.app';
import { ApiInsufficientCredits, UsageAnswerSchema } from './wallet.openapi';

@ApiTags('usage')
@Controller('v1/usage')
export class UsageController {
  constructor(private readonly wallet: WalletApp) {}

  @ApiOperation({ summary: 'Price an operation and hold its credits (idempotent by usageId)' })
  @ApiAnswer('Authorized: the credits are held', UsageAnswerSchema)
  @ApiInsufficientCredits()
  @ApiErrors(409, 422)
  @Roles('service')
  @Post('authorize')
  async authorize(@CurrentPrincipal() who: Principal, @Body() body: AuthorizeUsageRequest, @Res() res: Response) {
    const tenant = this.wallet.tenant(who.tenant);
    const now = this.wallet.now();
    const price = this.wallet.price(tenant, body, now);
    const state = await this.wallet.run(this.wallet.authorize(tenant.tenantId, body, price, now));
    return send(res, this.wallet.usageAnswer(state, body.usageId, 'authorize'));
  }

  @ApiOperation({ summary: 'A step of a usage' })
  @ApiActions('action', {
    complete: { summary: 'Complete a usage: capture its hold', without: [402] },
    fail: { summary: 'Fail a usage: release its hold; after completion, a platform_error restores the credits where the tenant says so', required: ['reason'], without: [402] },
    accept: { summary: 'Accept the result: charge the accept phase (402 if it cannot be paid)' },
    reject: { summary: 'Reject the result: no further charge', without: [402] },
  })
  @ApiAnswer('The outcome of this step (a repeated step answers as the first did)', UsageAnswerSchema)
  @ApiInsufficientCredits()
  @ApiErrors(404, 409, 422)
  @Roles('service')
  @Post(':usageId/:action')
  @HttpCode(200)
  async step(
    @CurrentPrincipal() who: Principal,
    @IdParam('usageId') usageId: string,
    @Param('action') action: 'complete' | 'fail' | 'accept' | 'reject',
    @Body() body: UsageStepBody,
    @Res() res: Response,
  ) {
    if (!['complete', 'fail', 'accept', 'reject'].includes(action)) throw new ApiError(404, 'not_found', `no usage action "${action}"`);
    if (action === 'fail' && !body.reason) throw new ApiError(400, 'invalid_request', 'reason must be "platform_error" or "cancelled"');
    if (action !== 'fail' && body.reason) throw new ApiError(400, 'invalid_request', 'reason is only for /fail');
    const tenant = this.wallet.tenant(who.tenant);
    const state = await this.wallet.run(this.wallet.usageStep(tenant.tenantId, usageId, action, body.reason, this.wallet.now()));
    return send(res, this.wallet.usageAnswer(state, usageId, action));
  }
}

function send(res: Response, answer: object) {
  res.status('error' in answer ? 402 : 200).json(answer);
}

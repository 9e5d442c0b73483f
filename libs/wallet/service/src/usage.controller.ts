import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthorizeUsageRequest, FailUsageBody } from '@creditflow/contracts';
import { ApiAnswer, ApiErrors, CurrentTenant, IdParam, NoBody, Roles } from '@creditflow/shell';
import { UsageAction } from '@creditflow/wallet-application';
import { WalletState } from '@creditflow/wallet-domain';
import { TenantConfig } from '@creditflow/tenancy';
import { WalletService } from './wallet.service';
import { UsageDeniedAnswer } from './wallet.http-errors';
import { ApiRateLimited, ApiUsageDenied, UsageAnswerSchema } from './wallet.openapi';

/** The response, only to set a header (Retry-After) before an answer the error filter sends. */
interface HeaderSink {
  setHeader(name: string, value: string): unknown;
}

const STEP_ANSWER = 'The outcome of this step (a repeated step answers as the first did)';

@ApiTags('usage')
@Controller('v1/usage')
export class UsageController {
  constructor(private readonly wallet: WalletService) {}

  @ApiOperation({ summary: 'Price an operation and hold its credits (idempotent by usageId)' })
  @ApiAnswer('Authorized: the credits are held', UsageAnswerSchema)
  @ApiUsageDenied()
  @ApiRateLimited()
  @ApiErrors(409, 422)
  @Roles('service')
  @Post('authorize')
  @HttpCode(200)
  async authorize(@CurrentTenant() tenant: TenantConfig, @Body() body: AuthorizeUsageRequest, @Res({ passthrough: true }) res: HeaderSink) {
    const now = this.wallet.now();
    const price = this.wallet.price(tenant, body, now);
    const state = await this.wallet.run(await this.wallet.authorize(tenant.tenantId, body, price, now));
    return this.answer(state, body.usageId, 'authorize', res, now);
  }

  @ApiOperation({ summary: 'Complete a usage: capture its hold' })
  @ApiAnswer(STEP_ANSWER, UsageAnswerSchema)
  @ApiErrors(404, 409, 422)
  @Roles('service')
  @Post(':usageId/complete')
  @HttpCode(200)
  complete(@CurrentTenant() tenant: TenantConfig, @IdParam('usageId') usageId: string, @NoBody() _body: undefined) {
    return this.step(tenant, usageId, 'complete');
  }

  @ApiOperation({ summary: 'Fail a usage: release its hold; after completion, a platform_error restores the credits where the tenant says so' })
  @ApiAnswer(STEP_ANSWER, UsageAnswerSchema)
  @ApiErrors(404, 409, 422)
  @Roles('service')
  @Post(':usageId/fail')
  @HttpCode(200)
  fail(@CurrentTenant() tenant: TenantConfig, @IdParam('usageId') usageId: string, @Body() body: FailUsageBody) {
    return this.step(tenant, usageId, 'fail', body.reason);
  }

  @ApiOperation({ summary: 'Accept the result: charge the accept phase (402 if it cannot be paid)' })
  @ApiAnswer(STEP_ANSWER, UsageAnswerSchema)
  @ApiUsageDenied()
  @ApiErrors(404, 409, 422)
  @Roles('service')
  @Post(':usageId/accept')
  @HttpCode(200)
  accept(@CurrentTenant() tenant: TenantConfig, @IdParam('usageId') usageId: string, @NoBody() _body: undefined) {
    return this.step(tenant, usageId, 'accept');
  }

  @ApiOperation({ summary: 'Reject the result: no further charge' })
  @ApiAnswer(STEP_ANSWER, UsageAnswerSchema)
  @ApiErrors(404, 409, 422)
  @Roles('service')
  @Post(':usageId/reject')
  @HttpCode(200)
  reject(@CurrentTenant() tenant: TenantConfig, @IdParam('usageId') usageId: string, @NoBody() _body: undefined) {
    return this.step(tenant, usageId, 'reject');
  }

  private async step(tenant: TenantConfig, usageId: string, action: Exclude<UsageAction, 'authorize'>, reason?: FailUsageBody['reason']) {
    const state = await this.wallet.run(await this.wallet.usageStep(tenant.tenantId, usageId, action, reason, this.wallet.now()));
    return this.answer(state, usageId, action);
  }

  /** A denial the wallet recorded (authorize, accept) is a 402 in its own shape. */
  private answer(state: WalletState, usageId: string, action: UsageAction, res?: HeaderSink, now?: Date) {
    const answer = this.wallet.usageAnswer(state, usageId, action);
    if ('error' in answer) {
      if (answer.error === 'rate_limited' && res && now) res.setHeader('Retry-After', String(Math.max(0, Math.ceil((Date.parse(answer.retryAt) - now.getTime()) / 1000))));
      throw new UsageDeniedAnswer(answer);
    }
    return answer;
  }
}

import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RefundRequest, RefundResponse } from '@creditflow/contracts';
import { formatCredits, formatMoney } from '@creditflow/kernel';
import { ApiAnswer, ApiError, ApiErrors, CurrentPrincipal, IdParam, Principal, Roles } from '@creditflow/shell';
import { RefundService } from './refund.service';
import { PurchasesSchema, RefundSchema } from './refund.openapi';
import { refundView } from './refund.records';

@ApiTags('refunds')
@Controller()
export class RefundController {
  constructor(private readonly refunds: RefundService) {}

  /** Decides (once per refundId) and answers with the decision; the wallet applies it from the bus. */
  @ApiOperation({ summary: "Request a refund: decided under the tenant's policy, once per refundId; every decision says why" })
  @ApiAnswer('The decision (approved or denied, with the money and credits)', RefundSchema)
  @ApiErrors(404, 409, 422)
  @Roles('admin')
  @Post('v1/refunds')
  @HttpCode(200)
  async request(@CurrentPrincipal() who: Principal, @Body() body: RefundRequest): Promise<RefundResponse> {
    const record = await this.refunds.request(who.tenant, body, this.refunds.now(), { awaitWallet: true });
    return refundView(record);
  }

  /** A refund's decision and where its settlement stands. */
  @ApiOperation({ summary: "A refund's decision and where its settlement stands" })
  @ApiAnswer('The decision', RefundSchema)
  @ApiErrors(404)
  @Roles('ops')
  @Get('v1/refunds/:refundId')
  async get(@CurrentPrincipal() who: Principal, @IdParam('refundId') refundId: string): Promise<RefundResponse> {
    const record = await this.refunds.record(who.tenant, refundId);
    if (!record.exists) throw new ApiError(404, 'refund_not_found', `refund "${refundId}" was never requested`);
    return refundView(record);
  }

  /**
   * The account's purchases as the refund service sees them (its read model of the wallet's events,
   * as of `walletRevision`, in embedded mode caught up with the account's last wallet event first):
   * what each cost and how many of its credits are unused now.
   */
  @ApiOperation({ summary: "The account's purchases as the refund service sees them: price paid and unused credits" })
  @ApiAnswer('The purchases', PurchasesSchema)
  @ApiErrors(404)
  @Roles('ops')
  @Get('v1/accounts/:accountId/purchases')
  async purchases(@CurrentPrincipal() who: Principal, @IdParam('accountId') accountId: string) {
    await this.refunds.catchUp(who.tenant, accountId);
    const revision = await this.refunds.facts.revision(who.tenant, accountId);
    if (revision === null) throw new ApiError(404, 'account_not_found', `account "${accountId}" does not exist`);
    const now = this.refunds.now();
    return {
      accountId,
      walletRevision: revision.toString(),
      purchases: this.refunds.facts.purchasesOf(who.tenant, accountId, now).map((p) => ({
        purchaseId: p.purchaseId, lotId: p.lotId, credits: formatCredits(p.credits), unused: formatCredits(p.unused),
        paid: { amount: formatMoney(p.paid), currency: p.paid.currency }, purchasedAt: p.purchasedAt, promotional: p.promotional,
        listPrice: p.listPrice && { amount: formatMoney(p.listPrice), currency: p.listPrice.currency },
        discounted: p.listPrice !== null && p.paid.minor < p.listPrice.minor,
        ...(p.discountCode !== null ? { discountCode: p.discountCode } : {}),
        ...(p.contractId !== null ? { contractId: p.contractId } : {}),
        initialPayment: p.initialPayment,
      })),
    };
  }
}

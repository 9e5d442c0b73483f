import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { PurchaseRequest } from '@creditflow/contracts';
import { ApiAnswer, ApiErrors, CurrentTenant, Roles } from '@creditflow/shell';
import { balanceView } from '@creditflow/wallet-application';
import { TenantConfig } from '@creditflow/tenancy';
import { WalletService } from './wallet.service';
import { PurchaseSchema } from './wallet.openapi';

@ApiTags('purchases')
@Controller('v1/purchases')
export class PurchasesController {
  constructor(private readonly wallet: WalletService) {}

  @ApiOperation({ summary: 'Record a purchased package: grants a top-up lot carrying the price paid (idempotent by purchaseId)' })
  @ApiAnswer('The top-up lot as granted', PurchaseSchema)
  @ApiErrors(404, 409, 422)
  @Roles('admin')
  @Post()
  @HttpCode(200)
  async purchase(@CurrentTenant() tenant: TenantConfig, @Body() body: PurchaseRequest) {
    const state = await this.wallet.run(this.wallet.purchase(tenant, body, this.wallet.now()));
    // The lot as granted (not as consumed since): a repeated purchase answers as the first did.
    const granted = state.lots.get(`purchase:${body.purchaseId}`)!;
    const [lot] = balanceView({ ...state, lots: new Map([[granted.lotId, { ...granted, remaining: granted.amount, expired: false }]]) }).lots;
    return { purchaseId: body.purchaseId, accountId: body.accountId, lot };
  }
}

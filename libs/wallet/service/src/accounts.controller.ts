import { Body, Controller, Get, HttpCode, Post, Put, Query, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AccountBody, AutoTopUpBody, GrantBody, LoginBody, MemberSpendingLimitBody, TransferBody } from '@creditflow/contracts';
import { formatCredits, parseCredits, toCsv } from '@creditflow/kernel';
import { ApiAnswer, ApiError, ApiErrors, CurrentTenant, IdParam, Roles } from '@creditflow/shell';
import { STATEMENT_CSV_COLUMNS, autoTopUpView, balanceView, membersView, paidFromText } from '@creditflow/wallet-application';
import { TenantConfig } from '@creditflow/tenancy';
import { SPENDING_DAYS, refuseTransfer } from '@creditflow/wallet-domain';
import { WalletService } from './wallet.service';
import { AutoTopUpSchema, BalanceSchema, GrantSchema, LoginSchema, MembersSchema, StatementSchema, TransactionsSchema } from './wallet.openapi';

@ApiTags('accounts')
@Controller('v1/accounts/:accountId')
export class AccountsController {
  constructor(private readonly wallet: WalletService) {}

  @ApiOperation({ summary: 'Open an account (personal or team with members), or update its members' })
  @ApiAnswer('The account and its balance', BalanceSchema)
  @ApiErrors(409, 422)
  @Roles('admin')
  @Put()
  async open(@CurrentTenant() tenant: TenantConfig, @IdParam('accountId') accountId: string, @Body() body: AccountBody) {
    const now = this.wallet.now();
    const state = await this.wallet.run(this.wallet.openAccount(tenant.tenantId, accountId, body, now));
    return balanceView(state);
  }

  @ApiOperation({ summary: 'Available and held credits, by credit type, with the lots' })
  @ApiAnswer('The balance as of now (due expiries applied)', BalanceSchema)
  @ApiErrors(404)
  @Roles('ops')
  @Get('balance')
  balance(@CurrentTenant() tenant: TenantConfig, @IdParam('accountId') accountId: string) {
    return this.wallet.balance(tenant, accountId, this.wallet.now());
  }

  @ApiOperation({ summary: "The account's credit history: every stored wallet event, oldest first" })
  @ApiAnswer('The history', TransactionsSchema)
  @ApiErrors(404)
  @Roles('ops')
  @Get('transactions')
  transactions(@CurrentTenant() tenant: TenantConfig, @IdParam('accountId') accountId: string) {
    return this.wallet.transactions(tenant.tenantId, accountId);
  }

  @ApiOperation({
    summary:
      "The account's statement: every change of available or held credits with the balance after it and the stream revision it reflects (then any expiry due now and not stored yet, without a revision), and the burn rate: credits spent per day and when the available credits run out at that pace",
  })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'], description: 'Default json; csv is RFC 4180 with a header row (the lines only)' })
  @ApiQuery({ name: 'forecastDays', required: false, description: 'The burn rate is measured over the last N UTC days, today included (1-31, default 7), or since the day the account was opened when later' })
  @ApiProduces('application/json', 'text/csv')
  @ApiAnswer('The statement as of now', StatementSchema)
  @ApiErrors(400, 404)
  @Roles('ops')
  @Get('statement')
  async statement(
    @CurrentTenant() tenant: TenantConfig,
    @IdParam('accountId') accountId: string,
    @Query('format') format: string = 'json',
    @Query('forecastDays') forecastDays: string = '7',
  ) {
    if (format !== 'json' && format !== 'csv') throw new ApiError(400, 'invalid_request', 'format must be json or csv');
    if (!/^\d{1,2}$/.test(forecastDays) || +forecastDays < 1 || +forecastDays > SPENDING_DAYS) throw new ApiError(400, 'invalid_request', `forecastDays must be a whole number of days from 1 to ${SPENDING_DAYS}`);
    const statement = await this.wallet.statement(tenant, accountId, this.wallet.now(), +forecastDays);
    if (format === 'json') return statement;
    const csv = toCsv(STATEMENT_CSV_COLUMNS, statement.lines.map((l) => STATEMENT_CSV_COLUMNS.map((c) => (c === 'paidFrom' ? paidFromText(l.paidFrom) : l[c]))));
    return new StreamableFile(Buffer.from(csv), { type: 'text/csv; charset=utf-8', disposition: `attachment; filename="${accountId}-statement.csv"` });
  }

  @ApiOperation({ summary: "Each member's monthly spending limit on the team's shared balance, and what they spent this month (UTC months)" })
  @ApiAnswer('The members, their limits and spending', MembersSchema)
  @ApiErrors(404)
  @Roles('ops')
  @Get('members')
  async members(@CurrentTenant() tenant: TenantConfig, @IdParam('accountId') accountId: string) {
    return membersView(await this.wallet.account(tenant.tenantId, accountId), this.wallet.now());
  }

  @ApiOperation({
    summary:
      "Set a team member's monthly spending limit on the shared balance (null: none). Authorize and accept are denied with 402 member_spending_limit when the member's spending this month (holds and charges, less releases and restorations) would pass it",
  })
  @ApiAnswer('The members, their limits and spending', MembersSchema)
  @ApiErrors(400, 404, 422)
  @Roles('admin')
  @Put('members/:userId/spending-limit')
  async setMemberSpendingLimit(
    @CurrentTenant() tenant: TenantConfig,
    // Parameter decorators run last to first: this order documents {accountId} before {userId}, as in the path.
    @IdParam('userId') userId: string,
    @IdParam('accountId') accountId: string,
    @Body() body: MemberSpendingLimitBody,
  ) {
    const now = this.wallet.now();
    return membersView(await this.wallet.run(this.wallet.memberSpendingLimit(tenant, accountId, userId, body, now)), now);
  }

  @ApiOperation({ summary: 'Grant reward credits (idempotent by grantId)' })
  @ApiAnswer('The lot granted', GrantSchema)
  @ApiErrors(404, 409, 422)
  @Roles('admin')
  @Post('grants')
  @HttpCode(200)
  async grant(@CurrentTenant() tenant: TenantConfig, @IdParam('accountId') accountId: string, @Body() body: GrantBody) {
    const state = await this.wallet.run(this.wallet.rewardGrant(tenant, accountId, body, this.wallet.now()));
    const lot = state.lots.get(`grant:${body.grantId}`)!;
    return { grantId: body.grantId, lotId: lot.lotId, type: lot.type, amount: body.amount, expiresAt: lot.expiresAt };
  }

  @ApiOperation({
    summary:
      "Record a login: the day's free credits where the tenant has them, one lot per day (a new day's lot replaces the last one's remainder); idempotent by loginId",
  })
  @ApiAnswer('The daily lot of the login (or granted: "0" with a message when the tenant has none); a repeated loginId gets its first answer', LoginSchema)
  @ApiErrors(404, 409, 422)
  @Roles('service')
  @Post('logins')
  @HttpCode(200)
  async login(@CurrentTenant() tenant: TenantConfig, @IdParam('accountId') accountId: string, @Body() body: LoginBody) {
    const login = this.wallet.login(tenant, accountId, body.loginId, this.wallet.now());
    if (!login) return { loginId: body.loginId, granted: '0', message: `${tenant.tenantId} has no daily credits` };
    const state = await this.wallet.run(login);
    // The lot as granted, whatever happened to it since: a repeated loginId answers as the first did.
    const lot = state.lots.get(state.logins.get(body.loginId)!)!;
    return { loginId: body.loginId, lotId: lot.lotId, granted: formatCredits(lot.amount), expiresAt: lot.expiresAt };
  }

  @ApiOperation({
    summary:
      "Set the account's own automatic top-up: on or off, its threshold and package (left out: the tenant's). A request for the package goes to the payment side when available credits cross below the threshold",
  })
  @ApiAnswer('The automatic top-up now in effect for the account', AutoTopUpSchema)
  @ApiErrors(400, 404, 422)
  @Roles('admin')
  @Put('auto-top-up')
  async setAutoTopUp(@CurrentTenant() tenant: TenantConfig, @IdParam('accountId') accountId: string, @Body() body: AutoTopUpBody) {
    const state = await this.wallet.run(this.wallet.autoTopUp(tenant, accountId, body, this.wallet.now()));
    return autoTopUpView(state, tenant.walletPolicy);
  }

  @ApiOperation({ summary: "The account's automatic top-up in effect: its own settings, or the tenant's default" })
  @ApiAnswer('The automatic top-up in effect', AutoTopUpSchema)
  @ApiErrors(404)
  @Roles('ops')
  @Get('auto-top-up')
  async autoTopUp(@CurrentTenant() tenant: TenantConfig, @IdParam('accountId') accountId: string) {
    return autoTopUpView(await this.wallet.account(tenant.tenantId, accountId), tenant.walletPolicy);
  }

  /** Credits are not transferable (SPEC section 2): always a clear refusal. */
  @ApiOperation({ summary: 'Transfers between accounts are not allowed: always refused with 422 transfer_refused' })
  @ApiErrors(404, 422)
  @Roles('admin')
  @Post('transfers')
  async transfer(@CurrentTenant() tenant: TenantConfig, @IdParam('accountId') accountId: string, @Body() body: TransferBody) {
    parseCredits(body.amount, tenant.precision); // a malformed amount is a 400 before the refusal
    await this.wallet.account(tenant.tenantId, accountId);
    refuseTransfer();
  }
}

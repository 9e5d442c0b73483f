// The wallet service: turns validated requests and messages into wallet commands, runs them on the
// accounts (WalletAccounts), and shapes the answers. No business rule lives here: the wallet domain
// has them (the decider, and the request rules of wallet.requests.ts).
import { Inject, Injectable } from '@nestjs/common';
import { AccountBody, AuthorizeUsageRequest, AutoTopUpBody, GrantBody, MemberSpendingLimitBody, PurchaseRequest, TOPICS } from '@creditflow/contracts';
import type { EventStore } from '@creditflow/event-store';
import { Clock, Credits, parseCredits } from '@creditflow/kernel';
import { OutboundMessage } from '@creditflow/messaging';
import { catalogAt, quote } from '@creditflow/pricing-domain';
import { ApiError, CLOCK, EVENT_STORE, commandMetadata } from '@creditflow/shell';
import { TenantConfig, Tenants } from '@creditflow/tenancy';
import {
  UsageClaims, WalletAccounts, WalletCommandEnvelope, WalletOutcome, answersCommand, balanceView, fromRecorded,
  UsageAction, WalletEventMetadata, allowancesView, forecastView, settledAt, statementView, transactionView, usageResponse, walletEventMessages, walletStream,
} from '@creditflow/wallet-application';
import {
  FORECAST_WINDOW_DAYS, UsageNotFoundError, UsageRecall, WalletCommand, WalletState, autoTopUpSettings, dailyLogin, forecastOf, purchaseGrant, rewardGrant, statementOf,
} from '@creditflow/wallet-domain';

export interface Price {
  credits: Credits;
  phases: { generate: Credits; accept: Credits } | null;
  priceVersion: string;
}

@Injectable()
export class WalletService {
  constructor(
    private readonly accounts: WalletAccounts,
    private readonly claims: UsageClaims,
    private readonly tenants: Tenants,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  knowsTenant(tenantId: string): boolean {
    return this.tenants.has(tenantId);
  }

  /** The tenant's configuration; TENANT.UNKNOWN if there is none. */
  tenant(tenantId: string): TenantConfig {
    return this.tenants.get(tenantId);
  }

  now(): Date {
    return this.clock.now();
  }

  /** The price fixed at authorization, from the catalog version in effect now. */
  price(tenant: TenantConfig, request: AuthorizeUsageRequest, now: Date): Price {
    const q = quote(catalogAt(tenant.catalogVersions, now), request, tenant.precision);
    return { credits: q.credits, phases: q.phases ?? null, priceVersion: q.priceVersion };
  }

  // --- commands built from requests ---------------------------------------------------------------

  openAccount(tenantId: string, accountId: string, body: AccountBody, now: Date): WalletCommandEnvelope {
    return { tenantId, accountId, command: { type: 'OpenAccount', data: { tenantId, accountId, kind: body.type, members: body.members ?? [], now } } };
  }

  rewardGrant(tenant: TenantConfig, accountId: string, body: GrantBody, now: Date): WalletCommandEnvelope {
    const amount = parseCredits(body.amount, tenant.precision);
    const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
    return { tenantId: tenant.tenantId, accountId, command: rewardGrant({ grantId: body.grantId, lotType: body.type, amount, expiresAt }, now) };
  }

  /** A login (daily free credits, once per loginId), or null where the tenant has no daily credits. */
  login(tenant: TenantConfig, accountId: string, loginId: string, now: Date): WalletCommandEnvelope | null {
    const command = dailyLogin(tenant.walletPolicy.daily, loginId, now);
    return command && { tenantId: tenant.tenantId, accountId, command };
  }

  /** The account's own automatic top-up settings (HTTP body or payment message). */
  autoTopUp(tenant: TenantConfig, accountId: string, body: AutoTopUpBody, now: Date): WalletCommandEnvelope {
    const threshold = body.threshold === undefined ? undefined : parseCredits(body.threshold, tenant.precision);
    const request = { enabled: body.enabled, ...(threshold !== undefined ? { threshold } : {}), ...(body.packageId !== undefined ? { packageId: body.packageId } : {}) };
    return { tenantId: tenant.tenantId, accountId, command: autoTopUpSettings(tenant.packages, request, now) };
  }

  memberSpendingLimit(tenant: TenantConfig, accountId: string, userId: string, body: MemberSpendingLimitBody, now: Date): WalletCommandEnvelope {
    const monthlyCredits = body.monthlyCredits === null ? null : parseCredits(body.monthlyCredits, tenant.precision);
    return { tenantId: tenant.tenantId, accountId, command: { type: 'SetMemberSpendingLimit', data: { userId, monthlyCredits, now } } };
  }

  purchase(tenant: TenantConfig, body: PurchaseRequest, now: Date): WalletCommandEnvelope {
    const { purchaseId, packageId, amountPaid, currency, promotional = false, discountCode, contractId } = body;
    const purchase = { purchaseId, packageId, amountPaid, currency, promotional, ...(discountCode ? { discountCode } : {}), ...(contractId ? { contractId } : {}) };
    return { tenantId: tenant.tenantId, accountId: body.accountId, command: purchaseGrant(tenant, purchase, now) };
  }

  /**
   * Claims the usage id for the account (WALLET.ID_REUSED if another account has it), then builds the
   * command. An account that does not exist claims nothing (the command is refused with
   * WALLET.ACCOUNT_NOT_FOUND), so the id stays free.
   */
  async authorize(tenantId: string, request: AuthorizeUsageRequest, price: Price, now: Date): Promise<WalletCommandEnvelope> {
    const account = await this.accounts.known(tenantId, request.accountId);
    let recall: UsageRecall | undefined;
    if (account.exists) {
      const claim = await this.claims.claim({ tenantId, usageId: request.usageId, accountId: request.accountId, now, metadata: commandMetadata() });
      if (!claim.ok) throw claim.error;
      // Claimed just now: no account ever used the id, so the decider need not look for it in the history.
      if (claim.events.length) recall = WalletAccounts.newUsage(request.usageId, account);
    }
    const options: Record<string, string | number> = {};
    for (const k of ['model', 'resolution', 'quality', 'detail', 'quantity'] as const) if (request[k] !== undefined) options[k] = request[k]!;
    return {
      tenantId, accountId: request.accountId,
      command: {
        type: 'AuthorizeUsage',
        data: { usageId: request.usageId, userId: request.userId ?? null, feature: request.feature, options, credits: price.credits, phases: price.phases, priceVersion: price.priceVersion, now },
      },
      ...(recall ? { recall } : {}),
    };
  }

  /** A later step of a usage, on the account its id was claimed for (`accountId`: the account a message names, when it names one). */
  async usageStep(
    tenantId: string, usageId: string, action: Exclude<UsageAction, 'authorize'>, reason: 'platform_error' | 'cancelled' | undefined, now: Date, accountId?: string,
  ): Promise<WalletCommandEnvelope> {
    accountId ??= (await this.claims.accountOf(tenantId, usageId)) ?? undefined;
    if (!accountId) throw new UsageNotFoundError(usageId);
    const command: WalletCommand =
      action === 'complete' ? { type: 'CompleteUsage', data: { usageId, now } }
      : action === 'fail' ? { type: 'FailUsage', data: { usageId, reason: reason ?? 'cancelled', now } }
      : action === 'accept' ? { type: 'AcceptUsage', data: { usageId, now } }
      : { type: 'RejectUsage', data: { usageId, now } };
    return { tenantId, accountId, command };
  }

  // --- running and answering ----------------------------------------------------------------------

  /** Runs one command; a domain refusal is thrown for the HTTP error filter. */
  async run(envelope: WalletCommandEnvelope): Promise<WalletState> {
    const outcome = await this.accounts.execute(traced(envelope));
    if (!outcome.ok) throw outcome.error;
    return outcome.state;
  }

  /** Each command records the trace of the request or message it came from (read here, in its own flow). */
  runBatch(envelopes: WalletCommandEnvelope[]): Promise<WalletOutcome[]> {
    return this.accounts.executeBatch(envelopes.map(traced));
  }

  /**
   * The decision message a usage command got first, read back from the account's stream: what a
   * repeated command on the bus gets again (the same message, same id), as a repeated HTTP request
   * gets the first answer.
   */
  async firstDecision(tenantId: string, accountId: string, usageId: string, action: UsageAction): Promise<OutboundMessage | null> {
    for (const recorded of await this.store.readStream(walletStream(tenantId, accountId))) {
      const decision = walletEventMessages(recorded).find((m) => m.topic === TOPICS.usageDecisions);
      if (decision && answersCommand(decision.message.value as { type: string; data: Record<string, unknown> }, usageId, action)) return decision.message;
    }
    return null;
  }

  usageAnswer(state: WalletState, usageId: string, action: UsageAction) {
    const usage = state.usages.get(usageId);
    if (!usage) throw new UsageNotFoundError(usageId);
    return usageResponse(usage, action);
  }

  async balance(tenant: TenantConfig, accountId: string, now: Date) {
    const settled = settledAt(await this.existing(tenant.tenantId, accountId), tenant.walletPolicy, now);
    return {
      ...balanceView(settled), forecast: forecastView(forecastOf(settled, now, FORECAST_WINDOW_DAYS)),
      ...(tenant.walletPolicy.allowances?.length ? { allowances: allowancesView(settled, tenant.walletPolicy, now) } : {}),
    };
  }

  async transactions(tenantId: string, accountId: string) {
    await this.existing(tenantId, accountId);
    const recorded = await this.store.readStream(walletStream(tenantId, accountId));
    return { accountId, transactions: recorded.map((r) => transactionView(fromRecorded(r), r.revision, r.recordedAt, (r.metadata as unknown as WalletEventMetadata).principal)) };
  }

  /** Every change of the account's credits with the balance after it, and the burn rate over the last `forecastDays`. */
  async statement(tenant: TenantConfig, accountId: string, now: Date, forecastDays: number) {
    await this.existing(tenant.tenantId, accountId);
    const recorded = await this.store.readStream(walletStream(tenant.tenantId, accountId));
    const statement = statementOf(recorded.map((r) => ({ event: fromRecorded(r), revision: r.revision })), tenant.walletPolicy, now);
    return statementView(accountId, statement, forecastOf(statement.state, now, forecastDays), now);
  }

  /** The account's state; 404 if it does not exist. */
  async account(tenantId: string, accountId: string): Promise<WalletState> {
    return this.existing(tenantId, accountId);
  }

  private async existing(tenantId: string, accountId: string): Promise<WalletState> {
    const state = await this.accounts.state(tenantId, accountId);
    if (!state.exists) throw new ApiError(404, 'account_not_found', `account "${accountId}" does not exist`);
    return state;
  }
}

/** The command with the trace and principal of the request or message it came from (commandMetadata): read in that flow, before any group commit. */
function traced(envelope: WalletCommandEnvelope): WalletCommandEnvelope {
  const { traceparent, principal } = commandMetadata(envelope.causationId);
  return { ...envelope, traceparent: envelope.traceparent ?? traceparent, principal: envelope.principal ?? principal };
}

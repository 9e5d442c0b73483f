// The refund service: a refund request (HTTP or creditflow.refund.requested) is
// decided once per refundId on stream `refund-<tenant>_<refundId>` from the facts of its read model of
// the wallet; what the wallet did with a claw-back settles or voids it; a platform-error failure after
// completion becomes a restoration decision where the tenant restores. Decisions leave for the wallet
// from the store (StorePublishers in refund.module.ts: creditflow.refunds.v1), never beside the append.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { CommandHandler, EventStore, KeyedLock, Subscription } from '@creditflow/event-store';
import { Clock, Credits, DomainError, sleep } from '@creditflow/kernel';
import { RefundCommand, RefundEvent, RefundPolicy, RefundRecord, RefundRequest, refundDecider } from '@creditflow/refund-domain';
import { CLOCK, Deployment, EVENT_STORE, commandMetadata } from '@creditflow/shell';
import { TenantConfig, Tenants } from '@creditflow/tenancy';

import { REFUND_CATEGORY, RefundEventMetadata, refundStream } from './refund.records';
import { SqliteRefundIndex } from './sqlite.refund-index';
import { SqliteWalletFacts } from './sqlite.wallet-facts';

/** How long an HTTP request in embedded mode waits for the read model to reach the wallet's stream. */
const CATCH_UP_MS = 5_000;

export class RefundAccountNotFoundError extends DomainError {
  constructor(accountId: string) {
    super('REFUND.ACCOUNT_NOT_FOUND', `account "${accountId}" does not exist`, { accountId });
  }
}

/** The refund streams, `refund-<tenant>_<refundId>`, on the one command handler. */
@Injectable()
export class RefundStreams extends CommandHandler<RefundRecord, RefundEvent> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super({ store, evolve: refundDecider.evolve, initialState: refundDecider.initialState });
  }
}

@Injectable()
export class RefundService implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  /** One account's refund decisions one after another in this process, so two requests cannot both pass the duplicate check. */
  private readonly accounts = new KeyedLock();
  private readonly log = new Logger('refund');
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly refunds: RefundStreams,
    readonly facts: SqliteWalletFacts,
    private readonly index: SqliteRefundIndex,
    private readonly tenants: Tenants,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly deployment: Deployment,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscriptions.push(
      await this.store.subscribe({
        subscriptionId: 'refund-index',
        category: REFUND_CATEGORY,
        checkpoints: this.index.checkpoints,
        onEvents: async (events) => {
          const tenantOf = new Map(events.map((e) => [e.streamName, (e.metadata as unknown as RefundEventMetadata).tenantId]));
          for (const [stream, tenantId] of tenantOf) this.index.record(tenantId, (await this.refunds.read(stream)).state);
        },
        onError: (error) => this.log.warn(`refund-index: ${String(error)}`),
      }),
    );
  }

  async onModuleDestroy(): Promise<void> {
    for (const s of this.subscriptions) await s.stop();
    this.subscriptions = [];
  }

  /** After Nest has stopped the bus consumers and the HTTP server (onModuleDestroy comes before that). */
  onApplicationShutdown(): void {
    this.facts.close();
    this.index.close();
  }

  /** The tenant's configuration; TENANT.UNKNOWN if there is none. */
  tenant(tenantId: string): TenantConfig {
    return this.tenants.get(tenantId);
  }

  knowsTenant(tenantId: string): boolean {
    return this.tenants.has(tenantId);
  }

  now(): Date {
    return this.clock.now();
  }

  /**
   * Decides a refund request once per refundId; a repeated refundId gets its record back (409 for
   * another request under it). `awaitWallet`: wait for the read model to reach the wallet's stream
   * first, where the store is shared (embedded mode, HTTP). Never from a bus consumer: the read model
   * is fed by the same consumer loop.
   */
  async request(tenantId: string, request: RefundRequest, now: Date, { awaitWallet }: { awaitWallet: boolean }): Promise<RefundRecord> {
    const tenant = this.tenant(tenantId);
    if (awaitWallet && !(await this.record(tenantId, request.refundId)).exists) await this.catchUp(tenantId, request.accountId);
    return this.decide(tenantId, request, tenant.refundPolicy, now);
  }

  /**
   * A usage that failed after completion: decided as a system_failure refund under refundId
   * `restore:<usageId>`, at the failure's time. Without a request, its credits come back only where the
   * tenant restores such failures automatically (`autoRestoreOnPlatformError`), whatever its policy
   * would grant on request. Redelivery finds the same refundId and changes nothing.
   */
  async restoreFailedUsage(tenantId: string, accountId: string, usageId: string, failedAt: Date): Promise<RefundRecord> {
    const tenant = this.tenant(tenantId);
    const policy: RefundPolicy = { ...tenant.refundPolicy, platformErrorRestores: tenant.autoRestoreOnPlatformError };
    return this.decide(tenantId, { refundId: `restore:${usageId}`, accountId, usageId, reason: 'system_failure' }, policy, failedAt);
  }

  /** The wallet clawed the credits back (CreditsClawedBack): the refund's money is payable. */
  settle(tenantId: string, accountId: string, refundId: string, at: Date): Promise<RefundRecord> {
    return this.execute(tenantId, accountId, refundId, { type: 'SettleRefund', data: { refundId, now: at } });
  }

  /** The wallet refused the claw-back (ClawBackRefused): the refund is void, no money is paid. */
  void(tenantId: string, accountId: string, refundId: string, unused: Credits, at: Date): Promise<RefundRecord> {
    return this.execute(tenantId, accountId, refundId, { type: 'VoidRefund', data: { refundId, unused, now: at } });
  }

  async record(tenantId: string, refundId: string): Promise<RefundRecord> {
    return (await this.refunds.read(refundStream(tenantId, refundId))).state;
  }

  private decide(tenantId: string, request: RefundRequest, policy: RefundPolicy, now: Date): Promise<RefundRecord> {
    return this.accounts.run([`${tenantId}:${request.accountId}`], async () => {
      const facts = await this.factsFor(tenantId, request, now);
      return this.execute(tenantId, request.accountId, request.refundId, { type: 'DecideRefund', data: { request, policy, facts, now } });
    });
  }

  /**
   * Facts for a new decision. A refundId already decided is answered from its stream by the decider
   * before these are read, so an unknown account only matters for a new decision (then: 404).
   */
  private async factsFor(tenantId: string, request: RefundRequest, now: Date) {
    const existing = await this.record(tenantId, request.refundId);
    if (!existing.exists && (await this.facts.revision(tenantId, request.accountId)) === null) throw new RefundAccountNotFoundError(request.accountId);
    const purchase = request.purchaseId ? await this.facts.purchase(tenantId, request.accountId, request.purchaseId, now) : null;
    const usage = request.usageId ? await this.facts.usage(tenantId, request.accountId, request.usageId) : null;
    const approvedRefunds = [...this.index.approvedOn(tenantId, request.accountId), ...(await this.facts.approvedRefunds(tenantId, request.accountId))];
    return { ...(purchase ? { purchase } : {}), ...(usage ? { usage } : {}), approvedRefunds };
  }

  /** Runs the refund decider on the refund's stream; the index learns the decision at once. */
  private async execute(tenantId: string, accountId: string, refundId: string, command: RefundCommand): Promise<RefundRecord> {
    const { state, events } = await this.refunds.handle({
      streamName: refundStream(tenantId, refundId),
      decide: (record) => refundDecider.decide(command, record),
      metadata: { tenantId, accountId, ...commandMetadata() },
    });
    if (events.length) this.index.record(tenantId, state);
    return state;
  }

  /**
   * Embedded mode: wait (bounded) until the read model has processed the account's last wallet event,
   * so what an HTTP caller wrote to the wallet just before is in what it reads or is decided on here.
   */
  async catchUp(tenantId: string, accountId: string): Promise<void> {
    if (this.deployment.mode !== 'embedded') return;
    // The wallet's stream name (libs/wallet/application wallet.codec.ts), in the store embedded mode shares.
    const [last] = await this.store.readStream(`wallet-${tenantId}_${accountId}`, { direction: 'backwards', maxCount: 1 });
    if (!last) return;
    const deadline = Date.now() + CATCH_UP_MS;
    while (((await this.facts.revision(tenantId, accountId)) ?? -1n) < last.revision) {
      if (Date.now() > deadline) {
        this.log.warn(`refund facts for ${tenantId}/${accountId} are behind the wallet (revision ${last.revision}); deciding on what has arrived`);
        return;
      }
      await sleep(5);
    }
  }
}

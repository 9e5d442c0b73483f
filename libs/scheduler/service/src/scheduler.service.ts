// The subscription-scheduler service. Subscription commands and cron ticks run the
// subscription decider on `subscription-<tenant>_<account>` streams; ticks also run the daily-reset
// decider on `dailyreset-<tenant>` streams for tenants whose daily credits expire at the reset. Both
// go through the one command handler (libs/event-store command-handler.ts): a decision that loses a
// race to another instance or request conflicts and is decided again on the new state, so the loser
// emits only what is still due (usually nothing). The due events recorded there leave for the wallet
// from the store (StorePublishers in scheduler.module.ts: creditflow.scheduler.v1), never beside the append.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CommandHandler, EventStore } from '@creditflow/event-store';
import { Clock } from '@creditflow/kernel';
import { ApiError, CLOCK, Deployment, EVENT_STORE, Observability, RecordedPrincipal, asPrincipal, commandMetadata, principalFor } from '@creditflow/shell';
import { Tenants } from '@creditflow/tenancy';
import {
  BillingPeriod, DailyResetCommand, DailyResetEvent, DailyResetState, SubscriptionCommand, SubscriptionEvent, SubscriptionState,
  dailyResetDecider, fold, initialState, planTerms, settleDue, subscriptionDecider,
} from '@creditflow/scheduler-domain';
import { SUBSCRIPTION_CATEGORY, dailyResetStream, subscriptionStream, subscriptionView, toSubscriptionEvent } from './scheduler.records';

/** Subscription streams, `subscription-<tenant>_<account>`, on the one command handler. */
@Injectable()
export class SubscriptionStreams extends CommandHandler<SubscriptionState, SubscriptionEvent> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super({ store, evolve: subscriptionDecider.evolve, initialState: subscriptionDecider.initialState });
  }
}

/** Daily-reset streams, `dailyreset-<tenant>`, on the one command handler. */
@Injectable()
export class DailyResetStreams extends CommandHandler<DailyResetState, DailyResetEvent> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super({ store, evolve: dailyResetDecider.evolve, initialState: dailyResetDecider.initialState });
  }
}

export interface TickResult {
  /** What the tick ran up to: the trigger's time, or the platform clock if the trigger was ahead of it. */
  at: string;
  /** Subscription streams known to this instance. */
  subscriptions: number;
  /** monthly-grant and rollover-expiry events this tick recorded. */
  emitted: number;
  /** daily-reset events this tick recorded. */
  dailyResets: number;
}

@Injectable()
export class SchedulerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('scheduler');
  /**
   * Every subscription stream's state, folded from the store's `subscription` category up to
   * `position`. Ticks use it only to find the streams with something due; deciding always reloads
   * the stream. Fed by the store alone, so streams started by another instance are found too.
   */
  private readonly known = new Map<string, SubscriptionState>();
  private position = 0n;
  /** Each daily-reset tenant's state as last seen here: a tick before its next boundary reads nothing. */
  private readonly dailyResets = new Map<string, DailyResetState>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly subscriptions: SubscriptionStreams,
    private readonly resets: DailyResetStreams,
    private readonly tenants: Tenants,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly deployment: Deployment,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly observability: Observability,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.catchUp();
    // Its own schedule in every mode (CREDITFLOW_SCHEDULER_INTERVAL_MS, 0 = off: an external cron posts
    // ticks). Safe with several replicas: concurrent ticks record each due event once.
    const interval = this.deployment.schedulerIntervalMs;
    if (interval > 0) {
      this.timer = setInterval(() => this.tick(this.clock.now()).catch((e) => this.log.error(`internal tick failed: ${e}`)), interval);
      this.timer.unref();
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }

  now(): Date {
    return this.clock.now();
  }

  /** PUT /v1/accounts/{id}/subscription and `subscription-started` from the payment side (with its message id). */
  async subscribe(
    tenantId: string, accountId: string, planId: string, billingPeriod: BillingPeriod, now: Date, requestId?: string,
    custom?: { monthlyCredits?: string; rolloverCap?: string },
  ) {
    const terms = planTerms(this.tenants.get(tenantId), { planId, billingPeriod, monthlyCredits: custom?.monthlyCredits, rolloverCap: custom?.rolloverCap });
    return this.runSubscription(tenantId, accountId, {
      type: 'StartSubscription', data: { tenantId, accountId, planId, billingPeriod, plan: terms, now, ...(requestId ? { requestId } : {}) },
    });
  }

  /** DELETE /v1/accounts/{id}/subscription and `subscription-cancelled` from the payment side. */
  cancel(tenantId: string, accountId: string, now: Date, requestId?: string) {
    const tenant = this.tenants.get(tenantId);
    return this.runSubscription(tenant.tenantId, accountId, { type: 'CancelSubscription', data: { now, ...(requestId ? { requestId } : {}) } });
  }

  /**
   * A cron trigger: every subscription and every daily-reset tenant records what is due up to `at`,
   * once. Subscriptions with nothing due are skipped without reading their streams (the in-memory
   * fold says so); the due ones are decided one after another, each from its full stream.
   */
  async tick(requested: Date): Promise<TickResult> {
    // A trigger never runs the schedule past the platform clock: a trigger from the future would spend
    // grants that are not due yet, and every later tick would find nothing left to do.
    const now = this.clock.now();
    const at = requested.getTime() > now.getTime() ? now : requested;
    if (at !== requested) this.log.warn(`a trigger asked for ${requested.toISOString()}, ahead of the platform clock; ran up to ${now.toISOString()}`);
    // What the tick records names the scheduler and its tick, and what triggered it (a key, a message; none for its own schedule).
    const trigger = principalFor();
    const principal: RecordedPrincipal = { kind: 'scheduler', service: 'subscription-scheduler', tick: at.toISOString(), ...(trigger ? { trigger } : {}) };
    return asPrincipal(principal, this.observability.logger, () => this.settle(at));
  }

  private async settle(at: Date): Promise<TickResult> {
    await this.catchUp();
    let emitted = 0;
    for (const [stream, state] of this.known) {
      if (!settleDue(state, at).length) continue;
      const { events } = await this.runSubscription(state.tenantId, state.accountId, { type: 'Tick', data: { now: at } }, stream);
      emitted += events.filter((e) => e.type === 'MonthlyGrantDue' || e.type === 'RolloverExpiryDue').length;
    }
    let dailyResets = 0;
    for (const tenant of this.tenants.values()) {
      const daily = tenant.walletPolicy.daily;
      if (daily?.expiry !== 'reset') continue;
      const command: DailyResetCommand = { type: 'TickDailyReset', data: { tenantId: tenant.tenantId, timeZone: daily.resetTimeZone, now: at } };
      const seen = this.dailyResets.get(tenant.tenantId);
      if (seen && !dailyResetDecider.decide(command, seen).length) continue;
      const { state, events } = await this.runDailyReset(command);
      this.dailyResets.set(tenant.tenantId, state);
      dailyResets += events.length;
    }
    return { at: at.toISOString(), subscriptions: this.known.size, emitted, dailyResets };
  }

  async view(tenantId: string, accountId: string) {
    const { state } = await this.subscriptions.read(subscriptionStream(tenantId, accountId));
    if (state.status === 'none') throw new ApiError(404, 'subscription_not_found', `account "${accountId}" has no subscription`);
    return subscriptionView(state);
  }

  /** Folds the subscription events recorded since the last call into `known`. */
  private async catchUp(): Promise<void> {
    for (;;) {
      const page = await this.store.readAll({ category: SUBSCRIPTION_CATEGORY, fromPosition: this.position, maxCount: 1000 });
      if (!page.length) return;
      for (const r of page) this.known.set(r.streamName, fold([toSubscriptionEvent(r)], this.known.get(r.streamName) ?? initialState));
      this.position = page[page.length - 1].position;
    }
  }

  private runSubscription(tenantId: string, accountId: string, command: SubscriptionCommand, streamName = subscriptionStream(tenantId, accountId)) {
    return this.subscriptions.handle({ streamName, decide: (state) => subscriptionDecider.decide(command, state), metadata: { tenantId, accountId, ...commandMetadata() } });
  }

  private runDailyReset(command: DailyResetCommand) {
    const tenantId = command.data.tenantId;
    return this.resets.handle({ streamName: dailyResetStream(tenantId), decide: (state) => dailyResetDecider.decide(command, state), metadata: { tenantId, ...commandMetadata() } });
  }
}


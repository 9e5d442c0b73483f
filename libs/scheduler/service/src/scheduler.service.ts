// The subscription-scheduler service. Subscription commands and cron ticks run the
// subscription decider on `subscription-<tenant>_<account>` streams; ticks also run the daily-reset
// decider on `dailyreset-<tenant>` streams for tenants whose daily credits expire at the reset. Both
// go through the one command handler (libs/event-store command-handler.ts): a decision that loses a
// race to another instance or request conflicts and is decided again on the new state, so the loser
// emits only what is still due (usually nothing). The due events recorded there leave for the wallet
// through checkpointed store subscriptions (creditflow.scheduler.v1), never beside the append.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import {
  DailyResetData, MonthlyGrantData, RolloverExpiryData, SCHEDULER_TYPES, TOPICS, cloudEvent, messageKey,
} from '@creditflow/contracts';
import { CommandHandler, EventStore, RecordedEvent, Subscription, decodeEvent } from '@creditflow/event-store';
import { Clock, formatCredits } from '@creditflow/kernel';
import { MessagePublisher, OutboundMessage, publishFromStore } from '@creditflow/messaging';
import { ApiError, CLOCK, Deployment, EVENT_STORE, MESSAGE_BUS } from '@creditflow/shell';
import { Tenants } from '@creditflow/tenancy';
import {
  BillingPeriod, DailyResetCommand, DailyResetEvent, DailyResetState, SubscriptionCommand, SubscriptionEvent, SubscriptionState, cycleStart,
  dailyResetDecider, fold, initialState, planTerms, settleDue, subscriptionDecider,
} from '@creditflow/scheduler-domain';

const SUBSCRIPTION = 'subscription';
/** No dash inside: the category is the part before the first dash. */
const DAILY_RESET = 'dailyreset';

export function subscriptionStream(tenantId: string, accountId: string): string {
  return `${SUBSCRIPTION}-${tenantId}_${accountId}`;
}

export function dailyResetStream(tenantId: string): string {
  return `${DAILY_RESET}-${tenantId}`;
}

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
  private publishers: Subscription[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly subscriptions: SubscriptionStreams,
    private readonly resets: DailyResetStreams,
    private readonly tenants: Tenants,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly deployment: Deployment,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessagePublisher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.catchUp();
    for (const [subscriptionId, category] of [['scheduler-publisher', SUBSCRIPTION], ['scheduler-dailyreset-publisher', DAILY_RESET]] as const) {
      this.publishers.push(
        await publishFromStore({ store: this.store, publisher: this.bus, subscriptionId, category, toMessages: schedulerMessages }),
      );
    }
    // Embedded mode has no external cron: an internal schedule ticks (CREDITFLOW_SCHEDULER_INTERVAL_MS, 0 = off).
    const interval = Number(process.env.CREDITFLOW_SCHEDULER_INTERVAL_MS ?? 60_000);
    if (this.deployment.mode === 'embedded' && interval > 0) {
      this.timer = setInterval(() => this.tick(this.clock.now()).catch((e) => this.log.error(`internal tick failed: ${e}`)), interval);
      this.timer.unref();
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const p of this.publishers) await p.stop();
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
  async tick(at: Date): Promise<TickResult> {
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
      const page = await this.store.readAll({ category: SUBSCRIPTION, fromPosition: this.position, maxCount: 1000 });
      if (!page.length) return;
      for (const r of page) this.known.set(r.streamName, fold([toSubscriptionEvent(r)], this.known.get(r.streamName) ?? initialState));
      this.position = page[page.length - 1].position;
    }
  }

  private runSubscription(tenantId: string, accountId: string, command: SubscriptionCommand, streamName = subscriptionStream(tenantId, accountId)) {
    return this.subscriptions.handle({ streamName, decide: (state) => subscriptionDecider.decide(command, state), metadata: { tenantId, accountId } });
  }

  private runDailyReset(command: DailyResetCommand) {
    const tenantId = command.data.tenantId;
    return this.resets.handle({ streamName: dailyResetStream(tenantId), decide: (state) => dailyResetDecider.decide(command, state), metadata: { tenantId } });
  }
}

function toSubscriptionEvent(r: RecordedEvent): SubscriptionEvent {
  return decodeEvent<SubscriptionEvent>(r);
}

/**
 * The public view of a subscription: what it is and what happens next, in ISO times. Internals of
 * the fold (request ids, one-time grant bookkeeping, plan terms) stay out.
 */
export function subscriptionView(state: SubscriptionState) {
  const anchor = new Date(state.anchor);
  const live = state.status === 'active' || state.status === 'cancelling';
  const recurring = live && !state.plan.oneTime;
  const at = (cycle: number) => cycleStart(anchor, cycle).toISOString();
  return {
    subscriptionId: state.subscriptionId,
    accountId: state.accountId,
    planId: state.planId,
    billingPeriod: state.billingPeriod,
    status: state.status,
    /** Cycle 0 starts here; every boundary is computed from it. */
    anchor: state.anchor,
    /** The cycle whose grant was recorded last (cycles are monthly for every billing period). */
    currentCycle: live ? { number: state.cycle, startedAt: at(state.cycle), endsAt: recurring ? at(state.cycle + 1) : null } : null,
    /** When the next rollover expiry and grant (or the end) are due; null for one-time plans and ended subscriptions. */
    nextBoundaryAt: recurring ? at(state.cycle + 1) : null,
    pendingChange: live && state.pending
      ? { planId: state.pending.planId, billingPeriod: state.pending.billingPeriod, effectiveAt: at(state.pending.effectiveCycle) }
      : null,
    cancellation: state.status === 'cancelling' && state.endCycle !== null ? { endsAt: at(state.endCycle) } : null,
  };
}

export type SubscriptionView = ReturnType<typeof subscriptionView>;

/** Due events recorded on subscription and daily-reset streams -> creditflow.scheduler.v1. */
export function schedulerMessages(recorded: RecordedEvent): { topic: string; message: OutboundMessage }[] {
  const source = 'creditflow/subscription-scheduler';
  if (recorded.type === 'DailyResetDue') {
    const d = (recorded.data as DailyResetEvent['data']);
    const data: DailyResetData = { eventId: d.eventId, day: d.day, at: d.at, timeZone: d.timeZone };
    // Tenant-wide: keyed by the tenant, no subject. Resets of one tenant stay in order.
    return [{
      topic: TOPICS.scheduler,
      message: { key: d.tenantId, value: cloudEvent({ id: d.eventId, source, type: SCHEDULER_TYPES.dailyReset, time: d.at, tenantid: d.tenantId, data }) },
    }];
  }
  const event = toSubscriptionEvent(recorded);
  if (event.type !== 'MonthlyGrantDue' && event.type !== 'RolloverExpiryDue') return [];
  const d = event.data;
  const key = messageKey(d.tenantId, d.accountId);
  const base = { id: d.eventId, source, subject: d.accountId, time: d.at, tenantid: d.tenantId };
  if (event.type === 'MonthlyGrantDue') {
    const data: MonthlyGrantData = {
      eventId: d.eventId, subscriptionId: d.subscriptionId, accountId: d.accountId, planId: event.data.planId, cycle: d.cycle,
      lotType: event.data.lotType, amount: formatCredits(event.data.amount), at: d.at, expiresAt: event.data.expiresAt,
    };
    return [{ topic: TOPICS.scheduler, message: { key, value: cloudEvent({ ...base, type: SCHEDULER_TYPES.monthlyGrant, data }) } }];
  }
  const data: RolloverExpiryData = {
    eventId: d.eventId, subscriptionId: d.subscriptionId, accountId: d.accountId, cycle: d.cycle, rolloverCap: formatCredits(event.data.rolloverCap), at: d.at,
  };
  return [{ topic: TOPICS.scheduler, message: { key, value: cloudEvent({ ...base, type: SCHEDULER_TYPES.rolloverExpiry, data }) } }];
}

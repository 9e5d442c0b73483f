// The subscription-scheduler's application facade. Subscription commands and cron ticks run the
// subscription decider on `subscription-<tenant>_<account>` streams; ticks also run the daily-reset
// decider on `dailyreset-<tenant>` streams for tenants whose daily credits expire at the reset. The
// due events recorded there leave for the wallet through checkpointed store subscriptions
// (creditflow.scheduler.v1), never beside the append.
//
// Concurrency: every append carries the stream's expected revision; a conflict (another instance or
// a concurrent request got there first) reloads the stream and decides again, so the loser emits
// only what is still due (usually nothing). Stored event ids derive from this instance, the stream,
// the revision and the content: this instance retrying the same append is a no-op, while any other
// decision at the same revision (another request, another instance) is a conflict, never mistaken
// for a retry. (Ids from the revision alone made a losing PUT look like a retry and vanish.)
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  DailyResetData, MonthlyGrantData, RolloverExpiryData, SCHEDULER_TYPES, TOPICS, cloudEvent, messageKey,
} from '@creditflow/contracts';
import { RecordedEvent, Subscription, WrongExpectedRevisionError } from '@creditflow/event-store';
import { decodeBigInts, encodeBigInts, formatCredits } from '@creditflow/kernel';
import { OutboundMessage, deterministicUuid, publishFromStore } from '@creditflow/messaging';
import { ApiError, RUNTIME, Runtime } from '@creditflow/shell';
import {
  BillingPeriod, DailyResetCommand, DailyResetEvent, DailyResetState, SubscriptionCommand, SubscriptionEvent, SubscriptionState, cycleStart,
  decide, decideDailyReset, fold, foldDailyReset, initialDailyResetState, initialState, planTerms, settleDue,
} from '@creditflow/scheduler-domain';

const SUBSCRIPTION = 'subscription';
/** No dash inside: the category is the part before the first dash. */
const DAILY_RESET = 'dailyreset';
const MAX_CONFLICT_RETRIES = 5;

export function subscriptionStream(tenantId: string, accountId: string): string {
  return `${SUBSCRIPTION}-${tenantId}_${accountId}`;
}

export function dailyResetStream(tenantId: string): string {
  return `${DAILY_RESET}-${tenantId}`;
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

interface Decided<S, E> {
  state: S;
  events: E[];
}

@Injectable()
export class SchedulerApp implements OnApplicationBootstrap, OnModuleDestroy {
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
  /** Part of every stored event id: two instances never write the same id for different decisions. */
  private readonly instance = randomUUID();

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.catchUp();
    for (const [subscriptionId, category] of [['scheduler-publisher', SUBSCRIPTION], ['scheduler-dailyreset-publisher', DAILY_RESET]] as const) {
      this.publishers.push(
        await publishFromStore({ store: this.runtime.store, publisher: this.runtime.bus, subscriptionId, category, toMessages: schedulerMessages }),
      );
    }
    // Embedded mode has no external cron: an internal schedule ticks (CREDITFLOW_SCHEDULER_INTERVAL_MS, 0 = off).
    const interval = Number(process.env.CREDITFLOW_SCHEDULER_INTERVAL_MS ?? 60_000);
    if (this.runtime.mode === 'embedded' && interval > 0) {
      this.timer = setInterval(() => this.tick(this.runtime.clock.now()).catch((e) => this.log.error(`internal tick failed: ${e}`)), interval);
      this.timer.unref();
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const p of this.publishers) await p.stop();
  }

  now(): Date {
    return this.runtime.clock.now();
  }

  /** PUT /v1/accounts/{id}/subscription and `subscription-started` from the payment side (with its message id). */
  async subscribe(
    tenantId: string, accountId: string, planId: string, billingPeriod: BillingPeriod, now: Date, requestId?: string,
    custom?: { monthlyCredits?: string; rolloverCap?: string },
  ) {
    const terms = planTerms(this.runtime.tenants.get(tenantId), { planId, billingPeriod, monthlyCredits: custom?.monthlyCredits, rolloverCap: custom?.rolloverCap });
    return this.runSubscription(tenantId, accountId, {
      type: 'StartSubscription', data: { tenantId, accountId, planId, billingPeriod, plan: terms, now, ...(requestId ? { requestId } : {}) },
    });
  }

  /** DELETE /v1/accounts/{id}/subscription and `subscription-cancelled` from the payment side. */
  cancel(tenantId: string, accountId: string, now: Date, requestId?: string) {
    const tenant = this.runtime.tenants.get(tenantId);
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
    for (const tenant of this.runtime.tenants.values()) {
      const daily = tenant.walletPolicy.daily;
      if (daily?.expiry !== 'reset') continue;
      const command: DailyResetCommand = { type: 'TickDailyReset', data: { tenantId: tenant.tenantId, timeZone: daily.resetTimeZone, now: at } };
      const seen = this.dailyResets.get(tenant.tenantId);
      if (seen && !decideDailyReset(command, seen).length) continue;
      const { state, events } = await this.runDailyReset(command);
      this.dailyResets.set(tenant.tenantId, state);
      dailyResets += events.length;
    }
    return { at: at.toISOString(), subscriptions: this.known.size, emitted, dailyResets };
  }

  async view(tenantId: string, accountId: string) {
    const { state } = await this.load(subscriptionStream(tenantId, accountId), fold, initialState);
    if (state.status === 'none') throw new ApiError(404, 'subscription_not_found', `account "${accountId}" has no subscription`);
    return subscriptionView(state);
  }

  /** Folds the subscription events recorded since the last call into `known`. */
  private async catchUp(): Promise<void> {
    for (;;) {
      const page = await this.runtime.store.readAll({ category: SUBSCRIPTION, fromPosition: this.position, maxCount: 1000 });
      if (!page.length) return;
      for (const r of page) this.known.set(r.streamName, fold([toSubscriptionEvent(r)], this.known.get(r.streamName) ?? initialState));
      this.position = page[page.length - 1].position;
    }
  }

  private runSubscription(tenantId: string, accountId: string, command: SubscriptionCommand, stream = subscriptionStream(tenantId, accountId)) {
    return this.run<SubscriptionState, SubscriptionEvent>(stream, { tenantId, accountId }, fold, initialState, (state) => decide(command, state));
  }

  /** The daily-reset state depends on the stream's last event alone: only that one is read. */
  private runDailyReset(command: DailyResetCommand) {
    const tenantId = command.data.tenantId;
    return this.run<DailyResetState, DailyResetEvent>(dailyResetStream(tenantId), { tenantId }, foldDailyReset, initialDailyResetState, (state) =>
      decideDailyReset(command, state), true);
  }

  /** Load -> decide -> append with the expected revision; on a conflict, reload and decide again. */
  private async run<S, E extends { type: string; data: unknown }>(
    stream: string, metadata: Record<string, unknown>, foldFn: (events: E[], from: S) => S, initial: S, decideFn: (state: S) => E[], lastOnly = false,
  ): Promise<Decided<S, E>> {
    for (let attempt = 0; ; attempt++) {
      const { state, revision } = await this.load(stream, foldFn, initial, lastOnly);
      const events = decideFn(state);
      if (!events.length) return { state, events };
      try {
        await this.runtime.store.appendToStream(
          stream,
          events.map((e, i) => {
            const data = encodeBigInts(e.data);
            const id = deterministicUuid(`${this.instance}:${stream}@${revision + 1n + BigInt(i)}:${e.type}:${JSON.stringify(data)}`);
            return { id, type: e.type, data, metadata };
          }),
          { expectedRevision: revision < 0n ? 'no_stream' : revision },
        );
      } catch (error) {
        if (error instanceof WrongExpectedRevisionError && attempt < MAX_CONFLICT_RETRIES) continue; // someone else appended: decide again
        throw error;
      }
      return { state: foldFn(events, state), events };
    }
  }

  private async load<S, E>(stream: string, foldFn: (events: E[], from: S) => S, initial: S, lastOnly = false): Promise<{ state: S; revision: bigint }> {
    const recorded = await this.runtime.store.readStream(stream, lastOnly ? { direction: 'backwards', maxCount: 1 } : undefined);
    return {
      state: foldFn(recorded.map((r) => ({ type: r.type, data: decodeBigInts(r.data) }) as E), initial),
      revision: recorded.length ? recorded[recorded.length - 1].revision : -1n,
    };
  }
}

function toSubscriptionEvent(r: RecordedEvent): SubscriptionEvent {
  return { type: r.type, data: decodeBigInts(r.data) } as SubscriptionEvent;
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

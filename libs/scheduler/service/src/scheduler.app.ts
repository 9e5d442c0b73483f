// The subscription-scheduler's application facade: subscription commands and cron ticks run the
// subscription decider on `subscription-<tenant>_<account>` streams; the due events it records
// leave for the wallet through a checkpointed store subscription (creditflow.scheduler.v1).
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { MonthlyGrantData, RolloverExpiryData, SCHEDULER_TYPES, TOPICS, cloudEvent, messageKey } from '@creditflow/contracts';
import { RecordedEvent, Subscription, WrongExpectedRevisionError } from '@creditflow/event-store';
import { decodeBigInts, encodeBigInts, formatCredits } from '@creditflow/kernel';
import { OutboundMessage, deterministicUuid, publishFromStore } from '@creditflow/messaging';
import { ApiError, RUNTIME, Runtime } from '@creditflow/shell';
import {
  BillingPeriod, PlanTerms, SubscriptionCommand, SubscriptionEvent, SubscriptionState, decide, fold, initialState,
} from '@creditflow/scheduler-domain';

const CATEGORY = 'subscription';

export function subscriptionStream(tenantId: string, accountId: string): string {
  return `${CATEGORY}-${tenantId}_${accountId}`;
}

@Injectable()
export class SchedulerApp implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('scheduler');
  /** Every subscription stream, found at start-up and kept as subscriptions start. */
  private readonly streams = new Set<string>();
  private publisher: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  async onApplicationBootstrap(): Promise<void> {
    for (let from = 0n; ; ) {
      const page = await this.runtime.store.readAll({ category: CATEGORY, fromPosition: from, maxCount: 1000 });
      if (!page.length) break;
      for (const e of page) this.streams.add(e.streamName);
      from = page[page.length - 1].position;
    }
    this.publisher = await publishFromStore({
      store: this.runtime.store, publisher: this.runtime.bus, subscriptionId: 'scheduler-publisher', category: CATEGORY, toMessages: schedulerMessages,
    });
    // Embedded mode has no external cron: an internal schedule ticks (CREDITFLOW_SCHEDULER_INTERVAL_MS, 0 = off).
    const interval = Number(process.env.CREDITFLOW_SCHEDULER_INTERVAL_MS ?? 60_000);
    if (this.runtime.mode === 'embedded' && interval > 0) {
      this.timer = setInterval(() => this.tick(this.runtime.clock.now()).catch((e) => this.log.error(`internal tick failed: ${e}`)), interval);
      this.timer.unref();
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.publisher?.stop();
  }

  now(): Date {
    return this.runtime.clock.now();
  }

  async subscribe(tenantId: string, accountId: string, planId: string, billingPeriod: BillingPeriod, now: Date) {
    const tenant = this.runtime.tenants.get(tenantId)!;
    const plan = tenant.plans.find((p) => p.id === planId);
    if (!plan) throw new ApiError(400, 'unknown_plan', `unknown plan "${planId}"`, { allowed: tenant.plans.map((p) => p.id) });
    if (plan.custom || plan.monthlyCredits === null || plan.rolloverCap === null) {
      throw new ApiError(422, 'custom_plan', `plan "${planId}" has a custom allocation agreed per contract; it cannot be taken through this endpoint`);
    }
    const terms: PlanTerms = plan.oneTime !== undefined
      ? { monthlyCredits: plan.oneTime, rolloverCap: plan.rolloverCap, oneTime: true }
      : { monthlyCredits: plan.monthlyCredits, rolloverCap: plan.rolloverCap, oneTime: false };
    return this.run(tenantId, accountId, { type: 'StartSubscription', data: { tenantId, accountId, planId, billingPeriod, plan: terms, now } });
  }

  cancel(tenantId: string, accountId: string, now: Date) {
    return this.run(tenantId, accountId, { type: 'CancelSubscription', data: { now } });
  }

  /** A cron trigger: every subscription emits what is due up to `at`, once. */
  async tick(at: Date): Promise<{ at: string; subscriptions: number; emitted: number }> {
    let emitted = 0;
    for (const stream of [...this.streams]) {
      const [tenantId, accountId] = splitStream(stream);
      const { events } = await this.run(tenantId, accountId, { type: 'Tick', data: { now: at } });
      emitted += events.filter((e) => e.type === 'MonthlyGrantDue' || e.type === 'RolloverExpiryDue').length;
    }
    return { at: at.toISOString(), subscriptions: this.streams.size, emitted };
  }

  async view(tenantId: string, accountId: string) {
    const { state } = await this.load(subscriptionStream(tenantId, accountId));
    if (state.status === 'none') throw new ApiError(404, 'subscription_not_found', `account "${accountId}" has no subscription`);
    return subscriptionView(state);
  }

  private async run(tenantId: string, accountId: string, command: SubscriptionCommand): Promise<{ state: SubscriptionState; events: SubscriptionEvent[] }> {
    const stream = subscriptionStream(tenantId, accountId);
    for (let attempt = 0; ; attempt++) {
      const { state, revision } = await this.load(stream);
      const events = decide(command, state);
      if (!events.length) return { state, events };
      try {
        await this.runtime.store.appendToStream(
          stream,
          events.map((e, i) => ({ id: deterministicUuid(`${stream}@${revision + 1n + BigInt(i)}`), type: e.type, data: encodeBigInts(e.data), metadata: { tenantId, accountId } })),
          { expectedRevision: revision < 0n ? 'no_stream' : revision },
        );
      } catch (error) {
        if (error instanceof WrongExpectedRevisionError && attempt < 5) continue; // another instance won: decide again
        throw error;
      }
      this.streams.add(stream);
      return { state: fold(events, state), events };
    }
  }

  private async load(stream: string): Promise<{ state: SubscriptionState; revision: bigint }> {
    const recorded = await this.runtime.store.readStream(stream);
    return {
      state: fold(recorded.map((r) => ({ type: r.type, data: decodeBigInts(r.data) }) as SubscriptionEvent), initialState),
      revision: recorded.length ? recorded[recorded.length - 1].revision : -1n,
    };
  }
}

function splitStream(stream: string): [string, string] {
  const rest = stream.slice(CATEGORY.length + 1);
  const i = rest.indexOf('_');
  return [rest.slice(0, i), rest.slice(i + 1)];
}

export function subscriptionView(state: SubscriptionState) {
  const s = state as unknown as Record<string, unknown>;
  return encodeForWire(s);
}

function encodeForWire(value: unknown): unknown {
  if (typeof value === 'bigint') return formatCredits(value as never);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(encodeForWire);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, encodeForWire(v)]));
  if (value instanceof Set) return [...value].map(encodeForWire);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeForWire(v)]));
  return value;
}

/** Due events recorded on subscription streams -> creditflow.scheduler.v1. */
export function schedulerMessages(recorded: RecordedEvent): { topic: string; message: OutboundMessage }[] {
  const event = { type: recorded.type, data: decodeBigInts(recorded.data) } as SubscriptionEvent;
  if (event.type !== 'MonthlyGrantDue' && event.type !== 'RolloverExpiryDue') return [];
  const d = event.data;
  const key = messageKey(d.tenantId, d.accountId);
  const base = { id: d.eventId, source: 'creditflow/subscription-scheduler', subject: d.accountId, time: d.at, tenantid: d.tenantId };
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


// Two scheduler instances side by side on one event store (as two replicas of the distributed
// service would be): whatever they race on, every due event is recorded once, and a command that
// loses a race is decided again rather than lost. A barrier on the store makes the race certain:
// both instances have read the stream before either appends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStore, createEventStore } from '@creditflow/event-store';
import { MessageBus } from '@creditflow/messaging';
import { Test } from '@nestjs/testing';
import { CoreModule, ManualClock, Runtime, quietObservability } from '@creditflow/shell';
import { findTenantsDir, loadTenants } from '@creditflow/tenancy';
import { SchedulerModule } from './scheduler.module';
import { SchedulerService } from './scheduler.service';

const tenants = loadTenants(findTenantsDir());
const noBus: MessageBus = {
  publish: async () => {},
  consume: async () => ({ status: () => ({ state: 'running', since: new Date(), crashes: 0, lastError: null }), stop: async () => {} }),
  health: async () => {},
  lag: async () => [],
  close: async () => {},
};

/** Holds every `readStream` until `parties` calls have read, once; later calls pass straight through. */
function racing(store: EventStore, parties = 2): EventStore & { arm(): void } {
  let waiting: (() => void)[] = [];
  let armed = false;
  const raced = Object.create(store) as EventStore & { arm(): void };
  raced.arm = () => {
    armed = true;
    waiting = [];
  };
  raced.readStream = async (...args: Parameters<EventStore['readStream']>) => {
    const result = await store.readStream(...args);
    if (armed) {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === parties) {
          armed = false;
          for (const r of waiting) r();
        }
      });
    }
    return result;
  };
  return raced;
}

describe('two scheduler instances on one store', () => {
  let dir: string;
  let store: EventStore;
  let raced: ReturnType<typeof racing>;
  // The instances' clock is past every tick below: a trigger never runs the schedule beyond the platform clock.
  const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
  /** One replica: its own Nest module (own caches and handlers) on the shared, raced store. */
  const instance = async () => {
    const runtime: Runtime = { mode: 'distributed', dataDir: dir, groupPrefix: 'test', schedulerIntervalMs: 0, reconcileIntervalMs: 0, tenantsDir: '', port: null, webhooks: { secrets: new Map(), retryMs: 5_000, privateTargets: false, logKept: 1_000 }, wallet: { cachedAccounts: null, closedUsagesKept: null }, clock, tenants, apiKeys: new Map(), bus: noBus, store: raced, observability: quietObservability('subscription-scheduler'), close: async () => {} };
    const testing = await Test.createTestingModule({ imports: [CoreModule.forRoot(runtime), SchedulerModule] }).compile();
    return testing.get(SchedulerService);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'creditflow-scheduler-race-'));
    store = createEventStore({ kind: 'sqlite', path: join(dir, 'events.sqlite') });
    raced = racing(store);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const dueIds = async () =>
    (await store.readAll({ category: 'subscription' }))
      .filter((e) => e.type === 'MonthlyGrantDue' || e.type === 'RolloverExpiryDue')
      .map((e) => (e.data as { eventId: string }).eventId);

  it('records each due event once when both tick at the same moment; the loser decides again and emits nothing', async () => {
    const [a, b] = [await instance(), await instance()];
    await a.subscribe('amisi', 'acc-1', 'pro', 'monthly', new Date('2027-01-31T10:00:00Z'));
    raced.arm();
    const at = new Date('2027-04-30T10:00:00Z');
    const results = await Promise.all([a.tick(at), b.tick(at)]);
    expect(results.map((r) => r.emitted).sort()).toEqual([0, 6]);
    const ids = await dueIds();
    expect(ids).toEqual([
      'monthly-grant:amisi_acc-1_1:0',
      'rollover-expiry:amisi_acc-1_1:0', 'monthly-grant:amisi_acc-1_1:1',
      'rollover-expiry:amisi_acc-1_1:1', 'monthly-grant:amisi_acc-1_1:2',
      'rollover-expiry:amisi_acc-1_1:2', 'monthly-grant:amisi_acc-1_1:3',
    ]);
  });

  it('records each due event once when their ticks cover different boundaries', async () => {
    const [a, b] = [await instance(), await instance()];
    await a.subscribe('amisi', 'acc-1', 'basic', 'monthly', new Date('2027-01-31T10:00:00Z'));
    raced.arm();
    await Promise.all([a.tick(new Date('2027-03-01T00:00:00Z')), b.tick(new Date('2027-05-01T00:00:00Z'))]);
    await Promise.all([a.tick(new Date('2027-05-01T00:00:00Z')), b.tick(new Date('2027-05-01T00:00:00Z'))]);
    const ids = await dueIds();
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id.startsWith('monthly-grant'))).toEqual([0, 1, 2, 3].map((c) => `monthly-grant:amisi_acc-1_1:${c}`));
  });

  it.each([
    ['the plan change first', true],
    ['the tick first', false],
  ])('keeps a plan change that races a tick on the other instance (%s)', async (_order, changeFirst) => {
    const [a, b] = [await instance(), await instance()];
    await a.subscribe('amisi', 'acc-1', 'basic', 'monthly', new Date('2027-01-31T10:00:00Z'));
    raced.arm();
    const now = new Date('2027-03-05T00:00:00Z');
    const change = () => a.subscribe('amisi', 'acc-1', 'pro', 'monthly', now);
    const tick = () => b.tick(now);
    await (changeFirst ? Promise.all([change(), tick()]) : Promise.all([tick(), change()]));

    const view = await b.view('amisi', 'acc-1');
    expect(view).toMatchObject({ planId: 'basic', currentCycle: { number: 1 }, pendingChange: { planId: 'pro', effectiveAt: '2027-03-31T10:00:00.000Z' } });
    const ids = await dueIds();
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id.startsWith('monthly-grant'))).toEqual(['monthly-grant:amisi_acc-1_1:0', 'monthly-grant:amisi_acc-1_1:1']);
  });

  it('loses neither of two commands racing on the two instances (a plan change and a cancellation)', async () => {
    const [a, b] = [await instance(), await instance()];
    await a.subscribe('amisi', 'acc-1', 'basic', 'monthly', new Date('2027-01-31T10:00:00Z'));
    raced.arm();
    const now = new Date('2027-02-05T00:00:00Z');
    await Promise.all([a.subscribe('amisi', 'acc-1', 'pro', 'monthly', now), b.cancel('amisi', 'acc-1', now)]);
    const types = (await store.readStream('subscription-amisi_acc-1')).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['SubscriptionPlanChangeScheduled', 'SubscriptionCancelled']));
  });

  it('ticks subscriptions that the other instance started after it came up', async () => {
    const [a, b] = [await instance(), await instance()];
    await b.tick(new Date('2027-01-31T09:00:00Z')); // b has looked at the store before the subscription exists
    await a.subscribe('gptimage2', 'acc-2', 'starter', 'monthly', new Date('2027-01-31T10:00:00Z'));
    expect(await b.tick(new Date('2027-02-28T10:00:00Z'))).toMatchObject({ subscriptions: 1, emitted: 2 });
    expect(await a.tick(new Date('2027-02-28T10:00:00Z'))).toMatchObject({ emitted: 0 });
  });
});

// A small, deterministic week of VisualGPT activity for the dashboard's browser test: team and
// personal accounts, purchases, a reward, daily logins whose unused credits expire (breakage),
// usage by several members of two teams, a platform error that restores credits, another before
// completion, a cancelled usage, a hold nobody completed (timed out), a denial, a money refund of an
// initial payment, one account (lee) left below the low-balance threshold of 5, and a monthly spending
// limit for one member of a team.
import { EmbeddedPlatform } from './embedded-platform';
import { tenantClient } from './tenant-client';

export const TENANT = 'visualgpt';
export const FIRST_DAY = '2026-03-02';
export const DAYS = 7;

type Use = [accountId: string, userId: string | null, feature: string, options?: Record<string, string>];

/** Who logs in on `day`: studio-north and atelier every day, maria on even days, lee on odd ones. */
const loginsOn = (day: number) => (day % 2 === 0 ? ['studio-north', 'maria', 'atelier'] : ['studio-north', 'atelier', 'lee']);

/** What each day brings: the operations that run (all completed unless told). */
const ACTIVITY: Use[][] = [
  [
    ['studio-north', 'ann', 'image-editor', { model: 'nano-banana' }],
    ['studio-north', 'bob', 'background-remover'],
    ['atelier', 'kim', 'room-designer'],
    ['maria', null, 'headshot-generator'],
  ],
  [
    ['studio-north', 'ann', 'image-editor', { model: 'flux-kontext-pro' }],
    ['studio-north', 'ann', 'image-upscaler'],
    ['atelier', 'joe', 'floor-plan-generator'],
    ['atelier', 'kim', 'room-designer'],
    ['lee', null, 'photo-to-sketch'],
  ],
  [
    ['studio-north', 'bob', 'background-changer'],
    ['studio-north', 'ann', 'image-editor', { model: 'seedream-4.0' }],
    ['atelier', 'kim', 'paint-color-visualizer'],
    ['maria', null, 'image-extender'],
    ['maria', null, 'hair-color-changer'],
  ],
  [
    ['studio-north', 'ann', 'image-editor', { model: 'nano-banana' }],
    ['studio-north', 'bob', 'image-editor', { model: 'gempix-2' }],
    ['atelier', 'joe', 'room-cleaner'],
    ['atelier', 'kim', 'floor-plan-generator'],
    ['lee', null, 'headshot-generator'],
  ],
  [
    ['studio-north', 'ann', 'headshot-generator'],
    ['studio-north', 'ann', 'image-editor', { model: 'flux-kontext-pro' }],
    ['atelier', 'kim', 'room-designer'],
    ['atelier', 'joe', 'paint-color-visualizer'],
    ['maria', null, 'photo-to-sketch'],
  ],
  [
    ['studio-north', 'bob', 'background-remover'],
    ['studio-north', 'ann', 'image-editor', { model: 'nano-banana' }],
    ['atelier', 'kim', 'room-designer'],
    ['lee', null, 'image-editor', { model: 'seedream-4.0' }],
  ],
  [
    ['studio-north', 'ann', 'image-editor', { model: 'gempix-2' }],
    ['studio-north', 'bob', 'clothes-changer'],
    ['atelier', 'joe', 'floor-plan-generator'],
    ['atelier', 'kim', 'room-cleaner'],
    ['maria', null, 'image-editor', { model: 'flux-kontext-pro' }],
    // lee has not logged in today: yesterday's daily credits have expired, the reward pays.
    ['lee', null, 'photo-to-sketch'],
  ],
];

export interface SeededData {
  accounts: string[];
  /** The usage that failed with a platform error after completion (its credits were restored). */
  restoredUsage: string;
  /** The refund of maria's initial payment (money back, credits clawed back). */
  moneyRefund: string;
  lastDay: string;
}

/** What the week adds up to, for the browser test to check the page against (beside the API). */
export const EXPECTED = {
  /** pay-1001 medium 39.99 + pay-1002 large 79.99 + pay-1003 small 9.99. */
  revenue: 'USD 129.97',
  revenueByPackage: { small: '9.99', medium: '39.99', large: '79.99' },
  /** maria's small pack, refunded whole on the day she bought it: 100 unused of 100 at 9.99. */
  refunds: 'USD 9.99',
  /** Only free daily credits expire: no money lost to breakage. */
  breakage: 'USD 0.00',
  /** Platform error after completion (day 2) and before it (day 3), cancelled (day 4), timed out (day 6). */
  failed: 4,
  platformErrors: 2,
  timedOut: 1,
  denied: 1,
  /** room-designer: kim's four completed designs at 4 credits (joe's cancelled one and kim's timed-out one charge nothing). */
  roomDesigner: { usages: 6, credits: '16' },
};

export async function seedDashboardData(platform: EmbeddedPlatform): Promise<SeededData> {
  const visual = tenantClient(() => platform, TENANT);
  const { call, ok } = visual;
  const at = (day: number, hour: number) => `${addDays(FIRST_DAY, day)}T${String(hour).padStart(2, '0')}:00:00.000Z`;
  const purchase = (purchaseId: string, accountId: string, packageId: string, amountPaid: string) =>
    ok(call('admin', 'POST', '/v1/purchases', { purchaseId, accountId, packageId, amountPaid, currency: 'USD' }));

  await visual.setClock(at(0, 8));
  await visual.openAccount('studio-north', { type: 'team', members: ['ann', 'bob'] });
  await visual.openAccount('atelier', { type: 'team', members: ['kim', 'joe'] });
  await visual.openAccount('maria');
  await visual.openAccount('lee');
  // ann may spend 200 credits a month of studio-north's shared balance; bob has no limit.
  await ok(call('admin', 'PUT', '/v1/accounts/studio-north/members/ann/spending-limit', { monthlyCredits: '200' }));
  await purchase('pay-1001', 'studio-north', 'medium', '39.99');
  await purchase('pay-1002', 'atelier', 'large', '79.99');
  await purchase('pay-1003', 'maria', 'small', '9.99');
  await visual.reward('lee', '6', 'welcome-lee');

  let n = 0;
  let restoredUsage = '';
  for (const [day, uses] of ACTIVITY.entries()) {
    await visual.setClock(at(day, 9));
    for (const accountId of loginsOn(day)) await ok(call('service', 'POST', `/v1/accounts/${accountId}/logins`, { loginId: `login-${accountId}-${day}` }));
    for (const [i, [accountId, userId, feature, options]] of uses.entries()) {
      await visual.setClock(at(day, 10 + i));
      await visual.charge(accountId, { ...(userId ? { userId } : {}), feature, ...options }, `use-${++n}`);
    }
    if (day === 2) {
      // A generation that failed through a platform error after completion: credits restored.
      await visual.setClock(at(day, 17));
      ({ usageId: restoredUsage } = await visual.charge('studio-north', { userId: 'bob', feature: 'action-figure-generator' }, `use-${++n}`));
      await ok(visual.step(restoredUsage, 'fail', { reason: 'platform_error' }));
    }
    if (day === 0) {
      // maria asks for her first purchase back the same day (VisualGPT: within 24 h of the initial
      // payment): 100 unused credits of the small pack, USD 9.99 back.
      await visual.setClock(at(day, 20));
      const refund = await ok(call('admin', 'POST', '/v1/refunds', { refundId: 'refund-maria', accountId: 'maria', purchaseId: 'pay-1003', reason: 'initial_payment' }));
      if (refund.status !== 'approved') throw new Error(`the fixture's refund was ${refund.status}: ${JSON.stringify(refund)}`);
    }
    if (day === 3) {
      // A generation that failed through a platform error before it completed: the hold is released.
      await visual.setClock(at(day, 17));
      const failed = `use-${++n}`;
      await ok(visual.authorize({ usageId: failed, accountId: 'studio-north', userId: 'ann', feature: 'image-editor', model: 'nano-banana' }));
      await ok(visual.step(failed, 'fail', { reason: 'platform_error' }));
    }
    if (day === 4) {
      // One the user cancelled before it ran: the hold is released, nothing charged.
      const cancelled = `use-${++n}`;
      await ok(visual.authorize({ usageId: cancelled, accountId: 'atelier', userId: 'joe', feature: 'room-designer' }));
      await ok(visual.step(cancelled, 'fail', { reason: 'cancelled' }));
    }
    if (day === 5) {
      // A job nobody completed: its hold times out, released by atelier's next command (the login of day 6).
      await visual.setClock(at(day, 18));
      await ok(visual.authorize({ usageId: `use-${++n}`, accountId: 'atelier', userId: 'kim', feature: 'room-designer' }));
    }
    if (day === 6) {
      // lee has 1 credit left: another sketch (5) is denied.
      await visual.setClock(at(day, 17));
      const denied = await visual.authorize({ usageId: `use-${++n}`, accountId: 'lee', feature: 'photo-to-sketch' });
      if (denied.status !== 402) throw new Error(`the fixture's denial answered ${denied.status}: ${JSON.stringify(denied.body)}`);
    }
  }
  const lastDay = addDays(FIRST_DAY, ACTIVITY.length - 1);
  await visual.setClock(`${lastDay}T18:00:00.000Z`);
  return { accounts: ['atelier', 'lee', 'maria', 'studio-north'], restoredUsage, moneyRefund: 'refund-maria', lastDay };
}

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

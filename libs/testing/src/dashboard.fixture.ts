// A small, deterministic week of VisualGPT activity for the dashboard's browser test: team and
// personal accounts, purchases, a reward, daily logins whose unused credits expire (breakage),
// usage by several members of two teams, a platform error that restores credits, a cancelled
// usage, and one account (lee) left below the low-balance threshold of 5.
import { EmbeddedPlatform, apiKey } from './embedded-platform';

export const TENANT = 'visualgpt';
export const FIRST_DAY = '2026-03-02';
export const DAYS = 7;

type Use = [accountId: string, userId: string | null, feature: string, options?: Record<string, string>];

/** What each day brings: who logs in, and which operations run (all completed unless told). */
const ACTIVITY: { logins: string[]; uses: Use[] }[] = [
  {
    logins: ['studio-north', 'maria', 'atelier'],
    uses: [
      ['studio-north', 'ann', 'image-editor', { model: 'nano-banana' }],
      ['studio-north', 'bob', 'background-remover'],
      ['atelier', 'kim', 'room-designer'],
      ['maria', null, 'headshot-generator'],
    ],
  },
  {
    logins: ['studio-north', 'atelier', 'lee'],
    uses: [
      ['studio-north', 'ann', 'image-editor', { model: 'flux-kontext-pro' }],
      ['studio-north', 'ann', 'image-upscaler'],
      ['atelier', 'joe', 'floor-plan-generator'],
      ['atelier', 'kim', 'room-designer'],
      ['lee', null, 'photo-to-sketch'],
    ],
  },
  {
    logins: ['studio-north', 'maria', 'atelier'],
    uses: [
      ['studio-north', 'bob', 'background-changer'],
      ['studio-north', 'ann', 'image-editor', { model: 'seedream-4.0' }],
      ['atelier', 'kim', 'paint-color-visualizer'],
      ['maria', null, 'image-extender'],
      ['maria', null, 'hair-color-changer'],
    ],
  },
  {
    logins: ['studio-north', 'atelier', 'lee'],
    uses: [
      ['studio-north', 'ann', 'image-editor', { model: 'nano-banana' }],
      ['studio-north', 'bob', 'image-editor', { model: 'gempix-2' }],
      ['atelier', 'joe', 'room-cleaner'],
      ['atelier', 'kim', 'floor-plan-generator'],
      ['lee', null, 'headshot-generator'],
    ],
  },
  {
    logins: ['studio-north', 'maria', 'atelier'],
    uses: [
      ['studio-north', 'ann', 'headshot-generator'],
      ['studio-north', 'ann', 'image-editor', { model: 'flux-kontext-pro' }],
      ['atelier', 'kim', 'room-designer'],
      ['atelier', 'joe', 'paint-color-visualizer'],
      ['maria', null, 'photo-to-sketch'],
    ],
  },
  {
    logins: ['studio-north', 'atelier', 'lee'],
    uses: [
      ['studio-north', 'bob', 'background-remover'],
      ['studio-north', 'ann', 'image-editor', { model: 'nano-banana' }],
      ['atelier', 'kim', 'room-designer'],
      ['lee', null, 'image-editor', { model: 'seedream-4.0' }],
    ],
  },
  {
    logins: ['studio-north', 'maria', 'atelier'],
    uses: [
      ['studio-north', 'ann', 'image-editor', { model: 'gempix-2' }],
      ['studio-north', 'bob', 'clothes-changer'],
      ['atelier', 'joe', 'floor-plan-generator'],
      ['atelier', 'kim', 'room-cleaner'],
      ['maria', null, 'image-editor', { model: 'flux-kontext-pro' }],
      // lee has not logged in today: yesterday's daily credits have expired, the reward pays.
      ['lee', null, 'photo-to-sketch'],
    ],
  },
];

export interface SeededData {
  accounts: string[];
  /** The usage that failed with a platform error after completion (its credits were restored). */
  restoredUsage: string;
  lastDay: string;
}

export async function seedDashboardData(platform: EmbeddedPlatform): Promise<SeededData> {
  const admin = apiKey(TENANT, 'admin');
  const service = apiKey(TENANT, 'service');
  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const r = await platform.request(method, path, { key, body });
    if (r.status !== 200) throw new Error(`${method} ${path} -> ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const at = (day: number, hour: number) => `${addDays(FIRST_DAY, day)}T${String(hour).padStart(2, '0')}:00:00.000Z`;
  const setClock = (now: string) => call('POST', '/v1/admin/clock', admin, { now });

  await setClock(at(0, 8));
  await call('PUT', '/v1/accounts/studio-north', admin, { type: 'team', members: ['ann', 'bob'] });
  await call('PUT', '/v1/accounts/atelier', admin, { type: 'team', members: ['kim', 'joe'] });
  await call('PUT', '/v1/accounts/maria', admin, { type: 'personal' });
  await call('PUT', '/v1/accounts/lee', admin, { type: 'personal' });
  await call('POST', '/v1/purchases', admin, { purchaseId: 'pay-1001', accountId: 'studio-north', packageId: 'medium', amountPaid: '39.99', currency: 'USD' });
  await call('POST', '/v1/purchases', admin, { purchaseId: 'pay-1002', accountId: 'atelier', packageId: 'large', amountPaid: '79.99', currency: 'USD' });
  await call('POST', '/v1/purchases', admin, { purchaseId: 'pay-1003', accountId: 'maria', packageId: 'small', amountPaid: '9.99', currency: 'USD' });
  await call('POST', '/v1/accounts/lee/grants', admin, { grantId: 'welcome-lee', type: 'reward', amount: '6' });

  let n = 0;
  let restoredUsage = '';
  for (const [day, { logins, uses }] of ACTIVITY.entries()) {
    await setClock(at(day, 9));
    for (const accountId of logins) await call('POST', `/v1/accounts/${accountId}/logins`, service, { loginId: `login-${accountId}-${day}` });
    for (const [i, [accountId, userId, feature, options]] of uses.entries()) {
      await setClock(at(day, 10 + i));
      const usageId = `use-${++n}`;
      await call('POST', '/v1/usage/authorize', service, { usageId, accountId, ...(userId ? { userId } : {}), feature, ...options });
      await call('POST', `/v1/usage/${usageId}/complete`, service);
    }
    if (day === 2) {
      // A generation that failed through a platform error after completion: credits restored.
      await setClock(at(day, 17));
      restoredUsage = `use-${++n}`;
      await call('POST', '/v1/usage/authorize', service, { usageId: restoredUsage, accountId: 'studio-north', userId: 'bob', feature: 'action-figure-generator' });
      await call('POST', `/v1/usage/${restoredUsage}/complete`, service);
      await call('POST', `/v1/usage/${restoredUsage}/fail`, service, { reason: 'platform_error' });
    }
    if (day === 4) {
      // One the user cancelled before it ran: the hold is released, nothing charged.
      const cancelled = `use-${++n}`;
      await call('POST', '/v1/usage/authorize', service, { usageId: cancelled, accountId: 'atelier', userId: 'joe', feature: 'room-designer' });
      await call('POST', `/v1/usage/${cancelled}/fail`, service, { reason: 'cancelled' });
    }
  }
  const lastDay = addDays(FIRST_DAY, ACTIVITY.length - 1);
  await setClock(`${lastDay}T18:00:00.000Z`);
  return { accounts: ['atelier', 'lee', 'maria', 'studio-north'], restoredUsage, lastDay };
}

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

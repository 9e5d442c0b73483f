// Team member caps: the plan named by the latest subscription grant caps a team account's members
// (SPEC section 2, "Plans cap the member count"; amisi pro 3, business 10, enterprise unlimited).
import { DAY_MS } from '@creditflow/kernel';
import {
  accountOpened, at, creditsGranted, grantCredits, iso, openAccount, policy, T0, walletSpec,
} from './testing/wallet.fixtures';
import { WalletCommand } from './wallet.commands';
import { WalletEvent } from './wallet.events';
import { memberCapsOf, WalletPolicy } from './wallet.policy';

const amisiPlans = [
  { id: 'free', maxMembers: 1 },
  { id: 'basic', maxMembers: 1 },
  { id: 'pro', maxMembers: 3 },
  { id: 'business', maxMembers: 10 },
  { id: 'enterprise', maxMembers: null },
];
const capped: WalletPolicy = { ...policy, memberCaps: memberCapsOf(amisiPlans) };
const { given } = walletSpec(capped);

const SUB = 'acme_acc-1_1';
const users = (n: number) => Array.from({ length: n }, (_, i) => `user-${String(i + 1).padStart(3, '0')}`);
const team = (n: number): WalletEvent => accountOpened({ kind: 'team', members: users(n) });
const setMembers = (members: string[], now = at(DAY_MS)): WalletCommand => openAccount({ kind: 'team', members, now });
const membersChanged = (members: string[], now = at(DAY_MS)): WalletEvent => ({ type: 'MembersChanged', data: { members, changedAt: iso(now) } });
const planAssigned = (planId: string, now = T0, subscriptionId = SUB): WalletEvent => ({ type: 'PlanAssigned', data: { planId, subscriptionId, assignedAt: iso(now) } });

function monthlyGrant(planId: string, cycle: number, now = at(cycle * 30 * DAY_MS)) {
  const input = { lotId: `monthly-grant:${SUB}:${cycle}`, lotType: 'subscription' as const, amount: 50, source: { kind: 'subscription' as const, id: SUB }, now };
  const command = grantCredits(input) as Extract<WalletCommand, { type: 'GrantCredits' }>;
  return { command: { ...command, data: { ...command.data, planId } } as WalletCommand, granted: creditsGranted(input) };
}

describe('member caps from the tenant plans', () => {
  it('caps by each plan and lets a team without a plan have as many members as the smallest team plan', () => {
    expect(memberCapsOf(amisiPlans)).toEqual({ byPlan: { free: 1, basic: 1, pro: 3, business: 10, enterprise: null }, withoutPlan: 3 });
  });

  it('caps a team without a plan at 1 when no plan allows a team', () => {
    expect(memberCapsOf([{ id: 'starter', maxMembers: 1 }, { id: 'pro', maxMembers: 1 }])?.withoutPlan).toBe(1);
  });

  it('leaves a team without a plan unlimited when the only team plans are unlimited', () => {
    expect(memberCapsOf([{ id: 'solo', maxMembers: 1 }, { id: 'org', maxMembers: null }])?.withoutPlan).toBeNull();
  });

  it('caps nothing for a tenant without plans', () => {
    expect(memberCapsOf([])).toBeUndefined();
  });
});

describe('recording the plan from subscription grants', () => {
  it('records the plan a monthly grant names, before its credits', () => {
    const { command, granted } = monthlyGrant('pro', 0);
    given([team(1)]).when(command).then([planAssigned('pro'), granted]);
  });

  it('records nothing more when the next grant names the same plan', () => {
    const { command, granted } = monthlyGrant('pro', 1);
    given([team(1), planAssigned('pro'), monthlyGrant('pro', 0).granted]).when(command).then([granted]);
  });

  it('records a plan change when a grant names another plan', () => {
    const { command, granted } = monthlyGrant('business', 1);
    given([team(1), planAssigned('pro'), monthlyGrant('pro', 0).granted])
      .when(command)
      .then([planAssigned('business', at(30 * DAY_MS)), granted]);
  });

  it('records no plan again when the same grant is delivered twice', () => {
    const { command, granted } = monthlyGrant('business', 1);
    given([team(1), planAssigned('pro'), planAssigned('business', at(30 * DAY_MS)), granted]).when(command).thenNothingHappens();
  });

  it('leaves the plan alone for grants that name none (rewards, purchases, logins)', () => {
    given([team(1), planAssigned('pro')]).when(grantCredits({ lotId: 'r1', amount: 5 })).thenState((after, events) => {
      expect(events.map((e) => e.type)).toEqual(['CreditsGranted']);
      expect(after.plan).toEqual({ planId: 'pro', subscriptionId: SUB, since: iso(T0) });
    });
  });
});

describe('a team account within its plan’s member cap', () => {
  it('opens a team account without a plan with as many members as the smallest team plan (3)', () => {
    given([]).when(openAccount({ kind: 'team', members: users(3) })).then([team(3)]);
  });

  it('refuses to open a team account without a plan with more members: WALLET.MEMBER_LIMIT', () => {
    given([]).when(openAccount({ kind: 'team', members: users(4) })).thenThrows('WALLET.MEMBER_LIMIT', { members: 4, maxMembers: 3, planId: null });
  });

  it('lets a pro team have 3 members and refuses a fourth', () => {
    given([team(1), planAssigned('pro')]).when(setMembers(users(3))).then([membersChanged(users(3))]);
    given([team(3), planAssigned('pro')]).when(setMembers(users(4))).thenThrows('WALLET.MEMBER_LIMIT', { members: 4, maxMembers: 3, planId: 'pro' });
  });

  it('lets a business team have 10 members and refuses an eleventh', () => {
    given([team(3), planAssigned('business')]).when(setMembers(users(10))).then([membersChanged(users(10))]);
    given([team(10), planAssigned('business')]).when(setMembers(users(11))).thenThrows('WALLET.MEMBER_LIMIT', { members: 11, maxMembers: 10, planId: 'business' });
  });

  it('lets an enterprise team (maxMembers null) have any number of members', () => {
    given([team(3), planAssigned('enterprise')]).when(setMembers(users(250))).then([membersChanged(users(250))]);
  });

  it('caps a team on a one-member plan (basic) at 1', () => {
    given([team(1), planAssigned('basic')]).when(setMembers(users(2))).thenThrows('WALLET.MEMBER_LIMIT', { members: 2, maxMembers: 1, planId: 'basic' });
  });

  it('counts a member listed twice once', () => {
    given([team(1), planAssigned('pro')]).when(setMembers([...users(3), 'user-001', 'user-002'])).then([membersChanged(users(3))]);
  });

  it('refuses nothing on a repeat of the current members, even above a smaller plan’s cap after a downgrade', () => {
    given([team(10), planAssigned('business'), planAssigned('pro', at(DAY_MS))]).when(setMembers(users(10), at(2 * DAY_MS))).thenNothingHappens();
  });

  it('lets a team above its cap after a downgrade remove members, but add no one until it fits', () => {
    const downgraded = [team(10), planAssigned('pro', at(DAY_MS))];
    given(downgraded).when(setMembers(users(5), at(2 * DAY_MS))).then([membersChanged(users(5), at(2 * DAY_MS))]);
    given(downgraded).when(setMembers([...users(4), 'newcomer'], at(2 * DAY_MS))).thenThrows('WALLET.MEMBER_LIMIT', { maxMembers: 3, planId: 'pro' });
    given(downgraded).when(setMembers(['newcomer', 'user-001', 'user-002'], at(2 * DAY_MS))).then([
      membersChanged(['newcomer', 'user-001', 'user-002'], at(2 * DAY_MS)),
    ]);
  });

  it('raises the cap when the grant of a larger plan arrives', () => {
    const upgrade = monthlyGrant('business', 1);
    given([team(3), planAssigned('pro')]).when(upgrade.command).thenState((after) => {
      expect(after.plan?.planId).toBe('business');
    });
    given([team(3), planAssigned('pro'), planAssigned('business', at(30 * DAY_MS)), upgrade.granted])
      .when(setMembers(users(10), at(31 * DAY_MS)))
      .then([membersChanged(users(10), at(31 * DAY_MS))]);
  });

  it('treats a plan the tenant no longer configures like no plan', () => {
    given([team(1), planAssigned('legacy')]).when(setMembers(users(4))).thenThrows('WALLET.MEMBER_LIMIT', { members: 4, maxMembers: 3, planId: null });
  });

  it('does not cap a personal account', () => {
    given([]).when(openAccount({ members: users(5) })).thenState((after) => expect(after.members).toHaveLength(5));
  });

  it('caps nothing where the tenant has no plans', () => {
    walletSpec(policy).given([]).when(openAccount({ kind: 'team', members: users(40) })).thenState((after) => {
      expect(after.members).toHaveLength(40);
    });
  });

});

import { decodeBigInts, encodeBigInts } from '@creditflow/kernel';
import { runAll } from '@creditflow/kernel/testing';
import { walletDecider } from './wallet.decide';
import { walletFromSnapshot, walletSnapshot, WalletSnapshot } from './wallet.snapshot';
import {
  acceptUsage, at, authorizeUsage, completeUsage, expireDue, failUsage, grantCredits, openAccount, policy, rejectUsage, restoreUsageCredits,
} from './testing/wallet.fixtures';

const decider = walletDecider({ ...policy, lowBalanceThreshold: 5_000_000n as never });
const HOUR = 3_600_000;
/** A history with every kind of entry the state keeps: lots (one expired), usages in every status, holds, restorations, alerts, a member's limit and spending. */
const history = [
  openAccount({ kind: 'team', members: ['alice', 'bob'] }),
  grantCredits({ lotId: 'r1', amount: 20 }),
  { type: 'SetMemberSpendingLimit', data: { userId: 'alice', monthlyCredits: 50_000_000n as never, now: at(0) } },
  grantCredits({ lotId: 'd1', amount: '2.5', lotType: 'daily', expiresAt: at(HOUR) }),
  authorizeUsage({ usageId: 'u1', credits: 3, userId: 'alice' }),
  completeUsage('u1'),
  authorizeUsage({ usageId: 'u2', credits: 1, userId: 'bob', phases: { generate: 1, accept: 2 } }),
  completeUsage('u2'),
  acceptUsage('u2'),
  authorizeUsage({ usageId: 'u3', credits: 2, userId: 'alice', phases: { generate: 2, accept: 1 } }),
  completeUsage('u3'),
  rejectUsage('u3'),
  authorizeUsage({ usageId: 'u4', credits: 4, userId: 'alice' }),
  failUsage('u4', 'cancelled'),
  authorizeUsage({ usageId: 'u5', credits: 1, userId: 'bob' }),
  completeUsage('u5'),
  failUsage('u5', 'platform_error'),
  restoreUsageCredits('rs1', 'u5'),
  authorizeUsage({ usageId: 'u6', credits: 5, userId: 'alice' }), // times out
  expireDue(at(2 * HOUR)),
  authorizeUsage({ usageId: 'u7', credits: 1, userId: 'alice', now: at(2 * HOUR) }), // held when the snapshot is taken
];
const later = [completeUsage('u7', at(2 * HOUR)), authorizeUsage({ usageId: 'u8', credits: 100, userId: 'bob', now: at(2 * HOUR) })];

describe('the wallet snapshot', () => {
  it('gives back, through JSON, the state it was taken from, and folding on from it equals folding the whole stream', () => {
    const { state } = runAll(decider, history);
    const stored = JSON.parse(JSON.stringify(encodeBigInts(walletSnapshot(state))));
    const restored = walletFromSnapshot(decodeBigInts<WalletSnapshot>(stored));

    expect(walletSnapshot(restored)).toEqual(walletSnapshot(state));
    // The figures evolve keeps are not stored: computed again from the lots and holds, they are the same.
    expect('available' in stored).toBe(false);
    const figures = (s: typeof state) => ({ available: s.available, held: s.held, firstHoldExpiry: s.firstHoldExpiry });
    expect(figures(restored)).toEqual(figures(state));
    expect(state.held).toBeGreaterThan(0n);
    const fromSnapshot = runAll(decider, later, restored);
    const whole = runAll(decider, [...history, ...later]);
    expect(walletSnapshot(fromSnapshot.state)).toEqual(walletSnapshot(whole.state));
    expect(figures(fromSnapshot.state)).toEqual(figures(whole.state));
    expect(fromSnapshot.events).toEqual(whole.events.slice(-fromSnapshot.events.length));
  });
});

// Credits expiring soon (policy.expiringSoon): the first command inside a lot's notice window records
// one CreditsExpiringSoon for it (the wallet's sweep runs ExpireDue for accounts nobody touches).
import { WalletEvent } from './wallet.events';
import { WalletPolicy } from './wallet.policy';
import { T0, accountOpened, authorizeUsage, cr, creditsGranted, expireDue, grantCredits, holdPlaced, lotExpired, policy, share, walletSpec } from './testing/wallet.fixtures';

const HOUR = 3_600_000;
const later = (hours: number) => new Date(T0.getTime() + hours * HOUR);
const noticing: WalletPolicy = { ...policy, expiringSoon: { withinMs: 48 * HOUR, lotTypes: ['reward', 'trial'] } };
const reward = creditsGranted({ lotId: 'r1', lotType: 'reward', amount: 5, expiresAt: later(72) });
const noticed = (lotId: string, amount: number, expiresAt: Date, at: Date, lotType: 'reward' | 'trial' = 'reward'): WalletEvent => ({
  type: 'CreditsExpiringSoon', data: { lotId, lotType, amount: cr(amount), expiresAt: expiresAt.toISOString(), noticedAt: at.toISOString() },
});

describe('credits expiring soon', () => {
  it('notices a lot once the window reaches its expiry, once', () => {
    const spec = walletSpec(noticing);
    spec.given([accountOpened(), reward]).when(expireDue(later(23))).then([]);
    spec.given([accountOpened(), reward]).when(expireDue(later(24))).then([noticed('r1', 5, later(72), later(24))]);
    spec.given([accountOpened(), reward, noticed('r1', 5, later(72), later(24))]).when(expireDue(later(30))).then([]);
  });

  it('notices on any command, with what is left unused at the time', () => {
    walletSpec(noticing)
      .given([accountOpened(), reward])
      .when(authorizeUsage({ usageId: 'u1', credits: 2, now: later(30) }))
      .then([holdPlaced({ usageId: 'u1', credits: 2, lots: [share('r1', 2)], now: later(30) }), noticed('r1', 3, later(72), later(30))]);
  });

  it('notices a grant that is already inside the window at once', () => {
    walletSpec(noticing)
      .given([accountOpened()])
      .when(grantCredits({ lotId: 'r2', amount: 4, expiresAt: later(10) }))
      .then([creditsGranted({ lotId: 'r2', amount: 4, expiresAt: later(10) }), noticed('r2', 4, later(10), T0)]);
  });

  it('leaves alone lots of other types, used up, already expired, and tenants without the notice', () => {
    const topup = creditsGranted({ lotId: 't1', lotType: 'topup', amount: 5, expiresAt: later(10) });
    walletSpec(noticing).given([accountOpened(), topup]).when(expireDue(T0)).then([]);
    walletSpec(policy).given([accountOpened(), reward]).when(expireDue(later(30))).then([]);
    walletSpec(noticing).given([accountOpened(), reward, lotExpired('r1', 5, later(70))]).when(expireDue(later(71))).then([]);
    walletSpec(noticing)
      .given([accountOpened(), reward, holdPlaced({ usageId: 'u1', credits: 5, lots: [share('r1', 5)], now: later(24) })])
      .when(expireDue(later(24)))
      .then([]);
  });
});

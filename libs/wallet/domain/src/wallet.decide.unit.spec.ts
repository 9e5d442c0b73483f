import { DAY_MS, HOUR_MS } from '@creditflow/kernel';
import {
  acceptCharged, acceptUsage, accountOpened, ACCOUNT, at, authorizeUsage, autoTopUpRequested, completeUsage, cr, creditsGranted,
  creditsRestored, expireDue, failUsage, grantCredits, holdCaptured, holdPlaced, holdReleased, HOLD_TIMEOUT_MS, iso, lotExpired,
  lowBalanceAlertRaised, MINUTE_MS, openAccount, policy, rejectUsage, restoreUsageCredits, share, T0, usageDenied,
  usageFailedAfterCompletion, usageRejected, walletSpec,
} from './testing/wallet.fixtures';
import { WalletCommand } from './wallet.commands';
import { WalletEvent } from './wallet.events';
import { balanceOf } from './wallet.state';

const { given } = walletSpec();
const opened = accountOpened();

describe('opening an account', () => {
  it('opens an empty personal account when the tenant gives no trial', () => {
    given([]).when(openAccount()).then([opened]);
  });

  it('gives a trial lot that expires after the trial period when the tenant has one', () => {
    const withTrial = walletSpec({ ...policy, trial: { amount: cr(5), validForMs: 7 * DAY_MS } });
    withTrial.given([]).when(openAccount()).then([
      opened,
      {
        type: 'CreditsGranted',
        data: {
          lotId: `trial:${ACCOUNT}`, lotType: 'trial', amount: cr(5), grantedAt: iso(T0), expiresAt: iso(at(7 * DAY_MS)), costBasis: null,
          source: { kind: 'trial', id: ACCOUNT }, fingerprint: 'trial',
        },
      },
    ]);
  });

  it('gives a trial lot that never expires when the trial has no validity', () => {
    walletSpec({ ...policy, trial: { amount: cr(3), validForMs: null } }).given([]).when(openAccount()).thenState((after) => {
      expect(after.lots.get(`trial:${ACCOUNT}`)).toMatchObject({ type: 'trial', remaining: cr(3), expiresAt: null });
    });
  });

  it('changes nothing when the same account is opened again, and gives no second trial', () => {
    walletSpec({ ...policy, trial: { amount: cr(5), validForMs: null } })
      .given([opened, creditsGranted({ lotId: `trial:${ACCOUNT}`, lotType: 'trial', amount: 5 })])
      .when(openAccount({ now: at(HOUR_MS) }))
      .thenNothingHappens();
  });

  it('records the new members, sorted and without duplicates, when a team account is opened again with others', () => {
    given([accountOpened({ kind: 'team', members: ['alice'] })])
      .when(openAccount({ kind: 'team', members: ['carol', 'alice', 'carol'], now: at(HOUR_MS) }))
      .then([{ type: 'MembersChanged', data: { members: ['alice', 'carol'], changedAt: iso(at(HOUR_MS)) } }]);
  });

  it('refuses to reopen an account as another kind', () => {
    given([opened]).when(openAccount({ kind: 'team', members: ['alice'] })).thenThrows('WALLET.ID_REUSED');
  });
});

describe('a command on an account that does not exist', () => {
  it.each<WalletCommand>([
    grantCredits({ lotId: 'r1', amount: 1 }),
    authorizeUsage({ usageId: 'u1', credits: 1 }),
    completeUsage('u1'),
    failUsage('u1'),
    acceptUsage('u1'),
    rejectUsage('u1'),
    restoreUsageCredits('rs1', 'u1'),
  ])('is refused with WALLET.ACCOUNT_NOT_FOUND: $type', (command) => {
    given([]).when(command).thenThrows('WALLET.ACCOUNT_NOT_FOUND');
  });

  it('settles nothing for an expiry sweep', () => {
    given([]).when(expireDue(at(DAY_MS))).thenNothingHappens();
  });
});

describe('granting credits', () => {
  it('creates a lot with its type, amount, expiry, cost basis and source', () => {
    const purchase = {
      lotId: 'p1', lotType: 'topup' as const, amount: 100, source: { kind: 'purchase' as const, id: 'p1' },
      costBasis: { paidMinor: 1000n, currency: 'CNY', promotional: false },
    };
    given([opened]).when(grantCredits(purchase)).thenState((after, events) => {
      expect(events).toEqual([creditsGranted(purchase)]);
      expect(after.lots.get('p1')).toMatchObject({ type: 'topup', amount: cr(100), remaining: cr(100), expiresAt: null, expired: false });
      expect(balanceOf(after).byType.topup).toBe(cr(100));
    });
  });

  it('changes nothing when the same grant arrives again with the same lot id and content', () => {
    const grant = { lotId: 'r1', amount: 10, expiresAt: at(DAY_MS) };
    given([opened, creditsGranted(grant)]).when(grantCredits({ ...grant, now: at(HOUR_MS) })).thenNothingHappens();
  });

  it.each([
    ['amount', { amount: 11 }],
    ['type', { lotType: 'topup' as const }],
    ['expiry', { expiresAt: at(2 * DAY_MS) }],
    ['source', { source: { kind: 'purchase' as const, id: 'other' } }],
  ])('refuses a reused lot id with another %s: WALLET.ID_REUSED', (_what, change) => {
    const grant = { lotId: 'r1', amount: 10, expiresAt: at(DAY_MS) };
    given([opened, creditsGranted(grant)]).when(grantCredits({ ...grant, ...change })).thenThrows('WALLET.ID_REUSED', { id: 'r1' });
  });

  it('expires at once a grant that is already past its expiry (a late daily grant)', () => {
    const late = { lotId: 'd1', lotType: 'daily' as const, amount: 3, expiresAt: at(-HOUR_MS), now: T0 };
    given([opened]).when(grantCredits(late)).thenState((after, events) => {
      expect(events).toEqual([creditsGranted(late), lotExpired('d1', 3)]);
      expect(balanceOf(after).available).toBe(cr(0));
    });
  });

  it('refuses a negative amount', () => {
    given([opened]).when(grantCredits({ lotId: 'r1', amount: -1 })).thenThrows('AMOUNT.INVALID');
  });
});

describe('consumption order', () => {
  const everyType = [
    creditsGranted({ lotId: 'topup', lotType: 'topup', amount: 1, now: at(-5 * HOUR_MS) }),
    creditsGranted({ lotId: 'reward', lotType: 'reward', amount: 1, now: at(-4 * HOUR_MS) }),
    creditsGranted({ lotId: 'sub', lotType: 'subscription', amount: 1, now: at(-3 * HOUR_MS) }),
    creditsGranted({ lotId: 'trial', lotType: 'trial', amount: 1, now: at(-2 * HOUR_MS) }),
    creditsGranted({ lotId: 'daily', lotType: 'daily', amount: 1, expiresAt: at(DAY_MS), now: at(-HOUR_MS) }),
  ];

  it('draws from lots in the tenant priority: daily, trial, subscription, reward, topup', () => {
    given([opened, ...everyType]).when(authorizeUsage({ usageId: 'u1', credits: 5 })).then([
      holdPlaced({ usageId: 'u1', credits: 5, lots: [share('daily', 1), share('trial', 1), share('sub', 1), share('reward', 1), share('topup', 1)] }),
    ]);
  });

  it('follows a tenant priority that differs from the default', () => {
    walletSpec({ ...policy, consumptionOrder: ['topup', 'reward', 'daily', 'trial', 'subscription'] })
      .given([opened, ...everyType])
      .when(authorizeUsage({ usageId: 'u1', credits: '2.5' }))
      .then([holdPlaced({ usageId: 'u1', credits: '2.5', lots: [share('topup', 1), share('reward', 1), share('daily', '0.5')] })]);
  });

  it('puts type priority before expiry', () => {
    given([
      opened,
      creditsGranted({ lotId: 'topup-soon', lotType: 'topup', amount: 1, expiresAt: at(HOUR_MS) }),
      creditsGranted({ lotId: 'sub-never', lotType: 'subscription', amount: 1 }),
    ])
      .when(authorizeUsage({ usageId: 'u1', credits: 1 }))
      .then([holdPlaced({ usageId: 'u1', credits: 1, lots: [share('sub-never', 1)] })]);
  });

  it('within a type draws the soonest expiry first and never-expiring lots last', () => {
    given([
      opened,
      creditsGranted({ lotId: 'never', amount: 1, now: at(-3 * HOUR_MS) }),
      creditsGranted({ lotId: 'late', amount: 1, expiresAt: at(10 * DAY_MS), now: at(-2 * HOUR_MS) }),
      creditsGranted({ lotId: 'soon', amount: 1, expiresAt: at(DAY_MS), now: at(-HOUR_MS) }),
    ])
      .when(authorizeUsage({ usageId: 'u1', credits: 3 }))
      .then([holdPlaced({ usageId: 'u1', credits: 3, lots: [share('soon', 1), share('late', 1), share('never', 1)] })]);
  });

  it('with the same type and expiry draws the oldest grant first', () => {
    given([
      opened,
      creditsGranted({ lotId: 'b-new', amount: 2, now: at(-HOUR_MS) }),
      creditsGranted({ lotId: 'a-old', amount: 2, now: at(-2 * HOUR_MS) }),
    ])
      .when(authorizeUsage({ usageId: 'u1', credits: 3 }))
      .then([holdPlaced({ usageId: 'u1', credits: 3, lots: [share('a-old', 2), share('b-new', 1)] })]);
  });

  it('never draws from a lot whose expiry has passed, and expires it first', () => {
    const now = at(2 * HOUR_MS);
    given([
      opened,
      creditsGranted({ lotId: 'daily', lotType: 'daily', amount: 5, expiresAt: at(HOUR_MS) }),
      creditsGranted({ lotId: 'reward', amount: 5 }),
    ])
      .when(authorizeUsage({ usageId: 'u1', credits: 2, now }))
      .then([lotExpired('daily', 5, now), holdPlaced({ usageId: 'u1', credits: 2, now, lots: [share('reward', 2)] })]);
  });
});

describe('authorizing usage', () => {
  const funded = [opened, creditsGranted({ lotId: 'sub', lotType: 'subscription', amount: 4 }), creditsGranted({ lotId: 'r1', amount: 6 })];

  it('places a hold on specific lots and reduces the available credits by it', () => {
    given(funded).when(authorizeUsage({ usageId: 'u1', credits: 5, options: { resolution: '1080p' } })).thenState((after, events) => {
      expect(events).toEqual([holdPlaced({ usageId: 'u1', credits: 5, options: { resolution: '1080p' }, lots: [share('sub', 4), share('r1', 1)] })]);
      expect(balanceOf(after)).toMatchObject({ available: cr(5), held: cr(5) });
      expect(after.lots.get('sub')?.remaining).toBe(cr(0));
      expect(after.usages.get('u1')).toMatchObject({ status: 'authorized', holdExpiresAt: iso(at(HOLD_TIMEOUT_MS)) });
    });
  });

  it('denies usage it cannot pay, stating required and available, and holds nothing', () => {
    given(funded).when(authorizeUsage({ usageId: 'u1', credits: '10.5' })).thenState((after, events) => {
      expect(events).toEqual([usageDenied({ usageId: 'u1', credits: '10.5', available: 10 })]);
      expect(balanceOf(after)).toMatchObject({ available: cr(10), held: cr(0) });
      expect(after.usages.get('u1')).toMatchObject({ status: 'denied', denial: { required: cr('10.5'), available: cr(10) } });
    });
  });

  it('holds nothing for a free feature', () => {
    given([opened]).when(authorizeUsage({ usageId: 'u1', credits: 0, feature: 'mind-map' })).then([
      holdPlaced({ usageId: 'u1', credits: 0, feature: 'mind-map', lots: [] }),
    ]);
  });

  it('changes nothing when the same authorization arrives again', () => {
    const a = { usageId: 'u1', credits: 5, options: { resolution: '1080p', quantity: 2 } };
    given([...funded, holdPlaced({ ...a, lots: [share('sub', 4), share('r1', 1)] })])
      .when(authorizeUsage({ ...a, options: { quantity: 2, resolution: '1080p' }, now: at(MINUTE_MS) }))
      .thenNothingHappens();
  });

  it('keeps the first answer when a denied authorization arrives again, even after a top-up', () => {
    const a = { usageId: 'u1', credits: 20 };
    given([...funded, usageDenied({ ...a, available: 10 }), creditsGranted({ lotId: 'p1', lotType: 'topup', amount: 100 })])
      .when(authorizeUsage(a))
      .thenNothingHappens();
  });

  it('refuses a reused usage id with other content: WALLET.ID_REUSED', () => {
    given([...funded, holdPlaced({ usageId: 'u1', credits: 5, lots: [share('sub', 4), share('r1', 1)] })])
      .when(authorizeUsage({ usageId: 'u1', credits: 5, feature: 'chat-message' }))
      .thenThrows('WALLET.ID_REUSED', { id: 'u1' });
  });

  it('refuses a negative price', () => {
    given(funded).when(authorizeUsage({ usageId: 'u1', credits: -1 })).thenThrows('AMOUNT.INVALID');
    given(funded).when(authorizeUsage({ usageId: 'u1', credits: 1, phases: { generate: 1, accept: -2 } })).thenThrows('AMOUNT.INVALID');
  });
});

describe('completing and failing usage', () => {
  const lots = [share('sub', 4), share('r1', 1)];
  const authorized = [
    opened,
    creditsGranted({ lotId: 'sub', lotType: 'subscription', amount: 4 }),
    creditsGranted({ lotId: 'r1', amount: 6 }),
    holdPlaced({ usageId: 'u1', credits: 5, lots }),
  ];
  const completed = [...authorized, holdCaptured('u1', lots)];

  it('completing captures the hold from the same lots', () => {
    given(authorized).when(completeUsage('u1', at(MINUTE_MS))).thenState((after, events) => {
      expect(events).toEqual([holdCaptured('u1', lots, at(MINUTE_MS))]);
      expect(balanceOf(after)).toMatchObject({ available: cr(5), held: cr(0) });
      expect(after.usages.get('u1')).toMatchObject({ status: 'completed', charged: lots });
    });
  });

  it('completing twice changes nothing', () => {
    given(completed).when(completeUsage('u1')).thenNothingHappens();
  });

  it('failing releases the hold back to the lots it came from', () => {
    given(authorized).when(failUsage('u1', 'cancelled')).thenState((after, events) => {
      expect(events).toEqual([holdReleased('u1', lots, 'cancelled')]);
      expect(balanceOf(after)).toMatchObject({ available: cr(10), held: cr(0) });
      expect(after.lots.get('sub')?.remaining).toBe(cr(4));
    });
  });

  it('failing twice changes nothing', () => {
    given([...authorized, holdReleased('u1', lots, 'platform_error')]).when(failUsage('u1')).thenNothingHappens();
  });

  it('refuses to complete a usage that already failed', () => {
    given([...authorized, holdReleased('u1', lots, 'platform_error')]).when(completeUsage('u1')).thenThrows('WALLET.USAGE_STATE');
  });

  it('a failure reported after completion is recorded and the charge stands', () => {
    given(completed).when(failUsage('u1')).thenState((after, events, before) => {
      expect(events).toEqual([usageFailedAfterCompletion('u1', 5)]);
      expect(balanceOf(after)).toEqual(balanceOf(before));
      expect(after.usages.get('u1')).toMatchObject({ status: 'failed', charged: lots });
    });
  });

  it.each([completeUsage('nope'), failUsage('nope'), acceptUsage('nope'), rejectUsage('nope'), restoreUsageCredits('rs1', 'nope')])(
    'refuses $type of a usage never authorized: WALLET.USAGE_NOT_FOUND',
    (command) => {
      given(completed).when(command).thenThrows('WALLET.USAGE_NOT_FOUND');
    },
  );
});

describe('restoring credits', () => {
  const lots = [share('sub', 4), share('r1', 1)];
  const completed = [
    opened,
    creditsGranted({ lotId: 'sub', lotType: 'subscription', amount: 4, expiresAt: at(30 * DAY_MS) }),
    creditsGranted({ lotId: 'r1', amount: 6 }),
    holdPlaced({ usageId: 'u1', credits: 5, lots }),
    holdCaptured('u1', lots),
  ];

  it('gives the charged credits back to the lots they came from', () => {
    given(completed).when(restoreUsageCredits('rs1', 'u1')).thenState((after, events) => {
      expect(events).toEqual([creditsRestored('rs1', 'u1', lots)]);
      expect(after.lots.get('sub')?.remaining).toBe(cr(4));
      expect(after.lots.get('r1')?.remaining).toBe(cr(6));
    });
  });

  it('restores only once for the same restoration id', () => {
    given([...completed, creditsRestored('rs1', 'u1', lots)]).when(restoreUsageCredits('rs1', 'u1')).thenNothingHappens();
  });

  it('restores a usage only once, even under another restoration id', () => {
    given([...completed, creditsRestored('rs1', 'u1', lots)]).when(restoreUsageCredits('rs2', 'u1')).thenNothingHappens();
  });

  it('expires at once the credits it returns to a lot that has expired meanwhile', () => {
    const now = at(31 * DAY_MS);
    given(completed).when(restoreUsageCredits('rs1', 'u1', now)).thenState((after, events) => {
      expect(events).toEqual([lotExpired('sub', 0, now), creditsRestored('rs1', 'u1', lots, now), lotExpired('sub', 4, now)]);
      expect(after.lots.get('sub')).toMatchObject({ remaining: cr(0), expired: true });
      expect(balanceOf(after).available).toBe(cr(6));
    });
  });

  it('restores both phases of an accepted usage', () => {
    const phased = [
      opened,
      creditsGranted({ lotId: 'sub', lotType: 'subscription', amount: 10 }),
      holdPlaced({ usageId: 'u1', credits: 1, phases: { generate: 1, accept: 2 }, lots: [share('sub', 1)] }),
      holdCaptured('u1', [share('sub', 1)]),
      acceptCharged('u1', [share('sub', 2)]),
    ];
    given(phased).when(restoreUsageCredits('rs1', 'u1')).then([creditsRestored('rs1', 'u1', [share('sub', 1), share('sub', 2)])]);
  });

  it('refuses to restore a usage that charged nothing', () => {
    given([...completed.slice(0, 4)]).when(restoreUsageCredits('rs1', 'u1')).thenThrows('WALLET.USAGE_STATE');
  });
});

describe('hold timeout and expiry', () => {
  const funded = [opened, creditsGranted({ lotId: 'r1', amount: 10 })];
  const held = [...funded, holdPlaced({ usageId: 'u1', credits: 3, lots: [share('r1', 3)] })];
  const timeout = at(HOLD_TIMEOUT_MS);

  it('keeps a hold until its timeout', () => {
    given(held).when(expireDue(at(HOLD_TIMEOUT_MS - 1))).thenNothingHappens();
  });

  it('releases a hold at its timeout', () => {
    given(held).when(expireDue(timeout)).then([holdReleased('u1', [share('r1', 3)], 'timeout', timeout)]);
  });

  it('a command after the timeout releases the hold first', () => {
    given(held).when(authorizeUsage({ usageId: 'u2', credits: 9, now: timeout })).then([
      holdReleased('u1', [share('r1', 3)], 'timeout', timeout),
      holdPlaced({ usageId: 'u2', credits: 9, now: timeout, lots: [share('r1', 9)] }),
    ]);
  });

  it('refuses to complete a usage whose hold has timed out', () => {
    given(held).when(completeUsage('u1', timeout)).thenThrows('WALLET.USAGE_STATE', { status: 'failed' });
  });

  it('expires a lot at its expiry with the credits it still has', () => {
    given([opened, creditsGranted({ lotId: 'd1', lotType: 'daily', amount: 5, expiresAt: at(DAY_MS) })])
      .when(expireDue(at(DAY_MS)))
      .thenState((after, events) => {
        expect(events).toEqual([lotExpired('d1', 5, at(DAY_MS))]);
        expect(balanceOf(after).available).toBe(cr(0));
      });
  });

  it('expires the credits of a hold released after its lot expired', () => {
    const lotEnds = at(10 * MINUTE_MS);
    const now = at(12 * MINUTE_MS);
    given([
      opened,
      creditsGranted({ lotId: 'd1', lotType: 'daily', amount: 5, expiresAt: lotEnds }),
      holdPlaced({ usageId: 'u1', credits: 3, lots: [share('d1', 3)] }),
    ])
      .when(failUsage('u1', 'platform_error', now))
      .then([lotExpired('d1', 2, now), holdReleased('u1', [share('d1', 3)], 'platform_error', now), lotExpired('d1', 3, now)]);
  });

  it('expires the whole lot when its expiry and a hold timeout on it fall due in the same sweep', () => {
    const now = at(HOUR_MS);
    given([
      opened,
      creditsGranted({ lotId: 'd1', lotType: 'daily', amount: 5, expiresAt: at(10 * MINUTE_MS) }),
      holdPlaced({ usageId: 'u1', credits: 3, lots: [share('d1', 3)] }),
    ])
      .when(expireDue(now))
      .thenState((after, events) => {
        expect(events).toEqual([lotExpired('d1', 2, now), holdReleased('u1', [share('d1', 3)], 'timeout', now), lotExpired('d1', 3, now)]);
        expect(after.lots.get('d1')).toMatchObject({ remaining: cr(0), expired: true });
      });
  });
});

describe('phased usage (listing-editor: generate 1, accept 2)', () => {
  const listing = walletSpec({ ...policy, consumptionOrder: ['subscription', 'topup'] });
  const phases = { generate: 1, accept: 2 };
  const generated = (allowance: number) => [
    opened,
    creditsGranted({ lotId: 'sub', lotType: 'subscription', amount: allowance }),
    holdPlaced({ usageId: 'u1', credits: 1, phases, feature: 'ai-edit', lots: [share('sub', 1)] }),
    holdCaptured('u1', [share('sub', 1)]),
  ];

  it('completing charges only the generate phase', () => {
    listing.given(generated(5).slice(0, 3)).when(completeUsage('u1')).thenState((after) => {
      expect(balanceOf(after).available).toBe(cr(4));
    });
  });

  it('accepting charges the accept phase on top', () => {
    listing.given(generated(5)).when(acceptUsage('u1')).thenState((after, events) => {
      expect(events).toEqual([acceptCharged('u1', [share('sub', 2)])]);
      expect(balanceOf(after).available).toBe(cr(2));
      expect(after.usages.get('u1')).toMatchObject({ status: 'accepted', charged: [share('sub', 1), share('sub', 2)] });
    });
  });

  it('rejecting charges nothing more', () => {
    listing.given(generated(5)).when(rejectUsage('u1')).thenState((after, events) => {
      expect(events).toEqual([usageRejected('u1')]);
      expect(balanceOf(after).available).toBe(cr(4));
    });
  });

  it('denies an accept it cannot pay and leaves the usage completed', () => {
    listing.given(generated(2)).when(acceptUsage('u1')).thenState((after, events) => {
      expect(events).toEqual([
        usageDenied({ usageId: 'u1', credits: 1, feature: 'ai-edit', phase: 'accept', required: 2, available: 1 }),
      ]);
      expect(after.usages.get('u1')).toMatchObject({ status: 'completed', denial: { required: cr(2), available: cr(1) } });
      expect(balanceOf(after).available).toBe(cr(1));
    });
  });

  it('accepts after a top-up once an accept was denied', () => {
    listing
      .given([
        ...generated(2),
        usageDenied({ usageId: 'u1', credits: 1, feature: 'ai-edit', phase: 'accept', required: 2, available: 1 }),
        creditsGranted({ lotId: 'p1', lotType: 'topup', amount: 100 }),
      ])
      .when(acceptUsage('u1'))
      .thenState((after, events) => {
        expect(events).toEqual([acceptCharged('u1', [share('sub', 1), share('p1', 1)])]);
        expect(after.usages.get('u1')).toMatchObject({ status: 'accepted', denial: null });
      });
  });

  it('records nothing more when a denied accept arrives again and still cannot be paid', () => {
    listing
      .given([...generated(2), usageDenied({ usageId: 'u1', credits: 1, feature: 'ai-edit', phase: 'accept', required: 2, available: 1 })])
      .when(acceptUsage('u1'))
      .thenNothingHappens();
  });

  it('accepting twice charges once', () => {
    listing.given([...generated(5), acceptCharged('u1', [share('sub', 2)])]).when(acceptUsage('u1')).thenNothingHappens();
  });

  it('rejecting twice changes nothing', () => {
    listing.given([...generated(5), usageRejected('u1')]).when(rejectUsage('u1')).thenNothingHappens();
  });

  it('refuses to accept before the generate phase is completed', () => {
    listing.given(generated(5).slice(0, 3)).when(acceptUsage('u1')).thenThrows('WALLET.USAGE_STATE');
  });

  it('refuses to accept or reject a usage that has no phases', () => {
    const plain = [opened, creditsGranted({ lotId: 'sub', lotType: 'subscription', amount: 5 }), holdPlaced({ usageId: 'u1', credits: 1, lots: [share('sub', 1)] }), holdCaptured('u1', [share('sub', 1)])];
    listing.given(plain).when(acceptUsage('u1')).thenThrows('WALLET.USAGE_STATE');
    listing.given(plain).when(rejectUsage('u1')).thenThrows('WALLET.USAGE_STATE');
  });

  it('refuses to reject an accepted usage', () => {
    listing.given([...generated(5), acceptCharged('u1', [share('sub', 2)])]).when(rejectUsage('u1')).thenThrows('WALLET.USAGE_STATE');
  });
});

describe('team accounts', () => {
  const team = [accountOpened({ kind: 'team', members: ['alice', 'bob'] }), creditsGranted({ lotId: 'sub', lotType: 'subscription', amount: 10 })];

  it('refuses usage by someone who is not a member: WALLET.NOT_A_MEMBER', () => {
    given(team).when(authorizeUsage({ usageId: 'u1', credits: 1, userId: 'mallory' })).thenThrows('WALLET.NOT_A_MEMBER', { userId: 'mallory' });
  });

  it('refuses usage that names no member', () => {
    given(team).when(authorizeUsage({ usageId: 'u1', credits: 1 })).thenThrows('WALLET.NOT_A_MEMBER');
  });

  it('attributes a member’s usage to the member, drawing on the shared balance', () => {
    given([...team, holdPlaced({ usageId: 'u1', credits: 4, userId: 'alice', lots: [share('sub', 4)] })])
      .when(authorizeUsage({ usageId: 'u2', credits: 6, userId: 'bob' }))
      .thenState((after, events) => {
        expect(events).toEqual([holdPlaced({ usageId: 'u2', credits: 6, userId: 'bob', lots: [share('sub', 6)] })]);
        expect(after.usages.get('u1')?.userId).toBe('alice');
        expect(after.usages.get('u2')?.userId).toBe('bob');
        expect(balanceOf(after).available).toBe(cr(0));
      });
  });

  it('refuses usage by a member who was removed', () => {
    given([...team, { type: 'MembersChanged', data: { members: ['alice'], changedAt: iso(T0) } }])
      .when(authorizeUsage({ usageId: 'u1', credits: 1, userId: 'bob' }))
      .thenThrows('WALLET.NOT_A_MEMBER');
  });
});

describe('low-balance alert and automatic top-up', () => {
  const alerting = walletSpec({ ...policy, lowBalanceThreshold: cr(5) });
  const funded: WalletEvent[] = [opened, creditsGranted({ lotId: 'r1', amount: 10 })];
  const hold = (usageId: string, credits: number) => holdPlaced({ usageId, credits, lots: [share('r1', credits)] });

  it('raises an alert when available credits cross below the threshold', () => {
    alerting.given(funded).when(authorizeUsage({ usageId: 'u1', credits: 6 })).then([hold('u1', 6), lowBalanceAlertRaised(4, 5)]);
  });

  it('raises no alert while the balance stays at or above the threshold', () => {
    alerting.given(funded).when(authorizeUsage({ usageId: 'u1', credits: 5 })).then([hold('u1', 5)]);
  });

  it('raises no second alert while the balance stays below', () => {
    alerting.given([...funded, hold('u1', 6), lowBalanceAlertRaised(4, 5)]).when(authorizeUsage({ usageId: 'u2', credits: 1 })).then([hold('u2', 1)]);
  });

  it('raises again after the balance went back above and then below', () => {
    alerting
      .given([...funded, hold('u1', 6), lowBalanceAlertRaised(4, 5), holdReleased('u1', [share('r1', 6)], 'cancelled')])
      .when(authorizeUsage({ usageId: 'u2', credits: 7 }))
      .then([hold('u2', 7), lowBalanceAlertRaised(3, 5)]);
  });

  it('raises an alert when an expiry takes the balance below the threshold', () => {
    alerting
      .given([opened, creditsGranted({ lotId: 'd1', lotType: 'daily', amount: 6, expiresAt: at(DAY_MS) }), creditsGranted({ lotId: 'r1', amount: 2 })])
      .when(expireDue(at(DAY_MS)))
      .then([lotExpired('d1', 6, at(DAY_MS)), lowBalanceAlertRaised(2, 5, at(DAY_MS))]);
  });

  it('requests an automatic top-up once when the balance falls below its threshold', () => {
    const topping = walletSpec({ ...policy, autoTopUp: { threshold: cr(3), packageId: 'basic' } });
    topping.given(funded).when(authorizeUsage({ usageId: 'u1', credits: 8 })).then([hold('u1', 8), autoTopUpRequested('basic', 2, 3)]);
    topping.given([...funded, hold('u1', 8), autoTopUpRequested('basic', 2, 3)]).when(authorizeUsage({ usageId: 'u2', credits: 1 })).then([hold('u2', 1)]);
  });

  it('requests no top-up when automatic top-up is not enabled', () => {
    given(funded).when(authorizeUsage({ usageId: 'u1', credits: 9 })).then([hold('u1', 9)]);
  });
});


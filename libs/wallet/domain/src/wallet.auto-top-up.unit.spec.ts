// An account's own automatic top-up (issue 13, rule 4): each account may switch it on or off and set
// its threshold and package; what it leaves open (and every account that never chose) follows the
// tenant. Given the account's events, when a command, then these events or this error.
import { WalletCommand } from './wallet.commands';
import { WalletEvent } from './wallet.events';
import { WalletPolicy, autoTopUpOf } from './wallet.policy';
import { autoTopUpSettings } from './wallet.requests';
import {
  T0, accountOpened, authorizeUsage, autoTopUpRequested, cr, creditsGranted, holdPlaced, policy, share, walletSpec,
} from './testing/wallet.fixtures';
import { refusalOf } from '@creditflow/kernel/testing';

const PACKAGES = [{ id: 'basic' }, { id: 'standard' }];
/** apinfer's tenant default: every account asks for the basic package below 10. */
const withDefault: WalletPolicy = { ...policy, autoTopUp: { threshold: cr(10), packageId: 'basic' } };
const withoutDefault: WalletPolicy = policy;
const offByDefault: WalletPolicy = { ...policy, autoTopUp: { threshold: cr(10), packageId: 'basic', enabled: false } };

const funded = [accountOpened(), creditsGranted({ lotId: 'topup', lotType: 'topup', amount: 100 })];
const configure = (enabled: boolean, threshold?: number, packageId?: string): WalletCommand =>
  autoTopUpSettings(PACKAGES, { enabled, ...(threshold !== undefined ? { threshold: cr(threshold) } : {}), ...(packageId ? { packageId } : {}) }, T0);
const configured = (enabled: boolean, threshold: number | null, packageId: string | null): WalletEvent => ({
  type: 'AutoTopUpConfigured', data: { enabled, threshold: threshold === null ? null : cr(threshold), packageId, configuredAt: T0.toISOString() },
});
/** A usage that holds `credits` of the top-up lot. */
const use = (usageId: string, credits: number) => authorizeUsage({ usageId, credits });
const held = (usageId: string, credits: number) => holdPlaced({ usageId, credits, lots: [share('topup', credits)] });

describe('an account’s own automatic top-up', () => {
  it('records the account’s settings', () => {
    walletSpec(withDefault).given(funded).when(configure(true, 50, 'standard')).then([configured(true, 50, 'standard')]);
  });

  it('asks for the account’s package when its own threshold is crossed, not at the tenant’s', () => {
    const spec = walletSpec(withDefault);
    const mine = [...funded, configured(true, 50, 'standard')];
    spec.given(mine).when(use('u1', 60)).then([held('u1', 60), autoTopUpRequested('standard', 40, 50)]);
    spec.given([...mine, held('u1', 60), autoTopUpRequested('standard', 40, 50)]).when(use('u2', 35)).then([held('u2', 35)]);
  });

  it('takes what it leaves open from the tenant: its threshold with the tenant’s package', () => {
    walletSpec(withDefault).given([...funded, configured(true, 50, null)]).when(use('u1', 60)).then([held('u1', 60), autoTopUpRequested('basic', 40, 50)]);
  });

  it('asks for nothing once the account has switched it off, where the tenant has it on', () => {
    walletSpec(withDefault).given([...funded, configured(false, null, null)]).when(use('u1', 95)).then([held('u1', 95)]);
  });

  it('keeps the tenant default for accounts that never chose (apinfer: basic below 10)', () => {
    walletSpec(withDefault).given(funded).when(use('u1', 95)).then([held('u1', 95), autoTopUpRequested('basic', 5, 10)]);
  });

  it('lets an account opt in where the tenant has its defaults off, with those defaults', () => {
    walletSpec(offByDefault).given(funded).when(use('u1', 95)).then([held('u1', 95)]);
    walletSpec(offByDefault).given([...funded, configured(true, null, null)]).when(use('u1', 95)).then([held('u1', 95), autoTopUpRequested('basic', 5, 10)]);
  });

  it('lets an account opt in where the tenant has no automatic top-up, naming its threshold and package', () => {
    walletSpec(withoutDefault).given([...funded, configured(true, 20, 'standard')]).when(use('u1', 85)).then([held('u1', 85), autoTopUpRequested('standard', 15, 20)]);
  });

  it('refuses to switch on without a threshold or package where the tenant has none to use', () => {
    walletSpec(withoutDefault).given(funded).when(configure(true)).thenThrows('WALLET.AUTO_TOP_UP_INCOMPLETE', { missing: ['threshold', 'packageId'] });
    walletSpec(withoutDefault).given(funded).when(configure(true, 20)).thenThrows('WALLET.AUTO_TOP_UP_INCOMPLETE', { missing: ['packageId'] });
    walletSpec(withoutDefault).given(funded).when(configure(false)).then([configured(false, null, null)]);
  });

  it('refuses a threshold of 0 (it would never be crossed)', () => {
    walletSpec(withDefault).given(funded).when(configure(true, 0)).thenThrows('AMOUNT.INVALID');
  });

  it('refuses a package the tenant does not sell', () => {
    expect(refusalOf(() => configure(true, 20, 'gold'))).toMatchObject({ code: 'WALLET.UNKNOWN_PACKAGE', details: { allowed: ['basic', 'standard'] } });
  });

  it('records the same settings once', () => {
    walletSpec(withDefault).given([...funded, configured(true, 50, 'standard')]).when(configure(true, 50, 'standard')).thenNothingHappens();
  });

  it('asks for nothing when set while the balance is already below the threshold: only a crossing asks', () => {
    walletSpec(withDefault).given([...funded, held('u1', 95)]).when(configure(true, 50, 'standard')).then([configured(true, 50, 'standard')]);
  });

  it('refuses settings for an account that does not exist', () => {
    walletSpec(withDefault).given([]).when(configure(true, 50)).thenThrows('WALLET.ACCOUNT_NOT_FOUND');
  });
});

describe('autoTopUpOf', () => {
  it('is the tenant’s for an account that never chose, the account’s (gaps from the tenant) once it did, off when switched off', () => {
    expect(autoTopUpOf(null, withDefault)).toEqual({ threshold: cr(10), packageId: 'basic', source: 'tenant' });
    expect(autoTopUpOf(null, offByDefault)).toBeNull();
    expect(autoTopUpOf(null, withoutDefault)).toBeNull();
    expect(autoTopUpOf({ enabled: true, threshold: cr(50), packageId: null }, withDefault)).toEqual({ threshold: cr(50), packageId: 'basic', source: 'account' });
    expect(autoTopUpOf({ enabled: false, threshold: cr(50), packageId: 'standard' }, withDefault)).toBeNull();
  });
});

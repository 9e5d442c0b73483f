import { deciderSpecification } from '@creditflow/kernel/testing';
import { UsageClaimEvent, usageClaimDecider } from './usage-claim';

const { given } = deciderSpecification(usageClaimDecider);
const T0 = new Date('2030-01-01T00:00:00Z');
const claimed = (accountId: string): UsageClaimEvent => ({ type: 'UsageClaimed', data: { usageId: 'u-1', accountId, claimedAt: T0.toISOString() } });
const claim = (accountId: string) => ({ type: 'ClaimUsage' as const, data: { usageId: 'u-1', accountId, now: T0 } });

describe('the claim of a usage id', () => {
  it('gives an unclaimed usage id to the account that authorizes under it', () => {
    given([]).when(claim('acc-1')).then([claimed('acc-1')]);
  });

  it('changes nothing when the same account claims it again (a repeated authorize)', () => {
    given([claimed('acc-1')]).when(claim('acc-1')).thenNothingHappens();
  });

  it('refuses it to another account: WALLET.ID_REUSED', () => {
    given([claimed('acc-1')]).when(claim('acc-2')).thenThrows('WALLET.ID_REUSED', { id: 'u-1' });
  });
});

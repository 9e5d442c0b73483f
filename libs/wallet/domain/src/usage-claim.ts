// Which account a usage id belongs to, one stream per usage id (`usage-<tenant>_<usageId>`, named by
// the application). The later steps over HTTP name only the usage (POST /v1/usage/{usageId}/complete):
// the claim finds its account. Claimed before the hold is appended, in the event store every replica
// shares, so it never lags the account's stream, needs no side index and cannot be lost with a pod.
import { assertNever, type Decider } from '@creditflow/kernel';
import { assertUsageIdOwner } from './wallet.requests';

export type UsageClaimCommand = { type: 'ClaimUsage'; data: { usageId: string; accountId: string; now: Date } };
export type UsageClaimEvent = { type: 'UsageClaimed'; data: { usageId: string; accountId: string; claimedAt: string } };
export interface UsageClaim {
  /** The account that claimed the usage id; null before any claim. */
  accountId: string | null;
}

/** A usage id is claimed once, by the first account that authorizes under it; the same account again changes nothing, another is WALLET.ID_REUSED. */
export const usageClaimDecider: Decider<UsageClaimCommand, UsageClaimEvent, UsageClaim> = {
  decide(command, state) {
    switch (command.type) {
      case 'ClaimUsage': {
        const { usageId, accountId, now } = command.data;
        assertUsageIdOwner(usageId, accountId, state.accountId);
        return state.accountId === null ? [{ type: 'UsageClaimed', data: { usageId, accountId, claimedAt: now.toISOString() } }] : [];
      }
      default:
        return assertNever(command.type);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'UsageClaimed':
        return { accountId: event.data.accountId };
      default:
        return assertNever(event.type);
    }
  },
  initialState: { accountId: null },
};

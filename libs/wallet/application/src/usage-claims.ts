// Usage ids and their accounts, in the event store (`usage-<tenant>_<usageId>`, see the wallet
// domain's usage-claim.ts): what POST /v1/usage/{usageId}/complete|fail|accept|reject looks up.
import { CommandHandler, CommandOutcome, EventStore } from '@creditflow/event-store';
import { UsageClaim, UsageClaimEvent, usageClaimDecider } from '@creditflow/wallet-domain';

export const USAGE_CATEGORY = 'usage';

export function usageStream(tenantId: string, usageId: string): string {
  return `${USAGE_CATEGORY}-${tenantId}_${usageId}`;
}

export interface UsageClaimRequest {
  tenantId: string;
  usageId: string;
  accountId: string;
  now: Date;
  /** The trace and principal of the request or message claiming it, kept in the claim's metadata. */
  metadata?: object;
}

export class UsageClaims {
  private readonly handler: CommandHandler<UsageClaim, UsageClaimEvent>;

  constructor(store: EventStore, cacheLimit = 10_000) {
    this.handler = new CommandHandler({ store, evolve: usageClaimDecider.evolve, initialState: usageClaimDecider.initialState, cacheLimit });
  }

  /** Claims the usage id for its account (committed with the claims of the same turn); WALLET.ID_REUSED for another account's id. */
  claim({ tenantId, usageId, accountId, now, metadata }: UsageClaimRequest): Promise<CommandOutcome<UsageClaim, UsageClaimEvent>> {
    return this.handler.submit({
      streamName: usageStream(tenantId, usageId),
      decide: (state: UsageClaim) => usageClaimDecider.decide({ type: 'ClaimUsage', data: { usageId, accountId, now } }, state),
      metadata: { ...metadata, tenantId, accountId },
    });
  }

  /** The account the usage id was claimed for; null if nobody claimed it. */
  async accountOf(tenantId: string, usageId: string): Promise<string | null> {
    return (await this.handler.read(usageStream(tenantId, usageId))).state.accountId;
  }
}

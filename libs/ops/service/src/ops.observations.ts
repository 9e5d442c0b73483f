// What the ops read models tell /metrics and /health/ready: how far the projections are behind the
// wallet's store (creditflow_projection_lag_events and _seconds; readiness fails beyond
// CREDITFLOW_READY_MAX_PROJECTION_LAG), and the credits held by open holds per tenant with the
// accounts holding them (creditflow_held_credits, creditflow_accounts_with_open_holds), read from the
// projected balances: a gauge of the whole deployment, the same on every replica.
import { Injectable } from '@nestjs/common';
import { formatCredits } from '@creditflow/kernel';
import { OpsProjections } from '@creditflow/ops-projections';
import { Observability } from '@creditflow/shell';
import { WALLET_CATEGORY } from '@creditflow/wallet-application';

@Injectable()
export class OpsObservations {
  constructor(observability: Observability, projections: OpsProjections) {
    observability.registerReadModel({ name: 'ops-projections', category: WALLET_CATEGORY, position: () => projections.position() });
    observability.registerHeldCredits(() =>
      projections.heldByTenant().map(({ tenant, held, accounts }) => ({ tenant, credits: Number(formatCredits(held)), accounts })),
    );
  }
}

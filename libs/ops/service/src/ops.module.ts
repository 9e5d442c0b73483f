import { Module } from '@nestjs/common';
import { join } from 'node:path';
import type { EventStore } from '@creditflow/event-store';
import { OpsProjections } from '@creditflow/ops-projections';
import { Deployment, EVENT_STORE } from '@creditflow/shell';
import { DashboardController } from './dashboard.controller';
import { OpsController } from './ops.controller';
import { OpsObservations } from './ops.observations';
import { OpsProjector, stateLoader } from './ops.projector';
import { SimulationsController } from './simulations.controller';

/**
 * The ops surface: read models from the wallet's store, their HTTP readers, balance snapshots, and
 * the dashboard page at /dashboard (wherever this module is hosted: the embedded platform, or the
 * wallet process in distributed mode).
 */
@Module({
  controllers: [OpsController, DashboardController, SimulationsController],
  providers: [
    OpsProjector,
    OpsObservations,
    {
      provide: OpsProjections,
      useFactory: (d: Deployment, store: EventStore) => new OpsProjections(join(d.dataDir, 'ops-projections.sqlite'), stateLoader(store)),
      inject: [Deployment, EVENT_STORE],
    },
  ],
  exports: [OpsProjector],
})
export class OpsModule {}

import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller';
import { OpsController } from './ops.controller';
import { OpsProjector } from './ops.projector';

/**
 * The ops surface: read models from the wallet's store, their HTTP readers, balance snapshots, and
 * the dashboard page at /dashboard (wherever this module is hosted: the embedded platform, or the
 * wallet process in distributed mode).
 */
@Module({ controllers: [OpsController, DashboardController], providers: [OpsProjector], exports: [OpsProjector] })
export class OpsModule {}

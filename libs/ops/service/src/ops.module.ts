import { Module } from '@nestjs/common';
import { OpsController } from './ops.controller';
import { OpsProjector } from './ops.projector';

/** The ops surface: read models from the wallet's store, their HTTP readers and balance snapshots. */
@Module({ controllers: [OpsController], providers: [OpsProjector], exports: [OpsProjector] })
export class OpsModule {}

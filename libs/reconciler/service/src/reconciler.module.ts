import { Module } from '@nestjs/common';
import { ReconcilerJob } from './reconciler.job';
import { ReconciliationController } from './reconciliation.controller';

/** The continuous reconciler and its last run over HTTP, hosted where the wallet's store is (the embedded platform, the wallet process). */
@Module({ controllers: [ReconciliationController], providers: [ReconcilerJob], exports: [ReconcilerJob] })
export class ReconcilerModule {}

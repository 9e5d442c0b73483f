import { Module } from '@nestjs/common';
import { ReconcilerJob } from './reconciler.job';

/** The continuous reconciler, hosted where the wallet's store is (the embedded platform, the wallet process). */
@Module({ providers: [ReconcilerJob], exports: [ReconcilerJob] })
export class ReconcilerModule {}

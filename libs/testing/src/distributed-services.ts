// Starts creditflow services as separate NestJS applications, each with its own runtime, data
// directory and Kafka clients, as distributed mode runs them (minus the process boundary).
import { INestApplication, Type } from '@nestjs/common';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpsModule } from '@creditflow/ops-service';
import { PricingModule } from '@creditflow/pricing-service';
import { RefundModule } from '@creditflow/refund-service';
import { SchedulerModule } from '@creditflow/scheduler-service';
import { Runtime, ServiceName, createRuntime, hostServices } from '@creditflow/shell';
import { WalletModule } from '@creditflow/wallet-service';

const MODULES: Record<ServiceName, Type<unknown>> = {
  pricing: PricingModule,
  wallet: WalletModule,
  'subscription-scheduler': SchedulerModule,
  refund: RefundModule,
};

export interface RunningService {
  name: ServiceName;
  url: string;
  dataDir: string;
  runtime: Runtime;
  app: INestApplication;
  stop(): Promise<void>;
}

export async function startService(name: ServiceName, env: Record<string, string>, dataRoot: string): Promise<RunningService> {
  const runtime = await createRuntime('distributed', name, { ...env, CREDITFLOW_DATA_DIR: dataRoot });
  // As apps/wallet/src/main.ts does: the ops read models live beside the wallet's store.
  const extras = name === 'wallet' ? [OpsModule] : [];
  const app = await hostServices({ runtime, services: [{ name, module: MODULES[name] }], extras, port: 0, logger: ['error'] });
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    name, url, dataDir: runtime.dataDir, runtime, app,
    stop: async () => {
      await app.close();
      await runtime.close();
    },
  };
}

export function tempDataRoot(prefix = 'creditflow-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** How long an e2e test waits (`waitFor` of @creditflow/kernel/testing) for something to cross the broker. */
export const E2E_WAIT_MS = 45_000;

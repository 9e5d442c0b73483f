// The subscription-scheduler service as its own process (distributed mode).
import 'reflect-metadata';
import { createRuntime, hostServices } from '@creditflow/shell';
import { SchedulerModule } from '@creditflow/scheduler-service';

async function main() {
  const runtime = await createRuntime('distributed', 'subscription-scheduler');
  await hostServices({ runtime, services: [{ name: 'subscription-scheduler', module: SchedulerModule }], port: Number(process.env.PORT ?? 3003) });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

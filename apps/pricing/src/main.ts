// The pricing service as its own process (distributed mode).
import 'reflect-metadata';
import { createRuntime, hostServices } from '@creditflow/shell';
import { PricingModule } from '@creditflow/pricing-service';

async function main() {
  const runtime = await createRuntime('distributed', 'pricing');
  await hostServices({ runtime, services: [{ name: 'pricing', module: PricingModule }], port: Number(process.env.PORT ?? 3001) });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

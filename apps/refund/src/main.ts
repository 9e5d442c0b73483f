// The refund service as its own process (distributed mode).
import 'reflect-metadata';
import { createRuntime, hostServices } from '@creditflow/shell';
import { RefundModule } from '@creditflow/refund-service';

async function main() {
  const runtime = await createRuntime('distributed', 'refund');
  await hostServices({ runtime, services: [{ name: 'refund', module: RefundModule }], port: Number(process.env.PORT ?? 3004) });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

// The wallet as its own process (distributed mode).
import 'reflect-metadata';
import { createRuntime, hostServices } from '@creditflow/shell';
import { WalletModule } from '@creditflow/wallet-service';

async function main() {
  const runtime = await createRuntime('distributed', 'wallet');
  await hostServices({ runtime, services: [{ name: 'wallet', module: WalletModule }], port: Number(process.env.PORT ?? 3002) });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

// Starts a Nest application hosting one or more services: HTTP on one port, and one bus transport
// (its own consumer group) per service; the OpenAPI document of what it hosts at /openapi.json and /docs.
import { INestApplication, Logger, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BusTransport } from './bus.transport';
import { CoreModule } from './core.module';
import { createOpenApiDocument, serveOpenApi } from './openapi';
import { ConfigError } from './config';
import { Runtime, ServiceName, TRANSPORT, createRuntime } from './runtime';

export interface HostOptions {
  runtime: Runtime;
  services: { name: ServiceName; module: Type<unknown> }[];
  /** Modules without bus handlers of their own, e.g. the ops read models beside the wallet. */
  extras?: Type<unknown>[];
  port?: number;
  logger?: false | ('error' | 'warn' | 'log')[];
}

export async function hostServices({ runtime, services, extras = [], port, logger }: HostOptions): Promise<INestApplication> {
  @Module({ imports: [CoreModule.forRoot(runtime), ...services.map((s) => s.module), ...extras] })
  class HostModule {}

  const app = await NestFactory.create(HostModule, { logger: logger ?? ['error', 'warn', 'log'], bodyParser: true });
  app.enableShutdownHooks();
  serveOpenApi(app, createOpenApiDocument(app, { services: services.map((s) => s.name), mode: runtime.mode }));
  for (const service of services) {
    const transport = new BusTransport(runtime.bus, `${runtime.groupPrefix}-${service.name}`);
    transport.setTransportId(TRANSPORT[service.name]);
    app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
  }
  await app.startAllMicroservices();
  await app.listen(port ?? 0, '0.0.0.0');
  const url = await app.getUrl();
  new Logger('creditflow').log(`${services.map((s) => s.name).join(', ')} (${runtime.mode}) listening on ${url}`);
  return app;
}

/** A service's `main`: one process in distributed mode, exiting with the error if it cannot start. */
export function runService(name: ServiceName, module: Type<unknown>, defaultPort: number, extras: Type<unknown>[] = []): void {
  (async () => {
    const runtime = await createRuntime('distributed', name);
    await hostServices({ runtime, services: [{ name, module }], extras, port: runtime.port ?? defaultPort });
  })().catch((error) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
}

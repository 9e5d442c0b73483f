// Starts a Nest application hosting one or more services: HTTP on one port, and one bus transport
// (its own consumer group) per service; the OpenAPI document of what it hosts at /openapi.json and /docs.
// Logs go to the runtime's pino logger (Nest's own included), every request is measured and logged
// (observability/http-observability.ts), every answer carries the security headers (helmet), and
// each transport reports its consumer to readiness.
import { INestApplication, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import helmet from 'helmet';
import { BusTransport } from './bus.transport';
import { CoreModule } from './core.module';
import { createOpenApiDocument, serveOpenApi } from './openapi';
import { ConfigError } from './config';
import { httpObservability } from './observability/http-observability';
import { PinoNestLogger, levelOfNestLevels } from './observability/logging';
import { Runtime, ServiceName, TRANSPORT, createRuntime } from './runtime';

export interface HostOptions {
  runtime: Runtime;
  services: { name: ServiceName; module: Type<unknown> }[];
  /** Modules without bus handlers of their own, e.g. the ops read models beside the wallet. */
  extras?: Type<unknown>[];
  port?: number;
  /** Overrides LOG_LEVEL with Nest's level names (the most verbose one named applies); false: silent. */
  logger?: false | ('error' | 'warn' | 'log')[];
}

export async function hostServices({ runtime, services, extras = [], port, logger }: HostOptions): Promise<INestApplication> {
  @Module({ imports: [CoreModule.forRoot(runtime), ...services.map((s) => s.module), ...extras] })
  class HostModule {}

  const { observability } = runtime;
  const log = observability.logger;
  if (logger !== undefined) log.level = levelOfNestLevels(logger);
  const app = await NestFactory.create(HostModule, { logger: new PinoNestLogger(log), bodyParser: true });
  // First of all middleware, so that requests the body parser refuses are measured and logged too.
  app.use(httpObservability(log, observability.metrics));
  app.use(securityHeaders());
  app.enableShutdownHooks();
  serveOpenApi(app, createOpenApiDocument(app, { services: services.map((s) => s.name), mode: runtime.mode }));
  for (const service of services) {
    const transport = new BusTransport(runtime.bus, `${runtime.groupPrefix}-${service.name}`, observability);
    transport.setTransportId(TRANSPORT[service.name]);
    app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
  }
  await app.startAllMicroservices();
  await app.listen(port ?? 0, '0.0.0.0');
  const url = await app.getUrl();
  log.info({ services: services.map((s) => s.name), mode: runtime.mode, url }, `${services.map((s) => s.name).join(', ')} (${runtime.mode}) listening on ${url}`);
  return app;
}

/**
 * helmet's standard headers on every answer (errors and probes included), and no X-Powered-By. Its
 * Content-Security-Policy fits what we serve: the dashboard and Swagger UI load only their own
 * scripts and styles, and call only this origin. Without upgrade-insecure-requests: the services
 * speak plain HTTP (TLS ends before them), and a browser told to upgrade would fetch the dashboard's
 * own scripts over https from a port that has none.
 */
export function securityHeaders() {
  return helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
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

// The global module every service shares: the runtime's pieces as narrow providers (providers.ts),
// API-key auth on every route,
// one validation pipe for bodies and ids, one error shape (each context registers its error
// statuses, see http-context.ts), the manual clock endpoint, health (/health/live, /health/ready,
// /health) and the Prometheus metrics (/metrics), and the request context of every HTTP request.
import { Body, Controller, DynamicModule, Get, Global, Header, HttpCode, Inject, MiddlewareConsumer, Module, NestModule, Post, RequestMethod } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE, Reflector } from '@nestjs/core';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { IsISO8601 } from 'class-validator';
import { ApiKeyGuard, CurrentPrincipal, Principal, Public, Roles } from './auth';
import { CLOCK, ManualClock, clockChanges } from './clock';
import { ApiError, ErrorAnswer, ErrorFilter } from './errors';
import { HttpContextRegistry } from './http-context';
import { Runtime } from './runtime';
import { Deployment, EVENT_STORE, MESSAGE_BUS, PlatformClock } from './providers';
import { Tenants } from '@creditflow/tenancy';
import type { EventStore } from '@creditflow/event-store';
import { ApiAnswer, ApiErrors, oa } from './openapi';
import { RequestValidationPipe } from './validation';
import { RequestContextMiddleware } from './observability/http-observability';
import { Observability } from './observability/observability';

class ClockBody {
  @IsISO8601({ strict: true }) now!: string;
}

const CHECK = oa.object({ status: oa.enum('ok', 'failing'), error: oa.string }, ['error']);
const READINESS = oa.object(
  {
    status: oa.enum('ok', 'unavailable'), mode: oa.enum('embedded', 'distributed'), now: oa.time,
    checks: oa.object({ store: CHECK, bus: CHECK, consumers: CHECK, readModels: CHECK }),
  },
);
const CLOCK_HISTORY = oa.object({
  now: oa.time,
  manual: { type: 'boolean', description: 'whether the clock is settable (CREDITFLOW_CLOCK=manual)' },
  changes: oa.array(oa.object(
    {
      now: { ...oa.time, description: 'the time it was set to' }, previous: { ...oa.nullable(oa.time), description: 'the time it showed before (null: never set before)' },
      by: { type: 'string', description: '<tenant>/<role> of the key that set it' }, recordedAt: { ...oa.time, description: 'when (system time)' },
      principal: { type: 'object', description: 'the key: kind api-key, its id (first 12 hex digits of its SHA-256), tenant and role', additionalProperties: true },
    },
    ['principal'],
  )),
});
const NOT_READY = { description: 'Not ready: the checks that fail say why (`error: "not_ready"`)', schema: oa.object({ error: oa.enum('not_ready'), message: oa.string }) };

@ApiTags('platform')
@Controller()
class PlatformController {
  constructor(
    @Inject(CLOCK) private readonly clock: PlatformClock,
    private readonly deployment: Deployment,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly observability: Observability,
  ) {}

  @ApiOperation({ summary: 'Liveness: the process answers (no key needed; checks nothing else, so a broker outage never restarts it)' })
  @ApiAnswer('Alive', oa.object({ status: oa.enum('ok') }))
  @Public()
  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  @ApiOperation({
    summary: 'Readiness (no key needed): the event store answers, the message bus is reachable (Kafka: the cluster answers), every consumer runs, and every read model is within CREDITFLOW_READY_MAX_PROJECTION_LAG events of the store. 503 otherwise.',
  })
  @ApiAnswer('Ready', READINESS)
  @ApiResponse({ status: 503, ...NOT_READY })
  @Public()
  @Get('health/ready')
  ready() {
    return this.readiness();
  }

  @ApiOperation({ summary: 'The same as /health/ready (kept from version 1): the mode, the platform clock and the checks (no key needed)' })
  @ApiAnswer('Ready', READINESS)
  @ApiResponse({ status: 503, ...NOT_READY })
  @Public()
  @Get('health')
  health() {
    return this.readiness();
  }

  private async readiness() {
    const { ready, checks } = await this.observability.readiness();
    const body = { status: ready ? 'ok' : 'unavailable', mode: this.deployment.mode, now: this.clock.now().toISOString(), checks };
    if (ready) return body;
    const failing = Object.entries(checks).filter(([, c]) => c.status !== 'ok').map(([name, c]) => `${name}: ${c.error}`);
    throw new ErrorAnswer(503, { error: 'not_ready', message: failing.join('; '), ...body });
  }

  @ApiOperation({
    summary: "Set the platform's clock (only when started with CREDITFLOW_CLOCK=manual; 404 otherwise). Once set it only moves forward (422 backwards), and it survives a restart.",
  })
  @ApiAnswer('The clock now', oa.object({ now: oa.time }))
  @ApiErrors(404, 422)
  @Roles('admin')
  @Post('v1/admin/clock')
  @HttpCode(200)
  async setClock(@Body() body: ClockBody, @CurrentPrincipal() who: Principal) {
    if (!(this.clock instanceof ManualClock)) throw new ApiError(404, 'not_found', 'the clock is settable only when started with CREDITFLOW_CLOCK=manual');
    await this.clock.setAndRecord(new Date(body.now), this.store, `${who.tenant}/${who.role}`);
    return { now: this.clock.now().toISOString() };
  }

  @ApiOperation({
    summary: "The platform's clock and every change an admin made to it (oldest first): who (the key's tenant/role and id), from what, to what, when. Changes are kept in the event store (stream clock-platform) in every mode.",
  })
  @ApiAnswer('The clock and its history', CLOCK_HISTORY)
  @Roles('ops')
  @Get('v1/admin/clock')
  async clockHistory() {
    return { now: this.clock.now().toISOString(), manual: this.clock.manual, changes: await clockChanges(this.store) };
  }
}

@ApiTags('platform')
@Controller()
class MetricsController {
  constructor(private readonly observability: Observability) {}

  @ApiOperation({ summary: "This process's metrics in the Prometheus text format (no key needed)" })
  @ApiProduces(Registry.PROMETHEUS_CONTENT_TYPE)
  @ApiResponse({ status: 200, description: 'The metrics', content: { [Registry.PROMETHEUS_CONTENT_TYPE]: { schema: oa.string } } })
  @Public()
  @Get('metrics')
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  async metrics(): Promise<string> {
    return (await this.observability.metrics.scrape()).body;
  }
}

@Global()
@Module({})
export class CoreModule implements NestModule {
  static forRoot(runtime: Runtime): DynamicModule {
    return {
      module: CoreModule,
      controllers: [PlatformController, MetricsController],
      providers: [
        { provide: Observability, useValue: runtime.observability },
        { provide: EVENT_STORE, useValue: runtime.store },
        { provide: MESSAGE_BUS, useValue: runtime.bus },
        { provide: Tenants, useValue: runtime.tenants },
        { provide: CLOCK, useValue: runtime.clock },
        { provide: Deployment, useValue: new Deployment(runtime.mode, runtime.dataDir, runtime.groupPrefix, runtime.schedulerIntervalMs, runtime.webhooks, runtime.reconcileIntervalMs, runtime.tenantsDir, runtime.wallet) },
        { provide: APP_GUARD, useFactory: (reflector: Reflector) => new ApiKeyGuard(reflector, runtime.apiKeys, runtime.tenants), inject: [Reflector] },
        HttpContextRegistry,
        { provide: APP_FILTER, useClass: ErrorFilter },
        { provide: APP_PIPE, useClass: RequestValidationPipe },
      ],
      exports: [EVENT_STORE, MESSAGE_BUS, Tenants, CLOCK, Deployment, HttpContextRegistry, Observability],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestContextMiddleware).forRoutes({ path: '*path', method: RequestMethod.ALL });
  }
}

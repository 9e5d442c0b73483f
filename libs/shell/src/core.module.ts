// The global module every service shares: the runtime's pieces as narrow providers (providers.ts),
// API-key auth on every route,
// one validation pipe for bodies and ids, one error shape (each context registers its error
// statuses, see http-context.ts), and the manual clock endpoint.
import { Body, Controller, DynamicModule, Get, Global, HttpCode, Inject, Module, Post } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE, Reflector } from '@nestjs/core';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsISO8601 } from 'class-validator';
import { ApiKeyGuard, CurrentPrincipal, Principal, Public, Roles } from './auth';
import { CLOCK, ManualClock } from './clock';
import { ApiError, ErrorFilter } from './errors';
import { HttpContextRegistry } from './http-context';
import { Runtime } from './runtime';
import { Deployment, EVENT_STORE, MESSAGE_BUS, PlatformClock } from './providers';
import { Tenants } from '@creditflow/tenancy';
import type { EventStore } from '@creditflow/event-store';
import { ApiAnswer, ApiErrors, oa } from './openapi';
import { RequestValidationPipe } from './validation';

class ClockBody {
  @IsISO8601({ strict: true }) now!: string;
}

@ApiTags('platform')
@Controller()
class PlatformController {
  constructor(
    @Inject(CLOCK) private readonly clock: PlatformClock,
    private readonly deployment: Deployment,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @ApiOperation({ summary: 'Liveness, the mode and the platform clock (no key needed)' })
  @ApiAnswer('Up', oa.object({ status: oa.enum('ok'), mode: oa.enum('embedded', 'distributed'), now: oa.time }))
  @Public()
  @Get('health')
  health() {
    return { status: 'ok', mode: this.deployment.mode, now: this.clock.now().toISOString() };
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
}

@Global()
@Module({})
export class CoreModule {
  static forRoot(runtime: Runtime): DynamicModule {
    return {
      module: CoreModule,
      controllers: [PlatformController],
      providers: [
        { provide: EVENT_STORE, useValue: runtime.store },
        { provide: MESSAGE_BUS, useValue: runtime.bus },
        { provide: Tenants, useValue: runtime.tenants },
        { provide: CLOCK, useValue: runtime.clock },
        { provide: Deployment, useValue: new Deployment(runtime.mode, runtime.dataDir, runtime.groupPrefix, runtime.schedulerIntervalMs) },
        { provide: APP_GUARD, useFactory: (reflector: Reflector) => new ApiKeyGuard(reflector, runtime.apiKeys, runtime.tenants), inject: [Reflector] },
        HttpContextRegistry,
        { provide: APP_FILTER, useClass: ErrorFilter },
        { provide: APP_PIPE, useClass: RequestValidationPipe },
      ],
      exports: [EVENT_STORE, MESSAGE_BUS, Tenants, CLOCK, Deployment, HttpContextRegistry],
    };
  }
}

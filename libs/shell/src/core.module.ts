// The global module every service shares: runtime pieces as providers, API-key auth on every route,
// one validation pipe for bodies and ids, one error shape (each context registers its error
// statuses, see http-context.ts), and the manual clock endpoint.
import { Body, Controller, DynamicModule, Get, Global, HttpCode, Module, Post } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE, Reflector } from '@nestjs/core';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsISO8601 } from 'class-validator';
import { ApiKeyGuard, Public, Roles } from './auth';
import { CLOCK, ManualClock } from './clock';
import { ApiError, ErrorFilter } from './errors';
import { HttpContextRegistry } from './http-context';
import { Runtime } from './runtime';
import { ApiAnswer, ApiErrors, oa } from './openapi';
import { RequestValidationPipe } from './validation';

export const RUNTIME = Symbol('RUNTIME');

class ClockBody {
  @IsISO8601({ strict: true }) now!: string;
}

function clockController(runtime: Runtime) {
  @ApiTags('platform')
  @Controller()
  class PlatformController {
    @ApiOperation({ summary: 'Liveness, the mode and the platform clock (no key needed)' })
    @ApiAnswer('Up', oa.object({ status: oa.enum('ok'), mode: oa.enum('embedded', 'distributed'), now: oa.time }))
    @Public()
    @Get('health')
    health() {
      return { status: 'ok', mode: runtime.mode, now: runtime.clock.now().toISOString() };
    }

    @ApiOperation({ summary: "Set the platform's clock (only when started with CREDITFLOW_CLOCK=manual; 404 otherwise)" })
    @ApiAnswer('The clock now', oa.object({ now: oa.time }))
    @ApiErrors(404)
    @Roles('admin')
    @Post('v1/admin/clock')
    @HttpCode(200)
    setClock(@Body() body: ClockBody) {
      if (!(runtime.clock instanceof ManualClock)) throw new ApiError(404, 'not_found', 'the clock is settable only when started with CREDITFLOW_CLOCK=manual');
      runtime.clock.set(new Date(body.now));
      return { now: runtime.clock.now().toISOString() };
    }
  }
  return PlatformController;
}

@Global()
@Module({})
export class CoreModule {
  static forRoot(runtime: Runtime): DynamicModule {
    return {
      module: CoreModule,
      controllers: [clockController(runtime)],
      providers: [
        { provide: RUNTIME, useValue: runtime },
        { provide: CLOCK, useValue: runtime.clock },
        { provide: APP_GUARD, useFactory: (reflector: Reflector) => new ApiKeyGuard(reflector, runtime.apiKeys), inject: [Reflector] },
        HttpContextRegistry,
        { provide: APP_FILTER, useClass: ErrorFilter },
        { provide: APP_PIPE, useClass: RequestValidationPipe },
      ],
      exports: [RUNTIME, CLOCK, HttpContextRegistry],
    };
  }
}

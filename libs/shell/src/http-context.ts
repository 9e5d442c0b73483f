// What a bounded context tells the shell about its HTTP edge: the status of each of its error codes
// and the named schemas its OpenAPI fragments refer to. The shell knows no context; each context's
// module imports HttpContextModule.forFeature(...) with its own, and the shell's error filter and
// OpenAPI document read the registry.
import { DynamicModule, Inject, Injectable, Module } from '@nestjs/common';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/**
 * Error code -> HTTP status. A key is a code (`WALLET.ID_REUSED`) or a family (`PRICING.*`: every
 * code of that family); the exact code wins. A code no table names is a refused business rule: 422.
 */
export type ErrorStatusTable = Readonly<Record<string, number>>;

export interface HttpContext {
  errorStatus?: ErrorStatusTable;
  /** Schemas for #/components/schemas, referenced as oa.ref(name) by the context's routes. */
  schemas?: Readonly<Record<string, SchemaObject>>;
}

/** The shared kernel's own errors are malformed input: an amount or a sum of money that does not parse. */
const KERNEL_ERROR_STATUS: ErrorStatusTable = { 'AMOUNT.*': 400, 'MONEY.*': 400 };

const REFUSED = 422;

/** Every context's contribution to one application (one per Nest app: tests host several in a process). */
@Injectable()
export class HttpContextRegistry {
  private readonly statuses = new Map<string, number>();
  private readonly named = new Map<string, SchemaObject>();

  constructor() {
    this.register({ errorStatus: KERNEL_ERROR_STATUS });
  }

  /** Two contexts may name the same code or schema only if they agree (e.g. pricing errors answered by the wallet too). */
  register({ errorStatus = {}, schemas = {} }: HttpContext): void {
    for (const [code, status] of Object.entries(errorStatus)) {
      const known = this.statuses.get(code);
      if (known !== undefined && known !== status) throw new Error(`error code ${code} is mapped to both ${known} and ${status}`);
      this.statuses.set(code, status);
    }
    for (const [name, schema] of Object.entries(schemas)) {
      const known = this.named.get(name);
      if (known && JSON.stringify(known) !== JSON.stringify(schema)) throw new Error(`two contexts define the OpenAPI schema ${name} differently`);
      this.named.set(name, schema);
    }
  }

  statusOf(code: string): number {
    return this.statuses.get(code) ?? this.statuses.get(`${code.slice(0, code.indexOf('.'))}.*`) ?? REFUSED;
  }

  schemas(): Record<string, SchemaObject> {
    return Object.fromEntries(this.named);
  }
}

const HTTP_CONTEXT = Symbol('HTTP_CONTEXT');

@Injectable()
class HttpContextRegistration {
  constructor(@Inject(HTTP_CONTEXT) context: HttpContext, registry: HttpContextRegistry) {
    registry.register(context);
  }
}

/** A context's module imports `HttpContextModule.forFeature({errorStatus, schemas})`; CoreModule provides the registry. */
@Module({})
export class HttpContextModule {
  static forFeature(context: HttpContext): DynamicModule {
    return { module: HttpContextModule, providers: [{ provide: HTTP_CONTEXT, useValue: context }, HttpContextRegistration] };
  }
}

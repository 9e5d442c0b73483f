// One validation pipe for the HTTP edge, registered once (APP_PIPE in CoreModule). It checks:
// - a @Body() against its class from libs/contracts (class-validator, unknown fields refused);
// - a path parameter naming an id, declared with @IdParam(name), against the one id rule;
// - the body of a route that takes none, declared with @NoBody(): it must be absent or empty.
// Every refusal is a 400 `invalid_request`. The OpenAPI document shows the body schemas (openapi.ts),
// the id parameters and the 400 answers.
import { ArgumentMetadata, ExecutionContext, Injectable, PipeTransform, createParamDecorator } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { ID, ID_MESSAGE, validatePayload } from '@creditflow/contracts';
import { ApiError } from './errors';
import { ApiErrors } from './openapi';

/** What @IdParam hands the pipe, so it knows the argument is an id and its name. */
class IdInPath {
  constructor(readonly name: string) {}
}

/** What @NoBody hands the pipe. */
class EmptyBody {}
const EMPTY_BODY = new EmptyBody();

/** Metatypes that name no contracts class (untyped bodies, and the batches of bus handlers). */
const NOT_A_CONTRACT = new Set<unknown>([undefined, Object, Array, String, Number, Boolean]);

@Injectable()
export class RequestValidationPipe implements PipeTransform {
  transform(value: unknown, { type, metatype, ...metadata }: ArgumentMetadata): unknown {
    const data: unknown = metadata.data; // a custom decorator's argument, whatever its type
    if (type === 'body' && !NOT_A_CONTRACT.has(metatype)) return validBody(metatype as new () => object, value ?? {});
    if (type === 'custom' && data instanceof IdInPath) return validId(data.name, value);
    if (type === 'custom' && data === EMPTY_BODY) return emptyBody(value);
    return value;
  }
}

function validBody<T extends object>(cls: new () => T, value: unknown): T {
  const result = validatePayload(cls, value);
  if (!result.ok) throw new ApiError(400, 'invalid_request', result.problems.join('; '), { problems: result.problems });
  return result.value;
}

function validId(name: string, value: unknown): string {
  if (typeof value !== 'string' || !ID.test(value)) throw new ApiError(400, 'invalid_request', `${name} ${ID_MESSAGE}`);
  return value;
}

function emptyBody(value: unknown): undefined {
  if (value === undefined) return undefined;
  const problems =
    value === null || typeof value !== 'object' || Array.isArray(value)
      ? ['body must be empty or a JSON object without fields']
      : Object.keys(value).map((field) => `property ${field} should not exist`);
  if (problems.length) throw new ApiError(400, 'invalid_request', problems.join('; '), { problems });
  return undefined;
}

/** Applies method decorators (documentation) from a parameter decorator. */
function documentMethod(target: object, key: string | symbol | undefined, ...decorators: MethodDecorator[]): void {
  const method = key === undefined ? undefined : Object.getOwnPropertyDescriptor(target, key);
  if (key === undefined || !method) return;
  for (const decorate of decorators) decorate(target, key, method);
}

const pathParam = createParamDecorator((id: IdInPath, ctx: ExecutionContext) => ctx.switchToHttp().getRequest().params[id.name]);
const requestBody = createParamDecorator((_: EmptyBody, ctx: ExecutionContext) => ctx.switchToHttp().getRequest().body);

/** A path parameter that names an id (account, usage, refund): same rule as ids in bodies. */
export const IdParam =
  (name: string): ParameterDecorator =>
  (target, key, index) => {
    pathParam(new IdInPath(name))(target, key, index);
    documentMethod(target, key, ApiParam({ name, required: true, description: `${name} ${ID_MESSAGE}`, schema: { type: 'string', pattern: ID.source } }), ApiErrors(400));
  };

/** The body of a route that takes none: refused (400) if it has any field. Not documented as a request body. */
export const NoBody =
  (): ParameterDecorator =>
  (target, key, index) => {
    requestBody(EMPTY_BODY)(target, key, index);
    documentMethod(target, key, ApiErrors(400));
  };

import { ArgumentMetadata, Body, Injectable, PipeTransform } from '@nestjs/common';
import { ID, ID_MESSAGE, validatePayload } from '@creditflow/contracts';
import { ApiBody } from '@nestjs/swagger';
import { ApiError } from './errors';
import { ApiErrors } from './openapi';

@Injectable()
class ValidateWith<T extends object> implements PipeTransform {
  constructor(private readonly cls: new () => T) {}

  transform(value: unknown, _meta: ArgumentMetadata): T {
    const result = validatePayload(this.cls, value ?? {});
    if (!result.ok) throw new ApiError(400, 'invalid_request', result.problems.join('; '), { problems: result.problems });
    return result.value;
  }
}

/**
 * The request body, validated against a contracts class (unknown fields refused). It also documents
 * the body (its schema comes from the class's validation rules, see openapi.ts) and the 400 answer.
 */
export const ValidBody =
  <T extends object>(cls: new () => T): ParameterDecorator =>
  (target, key, index) => {
    Body(new ValidateWith(cls))(target, key, index);
    const method = key === undefined ? undefined : Object.getOwnPropertyDescriptor(target, key);
    if (key === undefined || !method) return;
    ApiBody({ schema: { $ref: `#/components/schemas/${cls.name}` } })(target, key, method);
    ApiErrors(400)(target, key, method);
  };

/** A path parameter that names an id (account, usage): same rule as ids in bodies. */
export function idParam(name: string, value: string): string {
  if (!ID.test(value)) throw new ApiError(400, 'invalid_request', `${name} ${ID_MESSAGE}`);
  return value;
}

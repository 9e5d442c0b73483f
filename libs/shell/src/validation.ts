import { ArgumentMetadata, Body, Injectable, PipeTransform } from '@nestjs/common';
import { ID, ID_MESSAGE, validatePayload } from '@creditflow/contracts';
import { ApiError } from './errors';

@Injectable()
class ValidateWith<T extends object> implements PipeTransform {
  constructor(private readonly cls: new () => T) {}

  transform(value: unknown, _meta: ArgumentMetadata): T {
    const result = validatePayload(this.cls, value ?? {});
    if (!result.ok) throw new ApiError(400, 'invalid_request', result.problems.join('; '), { problems: result.problems });
    return result.value;
  }
}

/** The request body, validated against a contracts class (unknown fields refused). */
export const ValidBody = <T extends object>(cls: new () => T) => Body(new ValidateWith(cls));

/** A path parameter that names an id (account, usage): same rule as ids in bodies. */
export function idParam(name: string, value: string): string {
  if (!ID.test(value)) throw new ApiError(400, 'invalid_request', `${name} ${ID_MESSAGE}`);
  return value;
}

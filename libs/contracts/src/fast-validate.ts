// Hand-written checks for the payloads every consumed message carries (the CloudEvent envelope, the
// priced usage the wallet consumes): class-transformer and class-validator cost a consumer more than
// the rest of its work on a message. A check here answers only "surely valid": it accepts a narrower
// set than the class's decorators (every field checked as the decorator checks it, unknown fields,
// nulls and unusual forms refused), and anything it does not accept goes through validatePayload,
// which accepts or refuses it with its problems exactly as before. So a message is accepted or
// refused as it always was; only the cost of the common case changes (fast-validate.unit.spec.ts
// checks that nothing the fast checks accept is refused by the classes).
import { CloudEvent, CloudEventEnvelope } from './cloud-event';
import { DECIMAL, ID, TENANT_ID } from './fields';
import { AuthorizeUsageRequest, PricedUsage, USAGE_COMMAND_TYPES, UsageStepRequest } from './usage/usage.messages';
import { MAX_NESTING, Validated, nestedDeeperThan, reservedKeyIn, validatePayload } from './validate';

type Plain = Record<string, unknown>;

/** A plain JSON object (not an array, not null). */
function isObject(value: unknown): value is Plain {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Every own key is one of `allowed`. */
function onlyKeys(value: Plain, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

const str = (v: unknown, max: number): boolean => typeof v === 'string' && v.length <= max;
const nonEmpty = (v: unknown, max: number): boolean => typeof v === 'string' && v.length > 0 && v.length <= max;
const matching = (v: unknown, pattern: RegExp): boolean => typeof v === 'string' && pattern.test(v);
/** Optional fields: absent, or valid as `check` says (null is left to the full validation). */
const optional = (v: unknown, check: (v: unknown) => boolean): boolean => v === undefined || check(v);

/** `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`: a subset of what @IsISO8601 accepts (what the platform writes). */
const ISO_TIME = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
const EVENT_TYPE = /^creditflow\.[a-z-]+\.[a-z-]+$/;
const ENVELOPE_KEYS = new Set(['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'tenantid', 'traceparent', 'causationid', 'data']);

/** Surely passes CloudEventEnvelope's decorators (see cloud-event.ts); false: not known (validate in full). */
export function surelyValidEnvelope(value: unknown): boolean {
  if (!isObject(value) || !onlyKeys(value, ENVELOPE_KEYS)) return false;
  return (
    value.specversion === '1.0' &&
    nonEmpty(value.id, 200) &&
    nonEmpty(value.source, 200) &&
    matching(value.type, EVENT_TYPE) &&
    optional(value.subject, (v) => str(v, 128)) &&
    optional(value.time, (v) => matching(v, ISO_TIME)) &&
    optional(value.datacontenttype, (v) => v === 'application/json') &&
    matching(value.tenantid, TENANT_ID) &&
    optional(value.traceparent, (v) => str(v, 512)) &&
    optional(value.causationid, (v) => str(v, 400)) &&
    isObject(value.data)
  );
}

const ACTIONS = new Set(Object.keys(USAGE_COMMAND_TYPES));
const REASONS = new Set(['platform_error', 'cancelled']);
const PRICED_USAGE_KEYS = new Set(['action', 'usageId', 'accountId', 'userId', 'feature', 'options', 'reason', 'price', 'error']);
const OPTION_KEYS = new Set(['model', 'resolution', 'quality', 'detail', 'quantity']);
const PRICE_KEYS = new Set(['credits', 'phases', 'priceVersion']);
const PHASES_KEYS = new Set(['generate', 'accept']);
const REFUSAL_KEYS = new Set(['error', 'message', 'details']);

const quantity = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 10_000;

/** Surely passes PricedUsage's decorators (see usage.messages.ts); false: not known (validate in full). */
export function surelyValidPricedUsage(value: unknown): boolean {
  if (!isObject(value) || !onlyKeys(value, PRICED_USAGE_KEYS)) return false;
  return (
    typeof value.action === 'string' && ACTIONS.has(value.action) &&
    matching(value.usageId, ID) &&
    matching(value.accountId, ID) &&
    optional(value.userId, (v) => matching(v, ID)) &&
    optional(value.feature, (v) => str(v, 64)) &&
    optional(value.options, (o) =>
      isObject(o) && onlyKeys(o, OPTION_KEYS) &&
      optional(o.model, (v) => str(v, 64)) && optional(o.resolution, (v) => str(v, 64)) && optional(o.quality, (v) => str(v, 64)) &&
      optional(o.detail, (v) => str(v, 64)) && optional(o.quantity, quantity)) &&
    optional(value.reason, (v) => typeof v === 'string' && REASONS.has(v)) &&
    optional(value.price, (p) =>
      isObject(p) && onlyKeys(p, PRICE_KEYS) && matching(p.credits, DECIMAL) && str(p.priceVersion, 64) &&
      optional(p.phases, (ph) => isObject(ph) && onlyKeys(ph, PHASES_KEYS) && matching(ph.generate, DECIMAL) && matching(ph.accept, DECIMAL))) &&
    optional(value.error, (e) =>
      isObject(e) && onlyKeys(e, REFUSAL_KEYS) && str(e.error, 128) && str(e.message, 1024) && optional(e.details, isObject))
  );
}

const AUTHORIZE_KEYS = new Set(['usageId', 'accountId', 'userId', 'feature', 'model', 'resolution', 'quality', 'detail', 'quantity']);
const STEP_KEYS = new Set(['usageId', 'accountId', 'reason']);

/** Surely passes AuthorizeUsageRequest's decorators (QuoteRequest's and the ids); false: not known (validate in full). */
export function surelyValidAuthorize(value: unknown): boolean {
  if (!isObject(value) || !onlyKeys(value, AUTHORIZE_KEYS)) return false;
  return (
    matching(value.usageId, ID) && matching(value.accountId, ID) && optional(value.userId, (v) => matching(v, ID)) &&
    str(value.feature, 64) && optional(value.model, (v) => str(v, 64)) && optional(value.resolution, (v) => str(v, 64)) &&
    optional(value.quality, (v) => str(v, 64)) && optional(value.detail, (v) => str(v, 64)) && optional(value.quantity, quantity)
  );
}

/** Surely passes UsageStepRequest's decorators; false: not known (validate in full). */
export function surelyValidUsageStep(value: unknown): boolean {
  if (!isObject(value) || !onlyKeys(value, STEP_KEYS)) return false;
  return matching(value.usageId, ID) && optional(value.accountId, (v) => matching(v, ID)) && optional(value.reason, (v) => typeof v === 'string' && REASONS.has(v));
}

/** validatePayload, skipped where `surely` vouches for the value (and the nesting and key checks pass). */
function validateWith<T extends object>(cls: new () => T, surely: (value: unknown) => boolean, plain: unknown): Validated<T> {
  if (surely(plain) && !nestedDeeperThan(plain, MAX_NESTING) && reservedKeyIn(plain) === null) return { ok: true, value: plain as T };
  return validatePayload(cls, plain);
}

/** A consumed message's envelope, as validatePayload(CloudEventEnvelope, json) answers it. */
export function validateEnvelope(json: unknown): Validated<CloudEvent<Record<string, unknown>>> {
  return validateWith(CloudEventEnvelope, surelyValidEnvelope, json);
}

/** A priced usage command's data, as validatePayload(PricedUsage, data) answers it. */
export function validatePricedUsage(data: unknown): Validated<PricedUsage> {
  return validateWith(PricedUsage, surelyValidPricedUsage, data);
}

/** A usage command's authorize data, as validatePayload(AuthorizeUsageRequest, data) answers it. */
export function validateAuthorize(data: unknown): Validated<AuthorizeUsageRequest> {
  return validateWith(AuthorizeUsageRequest, surelyValidAuthorize, data);
}

/** A usage command's step data (complete, fail, accept, reject), as validatePayload(UsageStepRequest, data) answers it. */
export function validateUsageStep(data: unknown): Validated<UsageStepRequest> {
  return validateWith(UsageStepRequest, surelyValidUsageStep, data);
}

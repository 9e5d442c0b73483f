// CloudEvents 1.0, structured JSON mode: the whole envelope is the Kafka message value.
import { Equals, IsIn, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { TENANT_ID } from './fields';

export interface CloudEvent<T = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject?: string;
  time?: string;
  datacontenttype?: 'application/json';
  /** Extension attribute: the tenant the message belongs to. */
  tenantid: string;
  /**
   * Extension attribute of the CloudEvents distributed tracing extension: the W3C trace context
   * (`00-<trace id>-<parent span id>-<flags>`) of the work that produced this message. Optional; a
   * value that is not a valid traceparent is ignored (a new trace starts), never refused.
   */
  traceparent?: string;
  /** Extension attribute: the `id` of the message (or the stored event) that caused this one. */
  causationid?: string;
  data: T;
}

export class CloudEventEnvelope implements CloudEvent<Record<string, unknown>> {
  @Equals('1.0') specversion!: '1.0';
  @IsString() @IsNotEmpty() @MaxLength(200) id!: string;
  @IsString() @IsNotEmpty() @MaxLength(200) source!: string;
  @IsString() @Matches(/^creditflow\.[a-z-]+\.[a-z-]+$/) type!: string;
  @IsOptional() @IsString() @MaxLength(128) subject?: string;
  @IsOptional() @IsISO8601() time?: string;
  @IsOptional() @IsIn(['application/json']) datacontenttype?: 'application/json';
  @IsString() @Matches(TENANT_ID) tenantid!: string;
  @IsOptional() @IsString() @MaxLength(512) traceparent?: string;
  @IsOptional() @IsString() @MaxLength(400) causationid?: string;
  @IsObject() data!: Record<string, unknown>;
}

export function cloudEvent<T>(fields: Omit<CloudEvent<T>, 'specversion' | 'datacontenttype'>): CloudEvent<T> {
  return { specversion: '1.0', datacontenttype: 'application/json', ...fields };
}

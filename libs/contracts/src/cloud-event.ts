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
  @IsObject() data!: Record<string, unknown>;
}

export function cloudEvent<T>(fields: Omit<CloudEvent<T>, 'specversion' | 'datacontenttype'>): CloudEvent<T> {
  return { specversion: '1.0', datacontenttype: 'application/json', ...fields };
}

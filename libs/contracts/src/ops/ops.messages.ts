import { IsISO8601, IsObject } from 'class-validator';

/** POST /v1/admin/simulations (admin): a candidate tenant file (as JSON) and the period to replay under it. */
export class SimulationRequest {
  @IsISO8601({ strict: true }) from!: string;
  @IsISO8601({ strict: true }) to!: string;
  /** The tenant file's content as JSON, as `config/tenants/<tenant>.json` would hold it. */
  @IsObject() candidate!: Record<string, unknown>;
}

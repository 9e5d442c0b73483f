import { Body, Controller, HttpCode, Inject, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { SimulationRequest } from '@creditflow/contracts';
import type { EventStore } from '@creditflow/event-store';
import { toCsv } from '@creditflow/kernel';
import { ApiAnswer, ApiError, ApiErrors, CurrentTenant, EVENT_STORE, Roles } from '@creditflow/shell';
import { TenantConfig, parseTenantConfig } from '@creditflow/tenancy';
import { SimulationSchema } from './ops.openapi';
import { SIMULATION_CSV_COLUMNS, simulateStored } from './simulation';

/** Policy simulation for the key's tenant: what a candidate tenant file would have done over a recorded period. */
@ApiTags('ops')
@Controller('v1/admin/simulations')
export class SimulationsController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @ApiOperation({
    summary:
      "Replays the period's recorded usage through a candidate tenant file (as JSON) without writing anything: credits charged per feature and plan as recorded and under the candidate, denials, accounts that ran out earlier, breakage, claw-backs (see npm run ops -- simulate)",
  })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'], description: 'Default json; csv gives the per-feature rows (RFC 4180, header row)' })
  @ApiProduces('application/json', 'text/csv')
  @ApiAnswer('The simulation report', SimulationSchema)
  @ApiErrors(400, 422)
  @Roles('admin')
  @Post()
  @HttpCode(200)
  async simulate(@CurrentTenant() tenant: TenantConfig, @Body() body: SimulationRequest, @Query('format') format: string = 'json') {
    if (format !== 'json' && format !== 'csv') throw new ApiError(400, 'invalid_request', 'format must be json or csv');
    const [from, to] = [new Date(body.from), new Date(body.to)];
    if (from >= to) throw new ApiError(400, 'invalid_request', `from (${body.from}) must be before to (${body.to})`);
    const parsed = parseTenantConfig(body.candidate, tenant.tenantId, 'candidate');
    if (!parsed.ok) {
      const problems = parsed.problems.map((p) => `${p.path ? `${p.path}: ` : ''}${p.message}`);
      throw new ApiError(422, 'invalid_candidate', `the candidate is not a valid tenant file for ${tenant.tenantId}: ${problems.join('; ')}`, { problems });
    }
    const report = await simulateStored(this.store, tenant, parsed.config, { from, to });
    if (format === 'json') return report;
    return new StreamableFile(Buffer.from(toCsv(SIMULATION_CSV_COLUMNS, report.rows.map((r) => SIMULATION_CSV_COLUMNS.map((c) => r[c])))), { type: 'text/csv; charset=utf-8' });
  }
}

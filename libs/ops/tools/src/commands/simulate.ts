// simulate <tenant> --candidate <file> --from <day> --to <day>: what a candidate tenant file would have
// charged, denied and let expire over a period of recorded usage, beside what was recorded. Reads the
// store; changes nothing.
import { resolve } from 'node:path';
import { createEventStore } from '@creditflow/event-store';
import { SIMULATION_CSV_COLUMNS, SimulationReport, simulateStored } from '@creditflow/ops-service';
import { toCsv } from '@creditflow/kernel';
import { readConfig } from '@creditflow/shell';
import { TenantConfigError, findTenantsDir, loadTenantFile, loadTenants } from '@creditflow/tenancy';
import { CommandSpec, ParsedArgs, UsageError, stringOption } from '../args';
import { OpsError, OpsIo } from '../io';
import { MODES, Mode, walletLocation } from '../locate';


export const simulateSpec: CommandSpec = {
  name: 'simulate',
  summary: "Replays a period of a tenant's recorded usage through a candidate tenant file and compares it with what was recorded.",
  details: [
    'Each account starts the period as recorded. Within it, what customers did (authorize, complete, fail, accept, reject, purchases and grants, ' +
      'logins, refunds) is replayed through the wallet under the candidate: usage priced from its catalog (by the version in effect at the time), ' +
      'lots consumed by its order, holds timed out by its timeout; expiries and rollovers happen again at their times. A usage the candidate ' +
      "denies is not completed; one denied as recorded that the candidate serves completes (a recorded denial has no options: it is priced in " +
      "proportion to the feature's default price). Nothing is written.",
    'Reported per feature and plan: usages, credits charged as recorded and under the candidate; denials, accounts that ran out (first denial) ' +
      'and those that would have run out earlier, breakage (expired credits, and their money for bought lots), credits clawed back by refunds ' +
      "and the money they pay back (at the purchase's price per credit, by the refund policy's rounding), revenue (what purchases paid: the same " +
      'on both sides, since purchases are replayed as made), and what could not be replayed. JSON by default; --format csv gives the per-feature rows.',
  ],
  positionals: [{ name: 'tenant', description: 'the tenant id', required: true }],
  options: {
    candidate: { kind: 'string', value: '<file>', description: 'the candidate tenant file, named <tenant>.yaml or .json as in config/tenants (required)' },
    from: { kind: 'string', value: '<day|time>', description: 'start of the period, inclusive (ISO day or time, UTC; required)' },
    to: { kind: 'string', value: '<day|time>', description: 'end of the period, exclusive (ISO day or time, UTC; required)' },
    format: { kind: 'string', value: '<json|csv>', choices: ['json', 'csv'], description: 'default json' },
    mode: { kind: 'string', value: '<mode>', choices: MODES, description: 'embedded or distributed; default from the environment and data directory' },
  },
  examples: ['simulate apinfer --candidate ./candidates/apinfer.yaml --from 2026-11-01 --to 2026-12-01', 'simulate visualgpt --candidate v2/visualgpt.yaml --from 2026-11-01 --to 2026-11-08 --format csv'],
};

export async function simulate(args: ParsedArgs, io: OpsIo): Promise<number> {
  const [tenantId] = args.positionals;
  const candidateFile = stringOption(args, 'candidate');
  const [fromText, toText] = [stringOption(args, 'from'), stringOption(args, 'to')];
  if (!candidateFile || !fromText || !toText) throw new UsageError('simulate needs --candidate, --from and --to', simulateSpec);
  const [from, to] = [instant(fromText, 'from'), instant(toText, 'to')];
  if (from >= to) throw new UsageError('--from must be before --to', simulateSpec);

  const recordedTenant = loadTenants(io.env.CREDITFLOW_TENANTS_DIR ? resolve(io.cwd, io.env.CREDITFLOW_TENANTS_DIR) : findTenantsDir(io.env, io.cwd)).get(tenantId);
  let candidate;
  try {
    candidate = loadTenantFile(resolve(io.cwd, candidateFile));
  } catch (error) {
    if (error instanceof TenantConfigError) throw new OpsError(`the candidate file is not a valid tenant file:\n${error.problems.map((p) => `  ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n')}`);
    throw error;
  }
  if (candidate.tenantId !== tenantId) throw new OpsError(`the candidate file is for tenant "${candidate.tenantId}", not "${tenantId}"`);

  const location = walletLocation(readConfig(io.env), stringOption(args, 'mode') as Mode | undefined);
  const store = createEventStore(location.store);
  let report: SimulationReport;
  try {
    report = await simulateStored(store, recordedTenant, candidate, { from, to });
  } finally {
    await store.close();
  }
  if (stringOption(args, 'format') === 'csv') io.out(toCsv(SIMULATION_CSV_COLUMNS, report.rows.map((r) => SIMULATION_CSV_COLUMNS.map((c) => r[c]))));
  else io.out(`${JSON.stringify(report, null, 2)}\n`);
  io.err(
    `simulated ${report.accounts} account${report.accounts === 1 ? '' : 's'} of ${tenantId} from ${report.from} to ${report.to} (${location.storeLabel}): ` +
      `${report.totals.recordedCredits} credits charged as recorded, ${report.totals.candidateCredits} under the candidate\n`,
  );
  return 0;
}

function instant(text: string, name: string): Date {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00.000Z` : text);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(text)) throw new UsageError(`--${name} must be an ISO day or time, not "${text}"`, simulateSpec);
  return new Date(ms);
}

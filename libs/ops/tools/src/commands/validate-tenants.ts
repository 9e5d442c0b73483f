// validate-tenants [dir]: reads and validates every tenant file as start-up would (`loadTenants`),
// without starting anything, and checks that CREDITFLOW_API_KEYS (when set) names only those tenants.
import { resolve } from 'node:path';
import { formatMoney } from '@creditflow/kernel';
import { parseApiKeys } from '@creditflow/shell';
import { TenantConfig, TenantConfigError, findTenantsDir, loadTenants } from '@creditflow/tenancy';
import { CommandSpec, ParsedArgs, flag } from '../args';
import { OpsError, OpsIo } from '../io';

export const validateTenantsSpec: CommandSpec = {
  name: 'validate-tenants',
  summary: 'Validates every tenant file of a directory as start-up does, without starting anything.',
  details: [
    'The directory defaults to CREDITFLOW_TENANTS_DIR, else the nearest config/tenants at or above the working directory. ' +
      'Every problem of every file is listed as <file>: <field path>: <problem>. With CREDITFLOW_API_KEYS set, keys naming a tenant without a file are problems too. ' +
      'Exit status 0: all valid; 1: problems.',
  ],
  positionals: [{ name: 'dir', description: 'the tenant configuration directory', required: false }],
  options: { json: { kind: 'boolean', description: 'print the result as JSON' } },
  examples: ['validate-tenants', 'validate-tenants ./config/tenants --json'],
};

/** One line per tenant: what it sells and how it refunds. */
export function tenantSummary(t: TenantConfig) {
  const features = new Set(t.catalogVersions.flatMap((v) => v.features.map((f) => f.id)));
  return {
    tenantId: t.tenantId,
    name: t.name,
    file: t.sourceFile,
    currency: t.currency,
    precision: t.precision,
    catalogVersions: t.catalogVersions.length,
    features: features.size,
    packages: t.packages.map((p) => `${p.id} (${formatMoney(p.price)})`),
    plans: t.plans.map((p) => p.id),
    refundPolicy: t.refundPolicy.kind,
  };
}

export async function validateTenants(args: ParsedArgs, io: OpsIo): Promise<number> {
  const dir = args.positionals[0] ? resolve(io.cwd, args.positionals[0]) : findTenantsDirOrFail(io);
  let problems: string[] = [];
  let tenants: TenantConfig[] = [];
  try {
    tenants = [...loadTenants(dir).values()];
  } catch (error) {
    if (!(error instanceof TenantConfigError)) throw error;
    problems = error.problems.map((p) => `${p.file}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
  }
  const keysJson = io.env.CREDITFLOW_API_KEYS?.trim();
  if (keysJson && !problems.length) {
    try {
      const known = new Set(tenants.map((t) => t.tenantId));
      const named = new Set([...parseApiKeys(keysJson).values()].map((p) => p.tenant));
      for (const tenant of named) if (!known.has(tenant)) problems.push(`CREDITFLOW_API_KEYS names tenant "${tenant}", which has no file in ${dir}`);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  const summaries = tenants.map(tenantSummary);
  if (flag(args, 'json')) {
    io.out(`${JSON.stringify({ dir, valid: problems.length === 0, tenants: problems.length ? [] : summaries, problems }, null, 2)}\n`);
    return problems.length ? 1 : 0;
  }
  if (problems.length) {
    io.err(`${problems.length} problem${problems.length === 1 ? '' : 's'} in ${dir}:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    return 1;
  }
  io.out(`${summaries.length} tenant file${summaries.length === 1 ? '' : 's'} in ${dir} valid:\n`);
  for (const s of summaries) {
    io.out(
      `  ${s.tenantId} (${s.name}, ${s.file}): ${s.features} feature${s.features === 1 ? '' : 's'} in ${s.catalogVersions} catalog version${s.catalogVersions === 1 ? '' : 's'}; ` +
        `packages ${s.packages.length ? s.packages.join(', ') : 'none'}${s.packages.length ? ` ${s.currency}` : ''}; plans ${s.plans.length ? s.plans.join(', ') : 'none'}; refunds ${s.refundPolicy}\n`,
    );
  }
  if (keysJson) io.out('CREDITFLOW_API_KEYS names only these tenants.\n');
  return 0;
}

function findTenantsDirOrFail(io: OpsIo): string {
  try {
    return findTenantsDir(io.env, io.cwd);
  } catch (error) {
    if (error instanceof TenantConfigError) throw new OpsError(error.message);
    throw error;
  }
}

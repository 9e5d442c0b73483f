// Loads every tenant file of a directory at start-up. Any problem in any file stops the load with
// one TenantConfigError that lists them all.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { Scalar, isScalar, parseDocument, visit } from 'yaml';
import { NumberLiteral } from './config.reader';
import { TenantConfigError, TenantConfigProblem } from './tenant-config.error';
import { parseTenantConfig } from './tenant-config.parse';
import { TenantConfig } from './tenant-config.types';
import { Tenants } from './tenants';

const EXTENSIONS = ['.yaml', '.yml', '.json'];
export const TENANTS_DIR_ENV = 'CREDITFLOW_TENANTS_DIR';

/** Reads and validates every `<tenantId>.yaml|.yml|.json` in `dir`, keyed by tenant id. */
export function loadTenants(dir: string): Tenants {
  const label = displayPath(dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new TenantConfigError([{ file: label, path: '', message: 'tenant configuration directory does not exist' }]);
  }
  const files = readdirSync(dir)
    .filter((name) => EXTENSIONS.includes(extname(name)))
    .sort();
  if (files.length === 0) throw new TenantConfigError([{ file: label, path: '', message: 'contains no tenant files (<tenantId>.yaml or .json)' }]);

  const byTenant = new Map<string, string[]>();
  for (const name of files) {
    const tenantId = basename(name, extname(name));
    byTenant.set(tenantId, [...(byTenant.get(tenantId) ?? []), join(dir, name)]);
  }
  const problems: TenantConfigProblem[] = [];
  const tenants: TenantConfig[] = [];
  for (const [tenantId, paths] of byTenant) {
    if (paths.length > 1) {
      const names = paths.map(displayPath);
      problems.push({ file: names[0], path: '', message: `tenant "${tenantId}" is configured by more than one file: ${names.join(', ')}` });
      continue;
    }
    const result = readTenantFile(paths[0]);
    if ('problems' in result) problems.push(...result.problems);
    else tenants.push(result.config);
  }
  if (problems.length > 0) throw new TenantConfigError(problems);
  return new Tenants(tenants);
}

/** Reads and validates one tenant file; throws TenantConfigError listing its problems. */
export function loadTenantFile(file: string): TenantConfig {
  const result = readTenantFile(file);
  if ('problems' in result) throw new TenantConfigError(result.problems);
  return result.config;
}

/**
 * The tenant configuration directory: `$CREDITFLOW_TENANTS_DIR` when set, otherwise the nearest
 * `config/tenants` found walking up from `cwd`.
 */
export function findTenantsDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const configured = env[TENANTS_DIR_ENV];
  if (configured) return resolve(cwd, configured);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, 'config', 'tenants');
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new TenantConfigError([
    { file: resolve(cwd), path: '', message: `no config/tenants directory here or above; set ${TENANTS_DIR_ENV}` },
  ]);
}

function readTenantFile(file: string): { config: TenantConfig } | { problems: TenantConfigProblem[] } {
  const label = displayPath(file);
  const fail = (path: string, message: string) => ({ problems: [{ file: label, path, message }] });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return fail('', `cannot be read: ${(error as Error).message}`);
  }

  let raw: unknown;
  if (extname(file) === '.json') {
    try {
      raw = JSON.parse(text);
    } catch (error) {
      return fail('', `is not valid JSON: ${(error as Error).message}`);
    }
  } else {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) return { problems: doc.errors.map((e) => ({ file: label, path: '', message: `is not valid YAML: ${e.message.trim()}` })) };
    keepNumberSources(doc);
    raw = doc.toJS();
  }

  const result = parseTenantConfig(raw, basename(file, extname(file)), label);
  if (!result.ok) return { problems: result.problems.map((p) => ({ file: label, ...p })) };
  return { config: result.config };
}

/**
 * A YAML number not written as plain digits (1.75, 0x10, 1e3, .inf) becomes a NumberLiteral with its
 * source text, so the reader can refuse it by what was written rather than by a float.
 */
function keepNumberSources(doc: ReturnType<typeof parseDocument>): void {
  visit(doc, {
    Scalar(key, node: Scalar) {
      if (key === 'key' || !isScalar(node) || typeof node.value !== 'number') return;
      const source = (node as Scalar & { source?: string }).source ?? String(node.value);
      if (!/^-?[0-9]+$/.test(source)) node.value = new NumberLiteral(source);
    },
  });
}

/** Paths inside the working directory are shown relative to it (config/tenants/apinfer.yaml). */
function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

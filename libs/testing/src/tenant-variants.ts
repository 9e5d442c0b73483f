// Tenant directories for tests that need a policy no real tenant has: the repository's tenant files
// plus a variant of VisualGPT whose daily credits expire at local midnight (`expiry: reset`), or of apinfer with the run-out alert.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTenantsDir } from '@creditflow/tenancy';

/** A temporary tenants directory (remove it after the test) with `tenantId`: VisualGPT, daily credits reset at midnight in `timeZone`. */
export function tenantsWithDailyReset(tenantId = 'visualgpt-reset', timeZone = 'Asia/Shanghai'): string {
  const dir = mkdtempSync(join(tmpdir(), 'creditflow-tenants-'));
  const source = findTenantsDir();
  for (const f of readdirSync(source).filter((f) => /\.(ya?ml|json)$/.test(f))) writeFileSync(join(dir, f), readFileSync(join(source, f)));
  const variant = readFileSync(join(source, 'visualgpt.yaml'), 'utf8')
    .replace(/^tenantId: visualgpt$/m, `tenantId: ${tenantId}`)
    .replace(/expiry: rolling-24h/, 'expiry: reset')
    .replace(/resetTimeZone: UTC/, `resetTimeZone: ${timeZone}`);
  if (!variant.includes('expiry: reset')) throw new Error('visualgpt.yaml changed: the daily-reset variant could not be written');
  writeFileSync(join(dir, `${tenantId}.yaml`), variant);
  return dir;
}

/** A temporary tenants directory (remove it after the test) whose apinfer raises the run-out alert under `days` days. */
export function tenantsWithRunOutAlert(days = 3): string {
  const dir = mkdtempSync(join(tmpdir(), 'creditflow-tenants-'));
  const source = findTenantsDir();
  for (const f of readdirSync(source).filter((f) => /\.(ya?ml|json)$/.test(f))) writeFileSync(join(dir, f), readFileSync(join(source, f)));
  const apinfer = readFileSync(join(source, 'apinfer.yaml'), 'utf8');
  const variant = apinfer.replace(/^(\s+)lowBalanceThreshold: (.*)$/m, `$1lowBalanceThreshold: $2\n$1runOutAlertDays: ${days}`);
  if (variant === apinfer) throw new Error('apinfer.yaml changed: the run-out alert variant could not be written');
  writeFileSync(join(dir, 'apinfer.yaml'), variant);
  return dir;
}

/**
 * The access waterfall on VisualGPT (`tenantId`, default visualgpt-free): its daily free credits as an
 * allowance (10 credits per rolling day, no login needed) instead of login lots, two free background
 * removals or upscales an hour, and at most 5 authorizations a minute. A temporary tenants directory
 * (remove it after the test) with the repository's files beside it.
 */
export const WATERFALL_RULES = [
  '  allowances:',
  '    - { id: images-hourly, title: free images, uses: 2, per: hour, features: [background-remover, image-upscaler] }',
  '    - { id: daily-free, title: free daily credits, credits: 10, per: day }',
  '  rateLimits:',
  '    - { id: burst, uses: 5, per: minute }',
  '',
].join('\n');

export function tenantsWithWaterfall(tenantId = 'visualgpt-free'): string {
  const dir = mkdtempSync(join(tmpdir(), 'creditflow-tenants-'));
  const source = findTenantsDir();
  for (const f of readdirSync(source).filter((f) => /\.(ya?ml|json)$/.test(f))) writeFileSync(join(dir, f), readFileSync(join(source, f)));
  const visualgpt = readFileSync(join(source, 'visualgpt.yaml'), 'utf8');
  const variant = visualgpt.replace(/^tenantId: visualgpt$/m, `tenantId: ${tenantId}`).replace(/^ {2}daily:\n(?: {4}.*\n)+/m, WATERFALL_RULES);
  if (!variant.includes('rateLimits:') || variant.includes('  daily:')) throw new Error('visualgpt.yaml changed: the waterfall variant could not be written');
  writeFileSync(join(dir, `${tenantId}.yaml`), variant);
  return dir;
}

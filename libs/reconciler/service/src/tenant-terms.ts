// The tenant files read as written (YAML or JSON), not through libs/tenancy: the reconciler takes
// the catalog text and the refund rounding straight from the file, so the platform's parsing is
// checked rather than reused. The file is validated at the platform's start-up; here a field that
// is missing or odd only means that check cannot be made (a price finding names it).
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parse } from 'yaml';
import { CatalogText, DEFAULT_REFUND_ROUNDING, ROUNDINGS, Rounding, TenantTerms } from '@creditflow/reconciler-domain';

export function readTenantTerms(dir: string): Map<string, TenantTerms> {
  const terms = new Map<string, TenantTerms>();
  for (const name of readdirSync(dir).sort()) {
    const ext = extname(name);
    if (!['.yaml', '.yml', '.json'].includes(ext)) continue;
    const text = readFileSync(join(dir, name), 'utf8');
    const file = (ext === '.json' ? JSON.parse(text) : parse(text)) as { tenantId?: string; currency?: string; catalogVersions?: CatalogText[]; refundPolicy?: { rounding?: string } } | null;
    if (!file?.tenantId) continue;
    const rounding = file.refundPolicy?.rounding;
    terms.set(file.tenantId, {
      catalogs: Array.isArray(file.catalogVersions) ? file.catalogVersions : [],
      refundRounding: (ROUNDINGS as readonly string[]).includes(rounding ?? '') ? (rounding as Rounding) : DEFAULT_REFUND_ROUNDING,
      currency: String(file.currency ?? ''),
    });
  }
  return terms;
}

// The tenant files read as written (YAML or JSON), not through libs/tenancy: the reconciler takes
// the catalog text and the refund rounding straight from the file, so the platform's parsing is
// checked rather than reused. The file is validated at the platform's start-up; here a field that
// is missing or odd only means that check cannot be made (a price finding names it).
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parse } from 'yaml';
import { AllowanceTerms, CatalogText, DEFAULT_REFUND_ROUNDING, ROUNDINGS, RateLimitTerms, Rounding, TenantTerms, unitsOf } from '@creditflow/reconciler-domain';

/** A window as the file names it (`per`), in ms; 0 when it is none the reconciler knows (every use then looks out of its window). */
const WINDOW_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

type RuleText = { id?: unknown; uses?: unknown; credits?: unknown; per?: unknown };

function allowancesOf(list: unknown): Map<string, AllowanceTerms> | undefined {
  if (!Array.isArray(list)) return undefined;
  return new Map((list as RuleText[]).map((a) => [
    String(a.id),
    a.uses !== undefined
      ? { unit: 'uses' as const, amount: BigInt(Number(a.uses) || 0), windowMs: WINDOW_MS[String(a.per)] ?? 0 }
      : { unit: 'credits' as const, amount: unitsOf(a.credits) ?? 0n, windowMs: WINDOW_MS[String(a.per)] ?? 0 },
  ]));
}

function rateLimitsOf(list: unknown): Map<string, RateLimitTerms> | undefined {
  if (!Array.isArray(list)) return undefined;
  return new Map((list as RuleText[]).map((r) => [String(r.id), { uses: Number(r.uses) || 0, windowMs: WINDOW_MS[String(r.per)] ?? 0 }]));
}

export function readTenantTerms(dir: string): Map<string, TenantTerms> {
  const terms = new Map<string, TenantTerms>();
  for (const name of readdirSync(dir).sort()) {
    const ext = extname(name);
    if (!['.yaml', '.yml', '.json'].includes(ext)) continue;
    const text = readFileSync(join(dir, name), 'utf8');
    const file = (ext === '.json' ? JSON.parse(text) : parse(text)) as {
      tenantId?: string; currency?: string; catalogVersions?: CatalogText[]; refundPolicy?: { rounding?: string }; wallet?: { allowances?: unknown; rateLimits?: unknown };
    } | null;
    if (!file?.tenantId) continue;
    const rounding = file.refundPolicy?.rounding;
    terms.set(file.tenantId, {
      catalogs: Array.isArray(file.catalogVersions) ? file.catalogVersions : [],
      refundRounding: (ROUNDINGS as readonly string[]).includes(rounding ?? '') ? (rounding as Rounding) : DEFAULT_REFUND_ROUNDING,
      currency: String(file.currency ?? ''),
      allowances: allowancesOf(file.wallet?.allowances) ?? new Map(),
      rateLimits: rateLimitsOf(file.wallet?.rateLimits) ?? new Map(),
    });
  }
  return terms;
}

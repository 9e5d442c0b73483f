// Test helper: the real tenant files of this repository, and quotes formatted as wire strings.
import { resolve } from 'node:path';
import { formatCredits, formatMoney } from '@creditflow/kernel';
import { QuoteRequest, catalogAt, quote } from '@creditflow/pricing-domain';
import { TenantConfig } from '../tenant-config.types';
import { loadTenants } from '../tenant-config.load';
import { Tenants } from '../tenants';

export const REPO_TENANTS_DIR = resolve(__dirname, '../../../../config/tenants');
/** An instant at which the seed catalogs (effective 2025-01-01) are in effect. */
export const SEED_NOW = new Date('2026-01-15T12:00:00Z');

let cache: Tenants | undefined;

export function seedTenant(tenantId: string): TenantConfig {
  cache ??= loadTenants(REPO_TENANTS_DIR);
  return cache.get(tenantId);
}

export interface WireQuote {
  credits: string;
  phases?: { generate: string; accept: string };
  total?: string;
  priceVersion: string;
}

/** The quote as the wire shows it (decimal strings). */
export function quoteOf(tenant: TenantConfig, request: QuoteRequest, now: Date = SEED_NOW): WireQuote {
  const q = quote(catalogAt(tenant.catalogVersions, now), request, tenant.precision);
  return {
    credits: formatCredits(q.credits),
    ...(q.phases ? { phases: { generate: formatCredits(q.phases.generate), accept: formatCredits(q.phases.accept) } } : {}),
    ...(q.total !== undefined ? { total: formatCredits(q.total) } : {}),
    priceVersion: q.priceVersion,
  };
}

/** Just the credits of a quote, as a decimal string. */
export function priceOf(tenant: TenantConfig, request: QuoteRequest): string {
  return quoteOf(tenant, request).credits;
}

export function packagesOf(tenant: TenantConfig): { id: string; credits: string; price: string; currency: string }[] {
  return tenant.packages.map((p) => ({ id: p.id, credits: formatCredits(p.credits), price: formatMoney(p.price), currency: p.price.currency }));
}

export function plansOf(tenant: TenantConfig) {
  return tenant.plans.map((p) => ({
    id: p.id,
    custom: p.custom,
    monthlyCredits: p.monthlyCredits === null ? null : formatCredits(p.monthlyCredits),
    rolloverCap: p.rolloverCap === null ? null : formatCredits(p.rolloverCap),
    maxMembers: p.maxMembers,
    monthly: p.prices.monthly ? formatMoney(p.prices.monthly) : undefined,
    yearly: p.prices.yearly ? formatMoney(p.prices.yearly) : undefined,
    oneTime: p.oneTime === undefined ? undefined : formatCredits(p.oneTime),
  }));
}

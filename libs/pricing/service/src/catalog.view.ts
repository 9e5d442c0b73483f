// The catalog on the wire: amounts as decimal strings, money as {amount, currency}.
import { Credits, Money, formatCredits, formatMoney } from '@creditflow/kernel';
import { Catalog, UnitPrice } from '@creditflow/pricing-domain';
import { TenantConfig } from '@creditflow/tenancy';

const money = (m: Money | undefined) => (m ? { amount: formatMoney(m), currency: m.currency } : undefined);
const credits = (c: Credits | null | undefined) => (c === null || c === undefined ? null : formatCredits(c));
const unit = (p: UnitPrice) => (p.kind === 'single' ? { credits: formatCredits(p.credits) } : { phases: { generate: formatCredits(p.generate), accept: formatCredits(p.accept) } });

export function catalogView(tenant: TenantConfig, catalog: Catalog) {
  return {
    tenant: tenant.tenantId,
    priceVersion: catalog.version,
    effectiveFrom: catalog.effectiveFrom,
    features: catalog.features.map((f) => ({
      id: f.id,
      ...(f.title ? { title: f.title } : {}),
      ...(f.pricing.kind === 'flat'
        ? unit(f.pricing.price)
        : { by: f.pricing.dimension, options: f.pricing.options.map((o) => ({ value: o.value, ...unit(o.price) })) }),
      ...(f.quality ? { quality: f.quality.levels.map((l) => ({ value: l.value, factor: l.factor })), ...(f.quality.default ? { defaultQuality: f.quality.default } : {}) } : {}),
      ...(f.anyValueOptions?.length ? { anyValueOptions: f.anyValueOptions } : {}),
    })),
    packages: tenant.packages.map((p) => ({ id: p.id, credits: formatCredits(p.credits), price: money(p.price) })),
    plans: tenant.plans.map((p) => ({
      id: p.id,
      monthlyCredits: credits(p.monthlyCredits),
      rolloverCap: credits(p.rolloverCap),
      maxMembers: p.maxMembers,
      prices: { ...(p.prices.monthly ? { monthly: money(p.prices.monthly) } : {}), ...(p.prices.yearly ? { yearly: money(p.prices.yearly) } : {}) },
      ...(p.oneTime !== undefined ? { oneTime: formatCredits(p.oneTime) } : {}),
      ...(p.custom ? { custom: true } : {}),
    })),
  };
}

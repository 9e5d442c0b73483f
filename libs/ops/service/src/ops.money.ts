// Money for the ops surface, from the lots' cost basis kept by the ops read models: revenue (what
// purchases paid) by package and by the buyer's plan, refunds (the money paid back for clawed-back
// credits) and breakage (credits bought for money that expired unused), each in its currency and
// exact. Credits become money only through the kernel's creditsToMoney, as the refund service does.
import { Credits, Money, MoneyRounding, creditsToMoney, creditsToMoneyUnrounded, formatCredits, formatMoney, parseCredits } from '@creditflow/kernel';
import { OpsProjections } from '@creditflow/ops-projections';
import { refundRoundingOf } from '@creditflow/refund-domain';
import { TenantConfig } from '@creditflow/tenancy';

export interface MoneyAmount {
  amount: string;
  currency: string;
}

/** A sum of fractions of the minor unit, kept exact: num / den minor units. */
class Exact {
  constructor(
    readonly num = 0n,
    readonly den = 1n,
  ) {}

  plus(num: bigint, den: bigint): Exact {
    const n = this.num * den + num * this.den;
    const d = this.den * den;
    const g = gcd(n, d);
    return new Exact(n / g, d / g);
  }

  /** Rounded to the minor unit (through creditsToMoney: num x 1 minor / den). */
  rounded(currency: string, rounding: MoneyRounding): Money {
    return creditsToMoney(this.num as Credits, this.den as Credits, { minor: 1n, currency }, rounding);
  }

  /** In the major unit, exact where it ends within 12 decimals (else cut). */
  unrounded(currency: string): string {
    return creditsToMoneyUnrounded(this.num as Credits, this.den as Credits, { minor: 1n, currency });
  }
}

function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [a < 0n ? -a : a, b];
  while (y) [x, y] = [y, x % y];
  return x || 1n;
}

const money = (minor: bigint, currency: string): MoneyAmount => ({ amount: formatMoney({ minor, currency }), currency });

/** The tenant's package a purchased lot came from: the one with its credits and list price (null when none matches any more). */
export function packageOf(tenant: TenantConfig, lotCredits: Credits, listPriceMinor: bigint | null, currency: string): string | null {
  const matching = tenant.packages.filter((p) => p.credits === lotCredits && p.price.currency === currency);
  return (listPriceMinor === null ? matching[0] : matching.find((p) => p.price.minor === listPriceMinor))?.id ?? null;
}

function addTo<K>(map: Map<K, bigint>, key: K, value: bigint) {
  map.set(key, (map.get(key) ?? 0n) + value);
}

export function moneyReport(projections: OpsProjections, tenant: TenantConfig, from: string, to: string) {
  const t = tenant.tenantId;
  const rounding = refundRoundingOf(tenant.refundPolicy);

  // Revenue: what each purchase paid, exactly (integers of the minor unit).
  const revenueRows = projections.revenueRows(t, from, to);
  const byPackage = new Map<string, { packageId: string | null; credits: string; currency: string; purchases: number; paid: bigint; list: bigint }>();
  const byPlan = new Map<string, { planId: string | null; currency: string; purchases: number; paid: bigint }>();
  const revenueTotal = new Map<string, { purchases: number; paid: bigint; list: bigint }>();
  const daily = new Map<string, { revenue: Map<string, bigint>; refunds: Map<string, bigint>; breakage: Map<string, Exact> }>();
  const dayOf = (d: string) => {
    const row = daily.get(d) ?? { revenue: new Map(), refunds: new Map(), breakage: new Map() };
    daily.set(d, row);
    return row;
  };
  for (const r of revenueRows) {
    const packageId = packageOf(tenant, r.lotCredits, r.listPriceMinor, r.currency);
    const pk = JSON.stringify([packageId, r.currency, r.lotCredits.toString()]);
    const p = byPackage.get(pk) ?? { packageId, credits: formatCredits(r.lotCredits), currency: r.currency, purchases: 0, paid: 0n, list: 0n };
    byPackage.set(pk, { ...p, purchases: p.purchases + r.purchases, paid: p.paid + r.paidMinor, list: p.list + r.listTotalMinor });
    const qk = JSON.stringify([r.planId, r.currency]);
    const q = byPlan.get(qk) ?? { planId: r.planId, currency: r.currency, purchases: 0, paid: 0n };
    byPlan.set(qk, { ...q, purchases: q.purchases + r.purchases, paid: q.paid + r.paidMinor });
    const total = revenueTotal.get(r.currency) ?? { purchases: 0, paid: 0n, list: 0n };
    revenueTotal.set(r.currency, { purchases: total.purchases + r.purchases, paid: total.paid + r.paidMinor, list: total.list + r.listTotalMinor });
    addTo(dayOf(r.day).revenue, r.currency, r.paidMinor);
  }
  const byAmount = (a: { paid: bigint }, b: { paid: bigint }) => (b.paid > a.paid ? 1 : b.paid < a.paid ? -1 : 0);

  // Refunds: each claw-back valued as the refund service valued it (unused x paid / credits, the policy's rounding).
  const refunds = new Map<string, { refunds: number; minor: bigint; credits: bigint }>();
  for (const r of projections.moneyRefunds(t, from, to)) {
    const value = creditsToMoney(r.credits, r.lotCredits, { minor: r.paidMinor, currency: r.currency }, rounding);
    const sum = refunds.get(r.currency) ?? { refunds: 0, minor: 0n, credits: 0n };
    refunds.set(r.currency, { refunds: sum.refunds + 1, minor: sum.minor + value.minor, credits: sum.credits + r.credits });
    addTo(dayOf(r.day).refunds, r.currency, value.minor);
  }

  // Breakage: expired credits of bought lots at their price per credit, summed exactly, rounded once (half-even).
  const breakage = new Map<string, { exact: Exact; credits: bigint }>();
  for (const r of projections.pricedBreakage(t, from, to)) {
    const sum = breakage.get(r.currency) ?? { exact: new Exact(), credits: 0n };
    breakage.set(r.currency, { exact: sum.exact.plus(r.paidMinor * r.credits, r.lotCredits), credits: sum.credits + r.credits });
    const day = dayOf(r.day);
    day.breakage.set(r.currency, (day.breakage.get(r.currency) ?? new Exact()).plus(r.paidMinor * r.credits, r.lotCredits));
  }
  const expiredCredits = projections.flows(t, from, to).reduce((a, d) => a + parseCredits(d.expired), 0n);
  const pricedCredits = [...breakage.values()].reduce((a, b) => a + b.credits, 0n);

  return {
    from,
    to,
    /** The tenant's currency (prices of its packages and plans). */
    currency: tenant.currency,
    revenue: {
      total: [...revenueTotal.entries()].map(([currency, r]) => ({ ...money(r.paid, currency), purchases: r.purchases, listAmount: formatMoney({ minor: r.list, currency }) })),
      byPackage: [...byPackage.values()].sort(byAmount).map((p) => ({
        packageId: p.packageId, credits: p.credits, purchases: p.purchases, ...money(p.paid, p.currency), listAmount: formatMoney({ minor: p.list, currency: p.currency }),
      })),
      byPlan: [...byPlan.values()].sort(byAmount).map((p) => ({ planId: p.planId, purchases: p.purchases, ...money(p.paid, p.currency) })),
    },
    subscriptionGrants: projections.planGrants(t, from, to),
    refunds: { rounding, total: [...refunds.entries()].map(([currency, r]) => ({ ...money(r.minor, currency), refunds: r.refunds, credits: formatCredits(r.credits as Credits) })) },
    breakage: {
      total: [...breakage.entries()].map(([currency, b]) => ({
        ...money(b.exact.rounded(currency, 'half-even').minor, currency), amountUnrounded: b.exact.unrounded(currency), credits: formatCredits(b.credits as Credits),
      })),
      /** Expired credits that had cost nothing (daily, trial, reward, subscription lots): breakage without money. */
      unpricedCredits: formatCredits((expiredCredits - pricedCredits) as Credits),
    },
    days: [...daily.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([day, d]) => ({
        day,
        revenue: [...d.revenue.entries()].map(([currency, minor]) => money(minor, currency)),
        refunds: [...d.refunds.entries()].map(([currency, minor]) => money(minor, currency)),
        breakage: [...d.breakage.entries()].map(([currency, exact]) => money(exact.rounded(currency, 'half-even').minor, currency)),
      })),
  };
}


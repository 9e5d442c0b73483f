// Turns the parsed content of one tenant file into a TenantConfig, or the list of its problems.
// The file format is documented in config/tenants/README.md.
import { ALERT_KINDS, TENANT_ID, TENANT_ID_MESSAGE } from '@creditflow/contracts';
import { assertNever, CREDIT_SCALE, Credits, DAY_MS, MONEY_ROUNDINGS, MoneyRounding, minorDigits } from '@creditflow/kernel';
import {
  Catalog,
  CreditPackage,
  Feature,
  FeaturePricing,
  PRICE_DIMENSIONS,
  Plan,
  PlanPrices,
  PriceDimension,
  QualityPricing,
  UnitPrice,
  validateCatalogVersions,
} from '@creditflow/pricing-domain';
import { ALLOWANCE_PERIODS, Allowance, LOT_TYPES, LotType, RateLimit, WalletPolicy, memberCapsOf } from '@creditflow/wallet-domain';
import { ConfigReader, Obj, ReadProblem, join } from './config.reader';
import { REFUND_POLICY_KINDS, RefundPolicy, TenantConfig, WebhookConfig } from './tenant-config.types';

export const DEFAULT_CONSUMPTION_ORDER: readonly LotType[] = ['daily', 'trial', 'subscription', 'reward', 'topup'];

const TOP_LEVEL = [
  'tenantId', 'name', 'precision', 'currency', 'wallet', 'refundPolicy', 'autoRestoreOnPlatformError', 'packages', 'plans', 'catalogVersions',
  'accountAnalytics', 'webhooks',
] as const;

/** Webhook secrets come from environment variables with this prefix (libs/shell reads them). */
export const WEBHOOK_SECRET_ENV_PREFIX = 'CREDITFLOW_WEBHOOK_SECRET_';

export type ParseResult = { ok: true; config: TenantConfig } | { ok: false; problems: ReadProblem[] };

/**
 * Validates one tenant file's content. `fileTenantId` is the file's base name, which must equal the
 * tenantId inside; `sourceFile` is how the file is named in messages.
 */
export function parseTenantConfig(raw: unknown, fileTenantId: string, sourceFile: string): ParseResult {
  const r = new ConfigReader();
  const root = r.object(raw, '', TOP_LEVEL);
  if (!root) return { ok: false, problems: r.problems };

  const tenantId = r.string(root.tenantId, 'tenantId');
  if (tenantId !== undefined && !TENANT_ID.test(tenantId)) r.problem('tenantId', `${JSON.stringify(tenantId)} is not a valid tenant id: it ${TENANT_ID_MESSAGE}`);
  else if (tenantId !== undefined && tenantId !== fileTenantId) {
    r.problem('tenantId', `"${tenantId}" does not match the file name; the file must be named ${tenantId}.yaml or ${tenantId}.json`);
  }
  const name = r.string(root.name, 'name');
  const precisionRead = r.integer(root.precision, 'precision', 0, CREDIT_SCALE);
  // With a bad precision, keep checking everything else at the most permissive precision.
  const precision = precisionRead ?? CREDIT_SCALE;
  const currency = readCurrency(r, root.currency);

  const packages = readPackages(r, root.packages, precision, currency);
  const plans = readPlans(r, root.plans, precision, currency);
  // autoTopUp names a package: check against every declared id, also those whose other fields are bad.
  const packageIds = isMapping(root.packages) ? Object.keys(root.packages) : packages.map((p) => p.id);
  const walletPolicy = readWallet(r, root.wallet, precision, packageIds);
  const refundPolicy = readRefundPolicy(r, root.refundPolicy);
  const autoRestoreOnPlatformError = r.boolean(root.autoRestoreOnPlatformError, 'autoRestoreOnPlatformError');
  if (refundPolicy?.kind === 'platform-error-restores' && autoRestoreOnPlatformError === false) {
    r.problem('autoRestoreOnPlatformError', 'must be true when refundPolicy.kind is platform-error-restores');
  }
  const catalogVersions = readCatalogVersions(r, root.catalogVersions, precision);
  const accountAnalyticsPlans = readAccountAnalytics(r, root.accountAnalytics, isMapping(root.plans) ? Object.keys(root.plans) : plans.map((p) => p.id));
  const webhooks = readWebhooks(r, root.webhooks);
  if (walletPolicy) {
    const featureIds = new Set(catalogVersions.flatMap((c) => c.features.map((f) => f.id)));
    checkCoverage(r, walletPolicy, featureIds, isMapping(root.plans) ? Object.keys(root.plans) : plans.map((p) => p.id));
  }

  if (
    r.problems.length > 0 || tenantId === undefined || name === undefined || precisionRead === undefined || currency === undefined ||
    walletPolicy === undefined || refundPolicy === undefined || autoRestoreOnPlatformError === undefined
  ) {
    return { ok: false, problems: r.problems };
  }
  // Team member caps come from the plans (maxMembers); the rule for an account without a plan is the wallet's.
  const memberCaps = memberCapsOf(plans);
  return {
    ok: true,
    config: {
      tenantId, name, precision, currency, catalogVersions, walletPolicy: memberCaps ? { ...walletPolicy, memberCaps } : walletPolicy, plans, packages,
      refundPolicy, autoRestoreOnPlatformError, accountAnalyticsPlans, webhooks, sourceFile,
    },
  };
}

function readCurrency(r: ConfigReader, value: unknown): string | undefined {
  const currency = r.string(value, 'currency');
  if (currency === undefined) return undefined;
  try {
    minorDigits(currency);
    return currency;
  } catch {
    return r.problem('currency', `${JSON.stringify(currency)} is not a supported currency code`);
  }
}

// ---- packages and plans ----------------------------------------------------------------------

function readPackages(r: ConfigReader, value: unknown, precision: number, currency: string | undefined): CreditPackage[] {
  if (value === undefined) return [];
  const packages: CreditPackage[] = [];
  for (const [id, item] of r.entries(value, 'packages', 'package id')) {
    const at = join('packages', id);
    const pkg = r.object(item, at, ['title', 'credits', 'price']);
    if (!pkg) continue;
    const title = pkg.title === undefined ? undefined : r.string(pkg.title, join(at, 'title'));
    const amount = r.positiveCredits(pkg.credits, join(at, 'credits'), precision);
    const price = r.money(pkg.price, join(at, 'price'), currency);
    if (amount !== undefined && price !== undefined) packages.push({ id, ...(title ? { title } : {}), credits: amount, price });
  }
  return packages;
}

const PLAN_FIELDS = ['title', 'custom', 'monthlyCredits', 'rolloverCap', 'maxMembers', 'prices', 'oneTime'] as const;

function readPlans(r: ConfigReader, value: unknown, precision: number, currency: string | undefined): Plan[] {
  if (value === undefined) return [];
  const plans: Plan[] = [];
  for (const [id, item] of r.entries(value, 'plans', 'plan id')) {
    const at = join('plans', id);
    const plan = r.object(item, at, PLAN_FIELDS);
    if (!plan) continue;
    const before = r.problems.length;
    const title = plan.title === undefined ? undefined : r.string(plan.title, join(at, 'title'));
    const custom = plan.custom === undefined ? false : r.boolean(plan.custom, join(at, 'custom'));
    const maxMembers = plan.maxMembers === null ? null : r.integer(plan.maxMembers, join(at, 'maxMembers'), 1);
    const prices = readPlanPrices(r, plan.prices, join(at, 'prices'), currency, custom === true);
    const oneTime = plan.oneTime === undefined ? undefined : r.positiveCredits(plan.oneTime, join(at, 'oneTime'), precision);
    let monthlyCredits: Credits | null | undefined = null;
    let rolloverCap: Credits | null | undefined = null;
    if (custom) {
      for (const field of ['monthlyCredits', 'rolloverCap'] as const) {
        if (plan[field] != null) r.problem(join(at, field), 'a custom plan has no fixed amount; leave it out (it is set per contract)');
      }
    } else {
      monthlyCredits = r.credits(plan.monthlyCredits, join(at, 'monthlyCredits'), precision);
      rolloverCap = r.credits(plan.rolloverCap, join(at, 'rolloverCap'), precision);
    }
    if (r.problems.length > before || custom === undefined || maxMembers === undefined || prices === undefined) continue;
    if (monthlyCredits === undefined || rolloverCap === undefined) continue;
    plans.push({
      id, ...(title ? { title } : {}), custom, monthlyCredits, rolloverCap, maxMembers, prices, ...(oneTime !== undefined ? { oneTime } : {}),
    });
  }
  return plans;
}

function readPlanPrices(r: ConfigReader, value: unknown, at: string, currency: string | undefined, custom: boolean): PlanPrices | undefined {
  if (value === undefined && custom) return {};
  const obj = r.object(value, at, ['monthly', 'yearly']);
  if (!obj) return undefined;
  if (!custom && obj.monthly === undefined && obj.yearly === undefined) return r.problem(at, 'needs a monthly or a yearly price');
  const monthly = obj.monthly === undefined ? undefined : r.money(obj.monthly, join(at, 'monthly'), currency);
  const yearly = obj.yearly === undefined ? undefined : r.money(obj.yearly, join(at, 'yearly'), currency);
  return { ...(monthly ? { monthly } : {}), ...(yearly ? { yearly } : {}) };
}

// ---- wallet policy ---------------------------------------------------------------------------

const WALLET_FIELDS = [
  'consumptionOrder', 'holdTimeoutSeconds', 'lowBalanceThreshold', 'runOutAlertDays', 'daily', 'trial', 'autoTopUp', 'expiringSoon', 'allowances', 'rateLimits',
] as const;

function readWallet(r: ConfigReader, value: unknown, precision: number, packageIds: string[]): WalletPolicy | undefined {
  const w = r.object(value, 'wallet', WALLET_FIELDS);
  if (!w) return undefined;
  const before = r.problems.length;
  const consumptionOrder = w.consumptionOrder === undefined ? [...DEFAULT_CONSUMPTION_ORDER] : readConsumptionOrder(r, w.consumptionOrder);
  const holdTimeoutSeconds = r.integer(w.holdTimeoutSeconds, 'wallet.holdTimeoutSeconds', 1);
  const lowBalanceThreshold =
    w.lowBalanceThreshold === undefined ? undefined : r.credits(w.lowBalanceThreshold, 'wallet.lowBalanceThreshold', precision);
  const runOutAlertDays = w.runOutAlertDays === undefined ? undefined : r.integer(w.runOutAlertDays, 'wallet.runOutAlertDays', 1);

  let daily: WalletPolicy['daily'];
  if (w.daily !== undefined) {
    const d = r.object(w.daily, 'wallet.daily', ['amount', 'expiry', 'resetTimeZone']);
    if (d) {
      const amount = r.positiveCredits(d.amount, 'wallet.daily.amount', precision);
      const expiry = r.oneOf(d.expiry, 'wallet.daily.expiry', ['rolling-24h', 'reset'] as const);
      const resetTimeZone = readTimeZone(r, d.resetTimeZone, 'wallet.daily.resetTimeZone');
      if (amount !== undefined && expiry && resetTimeZone) daily = { amount, expiry, resetTimeZone };
    }
  }

  let trial: WalletPolicy['trial'];
  if (w.trial !== undefined) {
    const t = r.object(w.trial, 'wallet.trial', ['amount', 'validForDays']);
    if (t) {
      const amount = r.positiveCredits(t.amount, 'wallet.trial.amount', precision);
      const days = t.validForDays === null ? null : r.integer(t.validForDays, 'wallet.trial.validForDays', 1);
      if (amount !== undefined && days !== undefined) trial = { amount, validForMs: days === null ? null : days * DAY_MS };
    }
  }

  let autoTopUp: WalletPolicy['autoTopUp'];
  if (w.autoTopUp !== undefined) {
    const a = r.object(w.autoTopUp, 'wallet.autoTopUp', ['threshold', 'packageId', 'enabled']);
    if (a) {
      const threshold = r.positiveCredits(a.threshold, 'wallet.autoTopUp.threshold', precision);
      const packageId = r.id(a.packageId, 'wallet.autoTopUp.packageId');
      // The default of accounts that have not chosen (each account may switch it on or off for itself).
      const enabled = a.enabled === undefined ? true : r.boolean(a.enabled, 'wallet.autoTopUp.enabled');
      if (packageId !== undefined && !packageIds.includes(packageId)) {
        r.problem('wallet.autoTopUp.packageId', `"${packageId}" is not one of the packages (${packageIds.join(', ') || 'none'})`);
      } else if (threshold !== undefined && packageId !== undefined && enabled !== undefined) {
        autoTopUp = { threshold, packageId, ...(enabled ? {} : { enabled }) };
      }
    }
  }

  let expiringSoon: WalletPolicy['expiringSoon'];
  if (w.expiringSoon !== undefined) {
    const e = r.object(w.expiringSoon, 'wallet.expiringSoon', ['withinHours', 'lotTypes']);
    if (e) {
      const hours = r.integer(e.withinHours, 'wallet.expiringSoon.withinHours', 1, 24 * 366);
      const lotTypes = (r.list(e.lotTypes, 'wallet.expiringSoon.lotTypes') ?? []).flatMap((t, i) => r.oneOf(t, `wallet.expiringSoon.lotTypes[${i}]`, LOT_TYPES) ?? []);
      if (Array.isArray(e.lotTypes) && e.lotTypes.length === 0) r.problem('wallet.expiringSoon.lotTypes', `must name at least one of ${LOT_TYPES.join(', ')}`);
      if (hours !== undefined && lotTypes.length > 0) expiringSoon = { withinMs: hours * 3_600_000, lotTypes };
    }
  }

  const allowances = w.allowances === undefined ? undefined : readAllowances(r, w.allowances, precision);
  const rateLimits = w.rateLimits === undefined ? undefined : readRateLimits(r, w.rateLimits);

  if (r.problems.length > before || consumptionOrder === undefined || holdTimeoutSeconds === undefined) return undefined;
  return {
    precision,
    consumptionOrder,
    holdTimeoutMs: holdTimeoutSeconds * 1000,
    ...(daily ? { daily } : {}),
    ...(trial ? { trial } : {}),
    ...(lowBalanceThreshold !== undefined ? { lowBalanceThreshold } : {}),
    ...(runOutAlertDays !== undefined ? { runOutAlertDays } : {}),
    ...(autoTopUp ? { autoTopUp } : {}),
    ...(expiringSoon ? { expiringSoon } : {}),
    ...(allowances?.length ? { allowances } : {}),
    ...(rateLimits?.length ? { rateLimits } : {}),
  };
}

/** The features and plans a waterfall rule covers: ids, checked against the catalog and plans once they are read (checkCoverage). */
function readCoverage(r: ConfigReader, o: Obj, at: string): { features: string[] | null; plans: string[] | null } {
  const ids = (field: 'features' | 'plans') => {
    if (o[field] === undefined) return null;
    const list = r.list(o[field], join(at, field)) ?? [];
    if (Array.isArray(o[field]) && list.length === 0) r.problem(join(at, field), 'must name at least one; leave it out for all');
    return list.flatMap((item, i) => r.id(item, `${join(at, field)}[${i}]`) ?? []);
  };
  return { features: ids('features'), plans: ids('plans') };
}

/** `wallet.allowances: [{id, title?, uses | credits, per, features?, plans?}]`: consumed in this order, before the lots. */
function readAllowances(r: ConfigReader, value: unknown, precision: number): Allowance[] {
  const list = r.list(value, 'wallet.allowances') ?? [];
  const seen = new Set<string>();
  return list.flatMap((item, i) => {
    const at = `wallet.allowances[${i}]`;
    const o = r.object(item, at, ['id', 'title', 'uses', 'credits', 'per', 'features', 'plans']);
    if (!o) return [];
    const before = r.problems.length;
    const id = r.id(o.id, join(at, 'id'));
    if (id !== undefined && seen.has(id)) r.problem(join(at, 'id'), `"${id}" names two allowances`);
    if (id !== undefined) seen.add(id);
    const title = o.title === undefined ? undefined : r.string(o.title, join(at, 'title'));
    const per = r.oneOf(o.per, join(at, 'per'), ALLOWANCE_PERIODS);
    const coverage = readCoverage(r, o, at);
    let unit: Allowance['unit'] | undefined;
    let amount: bigint | undefined;
    if ((o.uses === undefined) === (o.credits === undefined)) r.problem(at, 'give either uses (a number of authorizations) or credits, not both');
    else if (o.uses !== undefined) [unit, amount] = ['uses', BigInt(r.integer(o.uses, join(at, 'uses'), 1) ?? 0)];
    else [unit, amount] = ['credits', r.positiveCredits(o.credits, join(at, 'credits'), precision)];
    if (r.problems.length > before || id === undefined || per === undefined || unit === undefined || amount === undefined) return [];
    return [{ id, ...(title ? { title } : {}), unit, amount, per, ...coverage }];
  });
}

/** `wallet.rateLimits: [{id, uses, per, features?, plans?}]`: authorizations beyond `uses` per window are denied rate_limited. */
function readRateLimits(r: ConfigReader, value: unknown): RateLimit[] {
  const list = r.list(value, 'wallet.rateLimits') ?? [];
  const seen = new Set<string>();
  return list.flatMap((item, i) => {
    const at = `wallet.rateLimits[${i}]`;
    const o = r.object(item, at, ['id', 'uses', 'per', 'features', 'plans']);
    if (!o) return [];
    const before = r.problems.length;
    const id = r.id(o.id, join(at, 'id'));
    if (id !== undefined && seen.has(id)) r.problem(join(at, 'id'), `"${id}" names two rate limits`);
    if (id !== undefined) seen.add(id);
    const uses = r.integer(o.uses, join(at, 'uses'), 1);
    const per = r.oneOf(o.per, join(at, 'per'), ALLOWANCE_PERIODS);
    const coverage = readCoverage(r, o, at);
    if (r.problems.length > before || id === undefined || uses === undefined || per === undefined) return [];
    return [{ id, uses, per, ...coverage }];
  });
}

/** Every feature and plan a waterfall rule names must exist (a feature in some catalog version). */
function checkCoverage(r: ConfigReader, policy: WalletPolicy, features: ReadonlySet<string>, planIds: readonly string[]): void {
  const rules = [
    ...(policy.allowances ?? []).map((rule, i) => [`wallet.allowances[${i}]`, rule] as const),
    ...(policy.rateLimits ?? []).map((rule, i) => [`wallet.rateLimits[${i}]`, rule] as const),
  ];
  for (const [at, rule] of rules) {
    rule.features?.forEach((f, i) => {
      if (!features.has(f)) r.problem(`${join(at, 'features')}[${i}]`, `"${f}" is not a feature of any catalog version`);
    });
    rule.plans?.forEach((p, i) => {
      if (!planIds.includes(p)) r.problem(`${join(at, 'plans')}[${i}]`, `"${p}" is not a plan of this tenant (${planIds.join(', ') || 'none'})`);
    });
  }
}

function readConsumptionOrder(r: ConfigReader, value: unknown): LotType[] | undefined {
  const list = r.list(value, 'wallet.consumptionOrder');
  if (!list) return undefined;
  const order = list.map((item, i) => r.oneOf(item, `wallet.consumptionOrder[${i}]`, LOT_TYPES));
  if (order.some((t) => t === undefined)) return undefined;
  const types = order as LotType[];
  if (types.length !== LOT_TYPES.length || new Set(types).size !== LOT_TYPES.length) {
    return r.problem('wallet.consumptionOrder', `must list each of ${LOT_TYPES.join(', ')} exactly once`);
  }
  return types;
}

function readTimeZone(r: ConfigReader, value: unknown, path: string): string | undefined {
  const zone = r.string(value, path);
  if (zone === undefined) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    return r.problem(path, `${JSON.stringify(zone)} is not an IANA time zone`);
  }
}

// ---- refund policy ---------------------------------------------------------------------------

function readRefundPolicy(r: ConfigReader, value: unknown): RefundPolicy | undefined {
  const at = 'refundPolicy';
  const p = r.object(value, at);
  if (!p) return undefined;
  const kind = r.oneOf(p.kind, join(at, 'kind'), REFUND_POLICY_KINDS);
  if (!kind) return undefined;
  switch (kind) {
    case 'none': {
      r.object(p, at, ['kind', 'reason']);
      const reason = r.string(p.reason, join(at, 'reason'));
      return reason === undefined ? undefined : { kind, reason };
    }
    case 'initial-payment-window': {
      r.object(p, at, ['kind', 'windowHours', 'excludePromotional', 'excludeDiscounted', 'systemFailureRestores', 'rounding']);
      const windowHours = r.integer(p.windowHours, join(at, 'windowHours'), 1);
      const excludePromotional = r.boolean(p.excludePromotional, join(at, 'excludePromotional'));
      const excludeDiscounted = p.excludeDiscounted === undefined ? false : r.boolean(p.excludeDiscounted, join(at, 'excludeDiscounted'));
      const systemFailureRestores = r.boolean(p.systemFailureRestores, join(at, 'systemFailureRestores'));
      const rounding = readRounding(r, p.rounding, join(at, 'rounding'));
      if (windowHours === undefined || excludePromotional === undefined || excludeDiscounted === undefined || systemFailureRestores === undefined || rounding === null) {
        return undefined;
      }
      return { kind, windowHours, excludePromotional, ...(excludeDiscounted ? { excludeDiscounted } : {}), systemFailureRestores, ...(rounding ? { rounding } : {}) };
    }
    case 'unused-credits-window': {
      r.object(p, at, ['kind', 'windowDays', 'rounding']);
      const windowDays = r.integer(p.windowDays, join(at, 'windowDays'), 1);
      const rounding = readRounding(r, p.rounding, join(at, 'rounding'));
      return windowDays === undefined || rounding === null ? undefined : { kind, windowDays, ...(rounding ? { rounding } : {}) };
    }
    case 'platform-error-restores':
      r.object(p, at, ['kind']);
      return { kind };
    default:
      return assertNever(kind);
  }
}

/** A money policy's optional `rounding`: undefined when absent (the refund domain's default), null when bad. */
function readRounding(r: ConfigReader, value: unknown, path: string): MoneyRounding | undefined | null {
  if (value === undefined) return undefined;
  return r.oneOf(value, path, MONEY_ROUNDINGS) ?? null;
}

// ---- catalog ---------------------------------------------------------------------------------

function readCatalogVersions(r: ConfigReader, value: unknown, precision: number): Catalog[] {
  const list = r.list(value, 'catalogVersions');
  if (!list) return [];
  const versions: Catalog[] = [];
  list.forEach((item, i) => {
    const at = join('catalogVersions', i);
    const v = r.object(item, at, ['version', 'effectiveFrom', 'features']);
    if (!v) return;
    const version = r.id(v.version, join(at, 'version'));
    const effectiveFrom = r.string(v.effectiveFrom, join(at, 'effectiveFrom'));
    const features: Feature[] = [];
    for (const [id, raw] of r.entries(v.features, join(at, 'features'), 'feature id')) {
      const feature = readFeature(r, id, raw, join(join(at, 'features'), id), precision);
      if (feature) features.push(feature);
    }
    if (version !== undefined && effectiveFrom !== undefined) versions.push({ version, effectiveFrom, features });
  });
  // Cross-field invariants (ISO instants, exact quality products, phase consistency, unique versions)
  // are the domain's. Skipped when every listed version already failed to read.
  if (versions.length > 0 || list.length === 0) {
    for (const p of validateCatalogVersions(versions, precision)) r.problem(`catalogVersions${p.path}`, p.message);
  }
  return [...versions].sort((a, b) => Date.parse(a.effectiveFrom) - Date.parse(b.effectiveFrom));
}

const FEATURE_FIELDS = ['title', 'price', 'priceBy', 'prices', 'quality', 'defaultQuality', 'anyValue'] as const;

function readFeature(r: ConfigReader, id: string, raw: unknown, at: string, precision: number): Feature | undefined {
  const f = r.object(raw, at, FEATURE_FIELDS);
  if (!f) return undefined;
  const before = r.problems.length;
  const title = f.title === undefined ? undefined : r.string(f.title, join(at, 'title'));

  let pricing: FeaturePricing | undefined;
  if (f.price !== undefined) {
    if (f.priceBy !== undefined || f.prices !== undefined) r.problem(at, 'give either price, or priceBy with prices, not both');
    const price = readUnitPrice(r, f.price, join(at, 'price'), precision);
    if (price) pricing = { kind: 'flat', price };
  } else if (f.priceBy !== undefined || f.prices !== undefined) {
    const dimension = r.oneOf(f.priceBy, join(at, 'priceBy'), PRICE_DIMENSIONS);
    const options = r.entries(f.prices, join(at, 'prices'), 'option value').map(([value, item]) => ({
      value,
      price: readUnitPrice(r, item, join(join(at, 'prices'), value), precision),
    }));
    if (dimension && options.every((o) => o.price)) {
      pricing = { kind: 'by-option', dimension, options: options.map((o) => ({ value: o.value, price: o.price as UnitPrice })) };
    }
  } else {
    r.problem(join(at, 'price'), 'missing; give price (use 0 for a free feature), or priceBy with prices');
  }

  let quality: QualityPricing | undefined;
  if (f.quality !== undefined) {
    const levels = r.entries(f.quality, join(at, 'quality'), 'quality level').map(([value, factor]) => ({
      value,
      factor: r.decimal(factor, join(join(at, 'quality'), value), 'decimal factor'),
    }));
    const fallback = f.defaultQuality === undefined ? undefined : r.id(f.defaultQuality, join(at, 'defaultQuality'));
    if (levels.every((l) => l.factor !== undefined)) {
      quality = { levels: levels.map((l) => ({ value: l.value, factor: l.factor as string })), ...(fallback ? { default: fallback } : {}) };
    }
  } else if (f.defaultQuality !== undefined) {
    r.problem(join(at, 'defaultQuality'), 'given without quality levels');
  }

  let anyValueOptions: PriceDimension[] | undefined;
  if (f.anyValue !== undefined) {
    const list = r.list(f.anyValue, join(at, 'anyValue'));
    const items = (list ?? []).map((item, i) => r.oneOf(item, `${join(at, 'anyValue')}[${i}]`, PRICE_DIMENSIONS));
    if (list && items.every((d) => d !== undefined)) anyValueOptions = items as PriceDimension[];
  }

  if (r.problems.length > before || !pricing) return undefined;
  return {
    id,
    ...(title ? { title } : {}),
    pricing,
    ...(quality ? { quality } : {}),
    ...(anyValueOptions ? { anyValueOptions } : {}),
  };
}

/** An amount, or `{generate, accept}` for a phased price. */
function readUnitPrice(r: ConfigReader, value: unknown, at: string, precision: number): UnitPrice | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype) {
    const phases = r.object(value, at, ['generate', 'accept']) as Obj;
    const generate = r.credits(phases.generate, join(at, 'generate'), precision);
    const accept = r.credits(phases.accept, join(at, 'accept'), precision);
    return generate !== undefined && accept !== undefined ? { kind: 'phased', generate, accept } : undefined;
  }
  const amount = r.credits(value, at, precision);
  return amount === undefined ? undefined : { kind: 'single', credits: amount };
}

function isMapping(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `accountAnalytics: {plans: [...]}`: which plans' accounts get per-account usage reports. */
function readAccountAnalytics(r: ConfigReader, value: unknown, planIds: string[]): string[] | null {
  if (value === undefined) return null;
  const obj = r.object(value, 'accountAnalytics', ['plans']);
  if (!obj) return null;
  const list = r.list(obj.plans, 'accountAnalytics.plans') ?? [];
  return list.flatMap((id, i) => {
    const planId = r.string(id, `accountAnalytics.plans[${i}]`);
    if (planId !== undefined && !planIds.includes(planId)) r.problem(`accountAnalytics.plans[${i}]`, `"${planId}" is not a plan of this tenant`);
    return planId === undefined ? [] : [planId];
  });
}

/** `webhooks: [{id, url, alerts, secretEnv}]`: where the tenant's alerts are delivered; none when absent. */
function readWebhooks(r: ConfigReader, value: unknown): WebhookConfig[] {
  if (value === undefined) return [];
  const list = r.list(value, 'webhooks') ?? [];
  const seen = new Set<string>();
  return list.flatMap((item, i) => {
    const at = join('webhooks', i);
    const w = r.object(item, at, ['id', 'url', 'alerts', 'secretEnv']);
    if (!w) return [];
    const id = r.id(w.id, join(at, 'id'));
    if (id !== undefined && seen.has(id)) r.problem(join(at, 'id'), `"${id}" names two webhooks`);
    if (id !== undefined) seen.add(id);
    const url = r.string(w.url, join(at, 'url'));
    if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url)) r.problem(join(at, 'url'), `"${url}" is not an http(s) URL`);
    const kinds = r.list(w.alerts, join(at, 'alerts'));
    if (kinds?.length === 0) r.problem(join(at, 'alerts'), `must name at least one of ${ALERT_KINDS.join(', ')}`);
    const alerts = (kinds ?? []).flatMap((kind, k) => r.oneOf(kind, join(join(at, 'alerts'), k), ALERT_KINDS) ?? []);
    const secretEnv = r.string(w.secretEnv, join(at, 'secretEnv'));
    if (secretEnv !== undefined && !new RegExp(`^${WEBHOOK_SECRET_ENV_PREFIX}[A-Z0-9_]+$`).test(secretEnv)) {
      r.problem(join(at, 'secretEnv'), `must name an environment variable ${WEBHOOK_SECRET_ENV_PREFIX}<NAME> (upper-case letters, digits, _), not ${JSON.stringify(secretEnv)}`);
    }
    if (id === undefined || url === undefined || secretEnv === undefined || alerts.length === 0) return [];
    return [{ id, url, alerts, secretEnv }];
  });
}

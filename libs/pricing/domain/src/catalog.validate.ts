// Catalog invariants, checked once when a catalog is loaded so that quoting never meets a price it
// cannot compute exactly. Problems are returned, not thrown, so a loader can report all of them.
// Paths use the tenant file's field names (features.<id>.prices.<value>.accept, features.<id>.quality.<level>).
import { decimalRatio, formatCredits } from '@creditflow/kernel';
import { Catalog, Feature, UnitPrice } from './catalog.types';
import { fitsPrecision, multiplyExactly } from './price.arithmetic';

export interface CatalogProblem {
  readonly path: string;
  readonly message: string;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?Z$/;

export function validateCatalogVersions(versions: readonly Catalog[], precision: number): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  if (versions.length === 0) problems.push({ path: '', message: 'at least one catalog version is required' });
  const seenVersions = new Set<string>();
  const seenInstants = new Map<number, string>();
  versions.forEach((catalog, i) => {
    const at = `[${i}]`;
    if (seenVersions.has(catalog.version)) problems.push({ path: `${at}.version`, message: `version "${catalog.version}" appears twice` });
    seenVersions.add(catalog.version);
    const instant = Date.parse(catalog.effectiveFrom);
    const other = seenInstants.get(instant);
    if (other !== undefined) {
      problems.push({ path: `${at}.effectiveFrom`, message: `version "${catalog.version}" takes effect at the same instant as "${other}"` });
    }
    if (!Number.isNaN(instant)) seenInstants.set(instant, catalog.version);
    for (const p of validateCatalog(catalog, precision)) problems.push({ path: `${at}${p.path ? `.${p.path}` : ''}`, message: p.message });
  });
  return problems;
}

export function validateCatalog(catalog: Catalog, precision: number): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  if (!catalog.version) add('version', 'must not be empty');
  if (!ISO_UTC.test(catalog.effectiveFrom) || Number.isNaN(Date.parse(catalog.effectiveFrom))) {
    add('effectiveFrom', `"${catalog.effectiveFrom}" is not an ISO 8601 UTC instant such as 2025-01-01T00:00:00Z`);
  }
  const ids = new Set<string>();
  for (const feature of catalog.features) {
    const at = `features.${feature.id}`;
    if (ids.has(feature.id)) add(at, 'feature appears twice');
    ids.add(feature.id);
    validateFeature(feature, precision, at, add);
  }
  return problems;
}

function validateFeature(feature: Feature, precision: number, at: string, add: (path: string, message: string) => void): void {
  const prices: { path: string; price: UnitPrice }[] = [];
  const pricing = feature.pricing;
  if (pricing.kind === 'flat') {
    prices.push({ path: `${at}.price`, price: pricing.price });
  } else {
    if (pricing.options.length === 0) add(`${at}.prices`, `needs at least one ${pricing.dimension} value`);
    const values = new Set<string>();
    for (const option of pricing.options) {
      if (values.has(option.value)) add(`${at}.prices.${option.value}`, 'value appears twice');
      values.add(option.value);
      prices.push({ path: `${at}.prices.${option.value}`, price: option.price });
    }
    const kinds = new Set(pricing.options.map((o) => o.price.kind));
    if (kinds.size > 1) add(`${at}.prices`, 'either every value is phased (generate/accept) or none is');
    if ((feature.anyValueOptions ?? []).includes(pricing.dimension)) {
      add(`${at}.anyValue`, `${pricing.dimension} prices this feature, so it cannot also accept any value`);
    }
  }
  const anyValue = feature.anyValueOptions ?? [];
  if (new Set(anyValue).size !== anyValue.length) add(`${at}.anyValue`, 'names an option twice');

  const amounts = prices.flatMap(({ path, price }) =>
    price.kind === 'single' ? [{ path, amount: price.credits }] : [{ path: `${path}.generate`, amount: price.generate }, { path: `${path}.accept`, amount: price.accept }],
  );
  for (const { path, amount } of amounts) {
    if (amount < 0n) add(path, `${formatCredits(amount)} is negative`);
    else if (!fitsPrecision(amount, precision)) add(path, `${formatCredits(amount)} has more than ${precision} decimal places`);
  }

  if (!feature.quality) return;
  const levels = feature.quality.levels;
  if (levels.length === 0) add(`${at}.quality`, 'needs at least one level');
  const names = new Set<string>();
  for (const level of levels) {
    const path = `${at}.quality.${level.value}`;
    if (names.has(level.value)) add(path, 'level appears twice');
    names.add(level.value);
    try {
      decimalRatio(level.factor);
    } catch {
      add(path, `"${level.factor}" is not a decimal factor`);
      continue;
    }
    for (const { path: pricePath, amount } of amounts) {
      if (amount >= 0n && multiplyExactly(amount, level.factor, precision) === null) {
        add(path, `${pricePath.slice(at.length + 1)} ${formatCredits(amount)} x ${level.factor} needs more than ${precision} decimal places`);
      }
    }
  }
  if (feature.quality.default !== undefined && !names.has(feature.quality.default)) {
    add(`${at}.defaultQuality`, `"${feature.quality.default}" is not one of the quality levels (${[...names].join(', ')})`);
  }
}

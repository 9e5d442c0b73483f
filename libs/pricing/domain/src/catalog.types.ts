// What a tenant sells: a versioned price catalog of features, plus credit packages and plans.
// Plain immutable data; libs/tenancy builds it from the tenant file, the pricing service quotes from it.
import { Credits, Money } from '@creditflow/kernel';

/** Request fields that can select a price from a feature's table. */
export const PRICE_DIMENSIONS = ['model', 'resolution', 'detail'] as const;
export type PriceDimension = (typeof PRICE_DIMENSIONS)[number];

/** Every request field that names an option: the price dimensions plus the quality multiplier. */
export const OPTION_FIELDS = [...PRICE_DIMENSIONS, 'quality'] as const;
export type OptionField = (typeof OPTION_FIELDS)[number];

/** The phases of a two-phase feature, in the order they are charged. */
export const PHASES = ['generate', 'accept'] as const;
export type Phase = (typeof PHASES)[number];

/**
 * The price of one unit (one image, one message). `single`: one charge. `phased`: charged per phase
 * (listing-editor: generate 1, accept 2); rejecting after `generate` costs only the generate phase.
 * A price of 0 is a free feature.
 */
export type UnitPrice =
  | { readonly kind: 'single'; readonly credits: Credits }
  | { readonly kind: 'phased'; readonly generate: Credits; readonly accept: Credits };

export interface OptionPrice {
  readonly value: string;
  readonly price: UnitPrice;
}

/** A feature has one base price, or a table keyed by the value of one dimension. */
export type FeaturePricing =
  | { readonly kind: 'flat'; readonly price: UnitPrice }
  | { readonly kind: 'by-option'; readonly dimension: PriceDimension; readonly options: readonly OptionPrice[] };

/** A quality level multiplies the unit price by an exact decimal factor ("1.5" = +50%). */
export interface QualityLevel {
  readonly value: string;
  readonly factor: string;
}

export interface QualityPricing {
  readonly levels: readonly QualityLevel[];
  /** Used when the request names no quality; without a default the quality is required. */
  readonly default?: string;
}

export interface Feature {
  readonly id: string;
  readonly title?: string;
  readonly pricing: FeaturePricing;
  readonly quality?: QualityPricing;
  /**
   * Options the feature accepts with any value and that do not change the price (apinfer's
   * qwen-image costs the same at "any resolution"). Any other option the feature does not price is refused.
   */
  readonly anyValueOptions?: readonly PriceDimension[];
}

/** One version of a tenant's price catalog. Quotes name the version they were priced with. */
export interface Catalog {
  readonly version: string;
  /** ISO 8601 UTC instant from which this version is in effect. */
  readonly effectiveFrom: string;
  readonly features: readonly Feature[];
}

/** A one-time credit pack: buying it grants a `topup` lot that carries the price paid. */
export interface CreditPackage {
  readonly id: string;
  readonly title?: string;
  readonly credits: Credits;
  readonly price: Money;
}

export interface PlanPrices {
  readonly monthly?: Money;
  readonly yearly?: Money;
}

/**
 * A subscription plan. Grants happen at each billing-cycle start, monthly also for yearly billing.
 * A `custom` plan (amisi enterprise) has its allocation and price negotiated per contract: its
 * `monthlyCredits` and `rolloverCap` are null and its `prices` empty, and whoever subscribes an
 * account to it must supply the contract's figures.
 */
export interface Plan {
  readonly id: string;
  readonly title?: string;
  readonly custom: boolean;
  /** Credits granted as a `subscription` lot at each cycle start; null only for custom plans. */
  readonly monthlyCredits: Credits | null;
  /**
   * At a cycle end, unused subscription credits up to this amount roll over and the rest expire.
   * 0 = nothing rolls over (the balance refreshes each cycle); null only for custom plans.
   */
  readonly rolloverCap: Credits | null;
  /** Members a team account on this plan may have; null = unlimited. */
  readonly maxMembers: number | null;
  readonly prices: PlanPrices;
  /** Granted once, as a `trial` lot, when an account takes the plan; never renewed (amisi free). */
  readonly oneTime?: Credits;
}

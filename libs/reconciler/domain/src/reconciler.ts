// The independent reconciler: folds the wallet's stored events and the refund service's decisions
// with its own model of lots and holds (no wallet, pricing or refund code) and checks, for every
// account, that the records agree with each other:
// - conservation: granted - spent - expired - clawed back + restored = available + held, where the
//   left side sums the events' amounts and the right side follows the lot shares they name; no lot
//   below zero or above its grant; every balance the wallet states (denials, alerts, refused
//   claw-backs) equal to the one derived here;
// - charges: every hold captured at most once, with the lots and amount it was placed with; an accept
//   charged once, at the accept phase's price; a hold's price equal to the price of its feature in the
//   catalog version it names (priced again from the tenant file's text);
// - restorations: exactly what the usage was charged, from the lots it was charged to, once;
// - money in: every purchased lot paid its list price, or below it with a stated reason (promotion,
//   discount code, contract), or above it under a contract, in the tenant's currency;
// - refunds: money = clawed-back credits x the purchase's price per credit, rounded as the tenant's
//   refund policy says; settled only against the claw-back the wallet recorded, voided only against a
//   refused one;
// - usage decisions: every decision published for a wallet event (id `decision:<event id>`) names an
//   event that exists, for the same account, and says what it says (type, usage, credits).
import { Rounding, creditsText, divide, moneyText, unitsOf } from './amounts';
import { CatalogText, priceAgain } from './prices';
import { AccountBalance, Discrepancy, DiscrepancyKind, Evidence, ReconciliationReport } from './report';

/** Evidence with when its event was recorded (for --from). */
type TimedEvidence = Evidence & { recordedAt: string };

/** The decision each usage event is published as (libs/contracts USAGE_DECISION_TYPES), with the amounts it must carry. */
/** `texts`: fields said as written (the denial's code, its retry time); `paidFrom`: where the credits came from, checked where the decision says it. */
interface ExpectedDecision { type: string; amounts: [string, bigint][]; texts?: [string, string][]; paidFrom?: string }
const DECISIONS: Record<string, (data: any) => ExpectedDecision> = {
  HoldPlaced: (d) => ({ type: 'creditflow.usage.authorized', amounts: [['credits', d.credits]], paidFrom: paidFromText(d) }),
  // A member's spending limit denies with the limit and what was spent instead of the available balance;
  // a rate limit with the limit's id and when to retry.
  UsageDenied: (d) => ({
    type: 'creditflow.usage.denied',
    amounts: d.memberLimit ? [['required', d.required], ['limit', d.memberLimit.limit], ['spent', d.memberLimit.spent]]
      : d.rateLimit ? [['required', d.required]]
      : [['required', d.required], ['available', d.available]],
    texts: d.rateLimit ? [['error', 'rate_limited'], ['rateLimit', String(d.rateLimit.limitId)], ['retryAt', String(d.rateLimit.retryAt)]] : [],
  }),
  // A completed or accepted usage's credits are what the lots gave and what free allowances paid.
  HoldCaptured: (d) => ({ type: 'creditflow.usage.completed', amounts: [['credits', d.amount + total(allowanceSharesOf(d.allowances))]], paidFrom: paidFromText(d) }),
  HoldReleased: (d) => ({ type: 'creditflow.usage.failed', amounts: [['released', d.amount]] }),
  UsageFailedAfterCompletion: (d) => ({ type: 'creditflow.usage.failed', amounts: [['charged', d.charged]] }),
  AcceptCharged: (d) => ({ type: 'creditflow.usage.accepted', amounts: [['credits', d.amount + total(allowanceSharesOf(d.allowances))]], paidFrom: paidFromText(d) }),
  UsageRejected: () => ({ type: 'creditflow.usage.rejected', amounts: [] }),
};

/** `allowance:<id>=<credits> lot:<lotId>=<credits>`, in the order the event names them: what a decision's paidFrom must say. */
function paidFromText(d: { allowances?: unknown; lots?: unknown }): string {
  return [
    ...allowanceSharesOf(d.allowances).map((a) => `allowance:${a.lotId}=${creditsText(a.amount)}`),
    ...sharesOf(d.lots).map((l) => `lot:${l.lotId}=${creditsText(l.amount)}`),
  ].join(' ');
}

/** A decision's paidFrom as published, in the same text. */
function publishedPaidFrom(value: unknown): string {
  return Array.isArray(value) ? value.map((p) => `${String(p?.source)}=${amountText(p?.amount)}`).join(' ') : JSON.stringify(value ?? null);
}

/** A decision's decimal amount, normalised ("2.6250" and "2.625" are one amount); as written when it is none. */
function amountText(value: unknown): string {
  const units = unitsOf(value);
  return units === null ? JSON.stringify(value ?? null) : creditsText(units);
}

/** One stored event, decoded (bigint amounts), with where it is and whose it is. */
export interface StoredFact {
  stream: string;
  eventId: string;
  revision: bigint;
  position: bigint;
  recordedAt: string;
  type: string;
  tenant: string;
  account: string;
  data: any; // read field by field, as the event types in libs/contracts describe them
}

/** A usage decision as published (CloudEvent), with where it is on the bus. */
export interface DecisionMessage {
  topic: string;
  partition: number;
  offset: string;
  id: string;
  type: string;
  /** The CloudEvent's time. */
  time: string;
  tenant: string;
  account: string;
  data: Record<string, unknown>;
}

/** An account's balance as another record states it (the ops read model), after the account's event at `revision`. */
export interface StatedBalance {
  source: string;
  tenant: string;
  account: string;
  revision: bigint;
  available: bigint;
  held: bigint;
  byType: Record<string, bigint>;
}

/** A free allowance as the tenant file writes it: `uses` authorizations or `credits` per rolling window. */
export interface AllowanceTerms {
  unit: 'uses' | 'credits';
  /** Uses (whole) or credit units (10^-6). */
  amount: bigint;
  windowMs: number;
}

/** A rate limit as the tenant file writes it. */
export interface RateLimitTerms {
  uses: number;
  windowMs: number;
}

/** What the reconciler needs of a tenant's file: its catalog versions and its refund rounding. */
export interface TenantTerms {
  /** `wallet.allowances` by id (absent: the file has none). */
  allowances?: Map<string, AllowanceTerms>;
  /** `wallet.rateLimits` by id. */
  rateLimits?: Map<string, RateLimitTerms>;
  catalogs: CatalogText[];
  /** The refund policy's `rounding`, or the platform default when the file names none. */
  refundRounding: Rounding;
  /** The currency the tenant sells in. */
  currency: string;
}

/** The platform's default refund rounding (libs/refund/domain/README.md): banker's. */
export const DEFAULT_REFUND_ROUNDING: Rounding = 'half-even';

interface Share { lotId: string; amount: bigint }

interface Lot {
  lotId: string;
  type: string;
  amount: bigint;
  remaining: bigint;
  expiresAt: string | null;
  costBasis: { paidMinor: bigint; currency: string } | null;
  granted: TimedEvidence;
}

/** One use of a free allowance the account made: by which usage, at when, how much (uses or credit units). */
interface AllowanceUse { usageId: string; at: number; units: bigint }

interface Hold {
  credits: bigint;
  /** What free allowances paid of the generate phase (lotId = the allowance id). */
  allowances: Share[];
  phases: { generate: bigint; accept: bigint } | null;
  held: Share[];
  state: 'open' | 'captured' | 'released';
  charged: Share[];
  accepted: boolean;
  restored: boolean;
  placed: TimedEvidence;
  captured?: TimedEvidence;
}

interface Account {
  tenant: string;
  account: string;
  lots: Map<string, Lot>;
  holds: Map<string, Hold>;
  flows: { granted: bigint; spent: bigint; expired: bigint; clawedBack: bigint; restored: bigint };
  clawBacks: Map<string, { lotId: string; amount: bigint; evidence: TimedEvidence }>;
  refusals: Map<string, TimedEvidence>;
  restorations: Map<string, { usageId: string; amount: bigint; evidence: TimedEvidence }>;
  /** Allowance uses by allowance id, and authorizations counted by each rate limit (their times, ms). */
  allowanceUses: Map<string, AllowanceUse[]>;
  rateLimitUses: Map<string, number[]>;
  last: TimedEvidence;
}

interface RefundRecord {
  tenant: string;
  account: string;
  decision: any; // RefundDecided.data.decision, read field by field
  decided: TimedEvidence;
  settled?: { money: { minor: bigint; currency: string } | null; evidence: TimedEvidence };
  voided?: TimedEvidence;
}

/** Digits of the minor unit, for showing money in a finding: 2 unless listed. */
const MINOR_DIGITS: Record<string, number> = { JPY: 0 };

export class Reconciler {
  private readonly accounts = new Map<string, Account>();
  private readonly refunds = new Map<string, RefundRecord>();
  private readonly found: Discrepancy[] = [];
  private readonly counts = { wallet: 0, refund: 0, decisions: 0, authorized: 0, completed: 0 };
  /** Wallet and refund events read, by tenant. */
  private readonly tenantEvents = new Map<string, { wallet: number; refund: number }>();
  /** The decision each wallet usage event must have been published as, by event id. */
  private readonly usageEvents = new Map<string, { tenant: string; account: string; event: string; usageId: string; decision: ExpectedDecision; evidence: TimedEvidence }>();
  private readonly decisions: DecisionMessage[] = [];
  private readonly stated: StatedBalance[] = [];

  /** `terms` of a tenant, or undefined when its file is unknown (prices and rounding are then not checked). */
  constructor(private readonly terms: (tenant: string) => TenantTerms | undefined) {}

  /** A wallet event (stream `wallet-<tenant>_<account>`), in store order. */
  wallet(fact: StoredFact): void {
    this.counts.wallet++;
    this.eventsOf(fact.tenant).wallet++;
    const account = this.accountOf(fact.tenant, fact.account);
    const ev = evidenceOf(fact);
    account.last = ev;
    const d = fact.data;
    if (Object.hasOwn(DECISIONS, fact.type)) {
      this.usageEvents.set(fact.eventId, { tenant: fact.tenant, account: fact.account, event: fact.type, usageId: String(d.usageId), decision: DECISIONS[fact.type](d), evidence: ev });
    }
    const flag = (kind: DiscrepancyKind, message: string, expected: bigint | string, found: bigint | string, more: TimedEvidence[] = []) =>
      this.flag(account, kind, message, expected, found, [...more, ev]);
    switch (fact.type) {
      case 'CreditsGranted': {
        if (account.lots.has(d.lotId)) return flag('lot', `lot ${d.lotId} granted twice`, 'one grant', 'another grant', [account.lots.get(d.lotId)!.granted]);
        const basis = d.costBasis ? { paidMinor: BigInt(d.costBasis.paidMinor), currency: String(d.costBasis.currency) } : null;
        if (d.costBasis) this.checkMoneyIn(account, d.lotId, d.costBasis, ev);
        account.lots.set(d.lotId, { lotId: d.lotId, type: d.lotType, amount: d.amount, remaining: d.amount, expiresAt: d.expiresAt ?? null, costBasis: basis, granted: ev });
        account.flows.granted += d.amount;
        return;
      }
      case 'HoldPlaced': {
        this.counts.authorized++;
        if (account.holds.has(d.usageId)) return flag('charge', `usage ${d.usageId} held twice`, 'one hold', 'a second HoldPlaced', [account.holds.get(d.usageId)!.placed]);
        this.checkPrice(account, fact, ev);
        const held = sharesOf(d.lots);
        const free = allowanceSharesOf(d.allowances);
        // The price is paid by the free allowances and the lots together.
        this.checkSum(account, 'HoldPlaced', d.credits, [...free, ...held], ev);
        this.move(account, held, -1n, ev);
        this.useAllowances(account, d.usageId, d.allowances, Date.parse(d.placedAt), ev);
        this.countRateLimits(account, d.rateLimits, Date.parse(d.placedAt), ev);
        account.holds.set(d.usageId, {
          credits: d.credits, allowances: free, phases: d.phases ? { generate: d.phases.generate, accept: d.phases.accept } : null, held, state: 'open', charged: [], accepted: false,
          restored: false, placed: ev,
        });
        return;
      }
      case 'HoldCaptured': {
        this.counts.completed++;
        account.flows.spent += d.amount;
        const hold = account.holds.get(d.usageId);
        if (!hold) return flag('charge', `usage ${d.usageId} captured without a hold`, 'a HoldPlaced before it', 'none');
        if (hold.state !== 'open') {
          return flag('charge', `usage ${d.usageId} charged twice: captured after it was ${hold.state}`, 'one capture', `another capture of ${creditsText(d.amount)}`, [hold.placed, ...(hold.captured ? [hold.captured] : [])]);
        }
        hold.state = 'captured';
        hold.captured = ev;
        hold.charged = [...hold.held];
        const lotsOwe = hold.credits - total(hold.allowances);
        if (d.amount !== lotsOwe) flag('charge', `usage ${d.usageId} captured at another amount than it was authorized at`, lotsOwe, d.amount, [hold.placed]);
        else if (!sameShares(allowanceSharesOf(d.allowances), hold.allowances)) flag('allowance', `usage ${d.usageId} captured other allowance uses than it held`, sharesText(hold.allowances), sharesText(allowanceSharesOf(d.allowances)), [hold.placed]);
        else if (!sameShares(sharesOf(d.lots), hold.held)) flag('charge', `usage ${d.usageId} captured from other lots than it held`, sharesText(hold.held), sharesText(sharesOf(d.lots)), [hold.placed]);
        this.checkSum(account, 'HoldCaptured', d.amount, sharesOf(d.lots), ev);
        return;
      }
      case 'HoldReleased': {
        const hold = account.holds.get(d.usageId);
        const returned = sharesOf(d.lots);
        this.checkSum(account, 'HoldReleased', d.amount, returned, ev);
        this.move(account, returned, 1n, ev);
        if (!hold) return flag('charge', `usage ${d.usageId} released without a hold`, 'a HoldPlaced before it', 'none');
        if (hold.state !== 'open') return flag('charge', `usage ${d.usageId} released after it was ${hold.state}`, 'an open hold', hold.state, [hold.placed]);
        hold.state = 'released';
        // A released hold gives its allowance uses back.
        this.giveBackAllowances(account, d.usageId);
        if (!sameShares(allowanceSharesOf(d.allowances), hold.allowances)) flag('allowance', `usage ${d.usageId} gave back other allowance uses than it held`, sharesText(hold.allowances), sharesText(allowanceSharesOf(d.allowances)), [hold.placed]);
        if (!sameShares(returned, hold.held)) flag('charge', `usage ${d.usageId} released to other lots or amounts than it held`, sharesText(hold.held), sharesText(returned), [hold.placed]);
        return;
      }
      case 'AcceptCharged': {
        account.flows.spent += d.amount;
        const shares = sharesOf(d.lots);
        this.checkSum(account, 'AcceptCharged', d.amount, shares, ev);
        this.move(account, shares, -1n, ev);
        const hold = account.holds.get(d.usageId);
        if (!hold || hold.state !== 'captured') return flag('charge', `usage ${d.usageId} charged its accept phase without a completed generate phase`, 'captured', hold?.state ?? 'no hold', hold ? [hold.placed] : []);
        if (!hold.phases) return flag('charge', `usage ${d.usageId} charged an accept phase it was not priced with`, 'no accept charge', d.amount, [hold.placed]);
        if (hold.accepted) return flag('charge', `usage ${d.usageId}'s accept phase charged twice`, 'one accept charge', `another of ${creditsText(d.amount)}`, [hold.placed]);
        hold.accepted = true;
        hold.charged = [...hold.charged, ...shares];
        const free = allowanceSharesOf(d.allowances);
        hold.allowances = [...hold.allowances, ...free];
        this.useAllowances(account, d.usageId, d.allowances, Date.parse(d.chargedAt), ev);
        if (d.amount + total(free) !== hold.phases.accept) flag('charge', `usage ${d.usageId}'s accept phase charged at another amount than it was authorized at`, hold.phases.accept, d.amount + total(free), [hold.placed]);
        return;
      }
      case 'UsageFailedAfterCompletion': {
        const hold = account.holds.get(d.usageId);
        const charged = hold ? total(hold.charged) : 0n;
        if (d.charged !== charged) flag('charge', `usage ${d.usageId} failed after completion stating another charge than was made`, charged, d.charged, hold ? [hold.placed] : []);
        return;
      }
      case 'CreditsRestored': {
        account.flows.restored += d.amount;
        const shares = sharesOf(d.lots);
        this.checkSum(account, 'CreditsRestored', d.amount, shares, ev);
        this.move(account, shares, 1n, ev);
        account.restorations.set(d.restorationId, { usageId: d.usageId, amount: d.amount, evidence: ev });
        const hold = account.holds.get(d.usageId);
        if (!hold || (hold.charged.length === 0 && hold.allowances.length === 0)) return flag('restore', `usage ${d.usageId} restored without a charge`, 'a charge to restore', 'none', hold ? [hold.placed] : []);
        if (hold.restored) return flag('restore', `usage ${d.usageId} restored twice`, 'one restoration', `another of ${creditsText(d.amount)}`, [hold.placed]);
        hold.restored = true;
        this.giveBackAllowances(account, d.usageId);
        if (!sameShares(allowanceSharesOf(d.allowances), hold.allowances)) flag('restore', `usage ${d.usageId} gave back other allowance uses than it was paid by`, sharesText(hold.allowances), sharesText(allowanceSharesOf(d.allowances)), [hold.placed]);
        if (!sameShares(shares, hold.charged)) flag('restore', `usage ${d.usageId} restored other credits than it was charged`, sharesText(hold.charged), sharesText(shares), [hold.placed]);
        return;
      }
      case 'CreditsClawedBack': {
        account.flows.clawedBack += d.amount;
        this.move(account, [{ lotId: d.lotId, amount: d.amount }], -1n, ev);
        account.clawBacks.set(d.refundId, { lotId: d.lotId, amount: d.amount, evidence: ev });
        return;
      }
      case 'ClawBackRefused': {
        account.refusals.set(d.refundId, ev);
        const unused = account.lots.get(d.lotId)?.remaining ?? 0n;
        if (d.unused !== unused) flag('balance', `claw-back of refund ${d.refundId} refused stating lot ${d.lotId} had another unused amount`, unused, d.unused);
        return;
      }
      case 'RolloverExpired':
      case 'LotExpired': {
        account.flows.expired += d.amount;
        const shares = fact.type === 'LotExpired' ? [{ lotId: d.lotId, amount: d.amount as bigint }] : sharesOf(d.lots);
        this.checkSum(account, fact.type, d.amount, shares, ev);
        this.move(account, shares, -1n, ev);
        const lot = fact.type === 'LotExpired' ? account.lots.get(d.lotId) : undefined;
        if (lot && !d.replacedBy && lot.expiresAt !== null && d.expiredAt < lot.expiresAt) {
          flag('lot', `lot ${d.lotId} expired before its expiry`, `at or after ${lot.expiresAt}`, d.expiredAt, [lot.granted]);
        }
        return;
      }
      case 'UsageDenied':
      case 'LowBalanceAlertRaised':
      case 'AutoTopUpRequested':
      case 'RunningOutAlertRaised': {
        if (fact.type === 'UsageDenied' && d.rateLimit) this.checkRateLimitDenial(account, d, ev);
        const available = availableOf(account);
        if (d.available !== available) flag('balance', `${fact.type} states another available balance than the events add up to`, available, d.available);
        return;
      }
      default:
        return;
    }
  }

  /** A refund service event (stream `refund-<tenant>_<refundId>`). */
  refund(fact: StoredFact): void {
    this.counts.refund++;
    this.eventsOf(fact.tenant).refund++;
    const ev = evidenceOf(fact);
    const d = fact.data;
    if (fact.type === 'RefundDecided') {
      this.refunds.set(`${fact.tenant}/${d.decision.refundId}`, { tenant: fact.tenant, account: fact.account, decision: d.decision, decided: ev });
      return;
    }
    const record = this.refunds.get(`${fact.tenant}/${d.refundId}`);
    if (!record) return;
    if (fact.type === 'RefundSettled') record.settled = { money: d.money ? { minor: BigInt(d.money.minor), currency: String(d.money.currency) } : null, evidence: ev };
    if (fact.type === 'RefundVoided') record.voided = ev;
  }

  /** A usage decision read from creditflow.usage-decisions.v1 (checked in `report`, against every wallet event read). */
  decision(message: DecisionMessage): void {
    this.counts.decisions++;
    this.decisions.push(message);
  }

  /** A balance another record states (checked in `report` when it is at the revision the fold ends at). */
  statedBalance(balance: StatedBalance): void {
    this.stated.push(balance);
  }

  /** Everything found; the end-of-history checks (conservation, refunds) run here. */
  report(options: { from?: string } = {}): ReconciliationReport {
    const atEnd: Discrepancy[] = [];
    for (const account of this.accounts.values()) atEnd.push(...this.conservation(account));
    atEnd.push(...this.refundFindings(), ...this.decisionFindings());
    const stated = this.statedFindings();
    atEnd.push(...stated.found);
    const from = options.from;
    const discrepancies = [...this.found, ...atEnd].filter((f) => from === undefined || (f.evidence as TimedEvidence[]).some((e) => e.recordedAt >= from));
    let withMoney = 0;
    for (const r of this.refunds.values()) if (r.decision.money) withMoney++;
    return {
      events: { wallet: this.counts.wallet, refund: this.counts.refund, decisions: this.counts.decisions },
      accounts: this.accounts.size,
      usages: { authorized: this.counts.authorized, completed: this.counts.completed },
      refunds: { decided: this.refunds.size, withMoney },
      statedBalances: { compared: stated.compared, skipped: this.stated.length - stated.compared },
      discrepancies: discrepancies.map(({ evidence, ...rest }) => ({ ...rest, evidence: (evidence as TimedEvidence[]).map(({ recordedAt: _, ...e }) => e) })),
      balances: [...this.accounts.values()].map(balanceOf),
      tenants: [...this.tenantEvents].sort(([a], [b]) => a.localeCompare(b)).map(([tenant, events]) => ({
        tenant, events, accounts: [...this.accounts.values()].filter((a) => a.tenant === tenant).length,
      })),
    };
  }

  private eventsOf(tenant: string): { wallet: number; refund: number } {
    let events = this.tenantEvents.get(tenant);
    if (!events) this.tenantEvents.set(tenant, (events = { wallet: 0, refund: 0 }));
    return events;
  }

  /** Each stated balance at the revision the fold ends at, against the fold: available, held and each lot type's available. */
  private statedFindings(): { found: Discrepancy[]; compared: number } {
    const found: Discrepancy[] = [];
    let compared = 0;
    for (const s of this.stated) {
      const account = this.accounts.get(`${s.tenant}/${s.account}`);
      if (!account || account.last.revision !== s.revision.toString()) continue;
      compared++;
      const derived = balanceOf(account);
      const types = [...new Set([...Object.keys(derived.byType), ...Object.keys(s.byType)])].sort();
      const text = (available: string, held: string, byType: Record<string, string>) =>
        `available ${available}, held ${held}${types.map((t) => `, ${t} ${byType[t] ?? '0'}`).join('')}`;
      const expected = text(derived.available, derived.held, derived.byType);
      const stated = text(creditsText(s.available), creditsText(s.held), Object.fromEntries(Object.entries(s.byType).map(([k, v]) => [k, creditsText(v)])));
      if (expected !== stated) {
        found.push(finding(s.tenant, s.account, 'balance', `${s.source} states another balance after revision ${s.revision} than the events add up to`, expected, stated, [account.last]));
      }
    }
    return { found, compared };
  }

  private decisionFindings(): Discrepancy[] {
    const out: Discrepancy[] = [];
    for (const m of this.decisions) {
      const where: TimedEvidence = { stream: m.topic, revision: String(m.partition), position: m.offset, eventId: m.id, type: m.type, recordedAt: m.time };
      const add = (message: string, expected: string, found: string, evidence: TimedEvidence[]) => out.push(finding(m.tenant, m.account, 'decision', message, expected, found, [...evidence, where]));
      // A decision the consumer answered itself (a command refused before it reached the wallet) names no event.
      if (!m.id.startsWith('decision:')) continue;
      const event = this.usageEvents.get(m.id.slice('decision:'.length));
      if (!event) {
        add(`decision ${m.id} (${m.type}, usage ${String(m.data.usageId)}) names no usage event of the wallet`, 'a wallet usage event with that id', 'none', []);
        continue;
      }
      const expected = event.decision;
      const texts = expected.texts ?? [];
      // paidFrom is checked where the decision says it (decisions published before it existed do not).
      const paid = expected.paidFrom !== undefined && m.data.paidFrom !== undefined ? [`paidFrom ${publishedPaidFrom(m.data.paidFrom)}`] : [];
      const found = [
        m.type, String(m.data.usageId), ...expected.amounts.map(([field]) => `${field} ${amountText(m.data[field])}`), ...texts.map(([field]) => `${field} ${String(m.data[field])}`), ...paid,
      ].join(', ');
      const wanted = [
        expected.type, event.usageId, ...expected.amounts.map(([field, units]) => `${field} ${creditsText(units)}`), ...texts.map(([field, text]) => `${field} ${text}`),
        ...(paid.length ? [`paidFrom ${expected.paidFrom}`] : []),
      ].join(', ');
      if (found !== wanted || m.tenant !== event.tenant || m.account !== event.account) {
        add(`decision ${m.id} says other than the ${event.event} it was published for`, `${wanted} (${event.tenant}/${event.account})`, `${found} (${m.tenant}/${m.account})`, [event.evidence]);
      }
    }
    return out;
  }

  private accountOf(tenant: string, account: string): Account {
    const key = `${tenant}/${account}`;
    let found = this.accounts.get(key);
    if (!found) {
      found = {
        tenant, account, lots: new Map(), holds: new Map(), clawBacks: new Map(), refusals: new Map(), restorations: new Map(),
        allowanceUses: new Map(), rateLimitUses: new Map(),
        flows: { granted: 0n, spent: 0n, expired: 0n, clawedBack: 0n, restored: 0n },
        last: { stream: '', revision: '', position: '', eventId: '', type: '', recordedAt: '' },
      };
      this.accounts.set(key, found);
    }
    return found;
  }

  private flag(account: Account, kind: DiscrepancyKind, message: string, expected: bigint | string, found: bigint | string, evidence: TimedEvidence[]): void {
    this.found.push(finding(account.tenant, account.account, kind, message, expected, found, evidence));
  }

  /** Moves each share into (+1) or out of (-1) its lot; a lot that goes below zero or above its grant is a finding. */
  private move(account: Account, shares: Share[], sign: 1n | -1n, ev: TimedEvidence): void {
    for (const { lotId, amount } of shares) {
      const lot = account.lots.get(lotId);
      if (!lot) {
        this.flag(account, 'lot', `${ev.type} names lot ${lotId}, which was never granted`, 'a granted lot', 'none', [ev]);
        continue;
      }
      lot.remaining += sign * amount;
      if (lot.remaining < 0n) this.flag(account, 'lot', `lot ${lotId} goes below zero`, '>= 0', lot.remaining, [lot.granted, ev]);
      if (lot.remaining > lot.amount) this.flag(account, 'lot', `lot ${lotId} holds more than it was granted`, `<= ${creditsText(lot.amount)}`, lot.remaining, [lot.granted, ev]);
    }
  }

  /**
   * Free allowance uses at `at` (ms): each names an allowance of the tenant file, leaves its window one
   * window after `at`, and with the uses still in that window (made in the window's length before `at`,
   * not given back) stays within what the allowance grants.
   */
  private useAllowances(account: Account, usageId: string, raw: unknown, at: number, ev: TimedEvidence): void {
    const terms = this.terms(account.tenant);
    for (const use of Array.isArray(raw) ? raw : []) {
      const id = String(use.allowanceId);
      const units = BigInt(use.credits ?? 0n);
      const uses = BigInt(use.uses ?? 0);
      const rule = terms?.allowances?.get(id);
      const list = account.allowanceUses.get(id) ?? [];
      account.allowanceUses.set(id, list);
      if (!terms) continue;
      if (!rule) {
        this.flag(account, 'allowance', `usage ${usageId} was paid by allowance ${id}, which the tenant file does not have`, 'an allowance of wallet.allowances', id, [ev]);
        continue;
      }
      const amount = rule.unit === 'uses' ? uses : units;
      const expectedUntil = new Date(at + rule.windowMs).toISOString();
      if (String(use.until) !== expectedUntil) this.flag(account, 'allowance', `usage ${usageId}'s use of allowance ${id} leaves its window at another time than the file's window gives`, expectedUntil, String(use.until), [ev]);
      const inWindow = list.filter((u) => u.at > at - rule.windowMs).reduce((sum, u) => sum + u.units, 0n);
      if (inWindow + amount > rule.amount) {
        const show = (v: bigint) => (rule.unit === 'uses' ? `${v} uses` : `${creditsText(v)} credits`);
        this.flag(account, 'allowance', `allowance ${id} paid more than its window allows`, `at most ${show(rule.amount)}`, show(inWindow + amount), [ev]);
      }
      list.push({ usageId, at, units: amount });
    }
  }

  private giveBackAllowances(account: Account, usageId: string): void {
    for (const [id, list] of account.allowanceUses) account.allowanceUses.set(id, list.filter((u) => u.usageId !== usageId));
  }

  /** Authorizations counted by rate limits at `at`: never more in a window than the limit allows. */
  private countRateLimits(account: Account, raw: unknown, at: number, ev: TimedEvidence): void {
    const terms = this.terms(account.tenant);
    for (const use of Array.isArray(raw) ? raw : []) {
      const id = String(use.limitId);
      const list = account.rateLimitUses.get(id) ?? [];
      account.rateLimitUses.set(id, list);
      const rule = terms?.rateLimits?.get(id);
      if (terms && !rule) this.flag(account, 'rate-limit', `an authorization was counted by rate limit ${id}, which the tenant file does not have`, 'a limit of wallet.rateLimits', id, [ev]);
      if (rule) {
        const inWindow = list.filter((t) => t > at - rule.windowMs).length;
        if (inWindow + 1 > rule.uses) this.flag(account, 'rate-limit', `rate limit ${id} let more authorizations through than its window allows`, `at most ${rule.uses}`, String(inWindow + 1), [ev]);
      }
      list.push(at);
    }
  }

  /** A rate_limited denial: the limit was reached at that time, and the retry time is when the oldest counted authorization that must go leaves the window. */
  private checkRateLimitDenial(account: Account, d: any, ev: TimedEvidence): void {
    const rule = this.terms(account.tenant)?.rateLimits?.get(String(d.rateLimit.limitId));
    if (!rule) return;
    const at = Date.parse(d.deniedAt);
    const live = (account.rateLimitUses.get(String(d.rateLimit.limitId)) ?? []).filter((t) => t > at - rule.windowMs).sort((a, b) => a - b);
    if (live.length < rule.uses) {
      this.flag(account, 'rate-limit', `usage ${d.usageId} denied rate_limited by ${d.rateLimit.limitId} with fewer authorizations in the window than it allows`, `${rule.uses} in the window`, String(live.length), [ev]);
      return;
    }
    const retryAt = new Date(live[live.length - rule.uses] + rule.windowMs).toISOString();
    if (String(d.rateLimit.retryAt) !== retryAt) this.flag(account, 'rate-limit', `usage ${d.usageId}'s rate_limited denial names another retry time than the counted authorizations give`, retryAt, String(d.rateLimit.retryAt), [ev]);
  }

  private checkSum(account: Account, type: string, amount: bigint, shares: Share[], ev: TimedEvidence): void {
    const sum = total(shares);
    if (sum !== amount) this.flag(account, 'lot', `${type}'s amount is not the sum of its lot shares`, sum, amount, [ev]);
  }

  private checkPrice(account: Account, fact: StoredFact, ev: TimedEvidence): void {
    const terms = this.terms(account.tenant);
    if (!terms) return;
    const d = fact.data;
    const catalog = terms.catalogs.find((c) => String(c.version) === d.priceVersion);
    if (catalog && Date.parse(String(catalog.effectiveFrom)) > Date.parse(d.placedAt)) {
      this.flag(account, 'price', `usage ${d.usageId} priced with catalog version ${d.priceVersion} before it took effect`, `in effect from ${String(catalog.effectiveFrom)}`, d.placedAt, [ev]);
    }
    const again = priceAgain(terms.catalogs, d.priceVersion, d.feature, d.options ?? {});
    if (!again.ok) {
      this.flag(account, 'price', `usage ${d.usageId} cannot be priced again: ${again.reason}`, 'a price in the catalog', creditsText(d.credits), [ev]);
      return;
    }
    const { credits, phases } = again.price;
    const foundPhases = d.phases ? `${creditsText(d.phases.generate)}+${creditsText(d.phases.accept)}` : 'unphased';
    const expectedPhases = phases ? `${creditsText(phases.generate)}+${creditsText(phases.accept)}` : 'unphased';
    if (credits !== d.credits || foundPhases !== expectedPhases) {
      this.flag(account, 'price', `usage ${d.usageId} (${d.feature} ${JSON.stringify(d.options ?? {})}) held at another price than catalog version ${d.priceVersion} gives`,
        `${creditsText(credits)} (${expectedPhases})`, `${creditsText(d.credits)} (${foundPhases})`, [ev]);
    }
  }

  /** A purchase's price paid against its list price and the reason it states (the wallet's rule, read again from the lot's cost basis). */
  private checkMoneyIn(account: Account, lotId: string, basis: { paidMinor: unknown; currency: unknown; listPriceMinor?: unknown; promotional?: unknown; discountCode?: unknown; contractId?: unknown }, ev: TimedEvidence): void {
    const paid = BigInt(basis.paidMinor as bigint);
    const currency = String(basis.currency);
    const terms = this.terms(account.tenant);
    if (terms && currency !== terms.currency) this.flag(account, 'purchase', `lot ${lotId} was paid in another currency than the tenant sells in`, terms.currency, currency, [ev]);
    if (basis.listPriceMinor === undefined) return; // bought before list prices were kept
    const list = BigInt(basis.listPriceMinor as bigint);
    const digits = MINOR_DIGITS[currency] ?? 2;
    const money = (minor: bigint) => `${moneyText(minor, digits)} ${currency}`;
    if (paid < list && !basis.promotional && !basis.discountCode && !basis.contractId) {
      this.flag(account, 'purchase', `lot ${lotId} was paid below its list price without a promotion, discount code or contract`, money(list), money(paid), [ev]);
    }
    if (paid > list && !basis.contractId) this.flag(account, 'purchase', `lot ${lotId} was paid above its list price without a contract`, money(list), money(paid), [ev]);
  }

  private conservation(account: Account): Discrepancy[] {
    const { granted, spent, expired, clawedBack, restored } = account.flows;
    const byFlows = granted - spent - expired - clawedBack + restored;
    const available = availableOf(account);
    const held = heldOf(account);
    if (byFlows === available + held) return [];
    return [finding(account.tenant, account.account, 'balance',
      `granted ${creditsText(granted)} - spent ${creditsText(spent)} - expired ${creditsText(expired)} - clawed back ${creditsText(clawedBack)} + restored ${creditsText(restored)} is not available ${creditsText(available)} + held ${creditsText(held)}`,
      byFlows, available + held, [account.last])];
  }

  private refundFindings(): Discrepancy[] {
    const out: Discrepancy[] = [];
    const decidedClawBacks = new Set<string>();
    for (const [key, r] of this.refunds) {
      const { decision } = r;
      const account = this.accounts.get(`${r.tenant}/${r.account}`);
      const add = (message: string, expected: bigint | string, found: bigint | string, evidence: TimedEvidence[]) =>
        out.push(finding(r.tenant, r.account, 'refund', message, expected, found, [...evidence, r.decided]));
      if (decision.status !== 'approved') continue;
      const clawBack = decision.creditsClawedBack as { lotId: string; amount: bigint } | undefined;
      if (clawBack) {
        decidedClawBacks.add(key);
        const lot = account?.lots.get(clawBack.lotId);
        const money = decision.money as { minor: bigint; currency: string } | undefined;
        const terms = this.terms(r.tenant);
        if (!lot?.costBasis) add(`refund ${decision.refundId} claws back from lot ${clawBack.lotId}, which is no purchase of the account`, 'a purchased lot', lot ? 'a lot without a price' : 'no such lot', []);
        else if (money) {
          const rounding = terms?.refundRounding ?? DEFAULT_REFUND_ROUNDING;
          const expected = divide(lot.costBasis.paidMinor * clawBack.amount, lot.amount, rounding);
          const digits = MINOR_DIGITS[money.currency] ?? 2;
          if (money.currency !== lot.costBasis.currency || BigInt(money.minor) !== expected) {
            add(`refund ${decision.refundId}'s money is not ${creditsText(clawBack.amount)} credits x the price per credit of lot ${clawBack.lotId} (${moneyText(lot.costBasis.paidMinor, digits)} ${lot.costBasis.currency} for ${creditsText(lot.amount)}) rounded ${rounding}`,
              `${moneyText(expected, digits)} ${lot.costBasis.currency}`, `${moneyText(BigInt(money.minor), digits)} ${money.currency}`, [lot.granted]);
          }
          if (terms && decision.rounding !== undefined && decision.rounding !== terms.refundRounding) {
            add(`refund ${decision.refundId} says it rounded ${String(decision.rounding)}, the tenant's policy rounds ${terms.refundRounding}`, terms.refundRounding, String(decision.rounding), []);
          }
        }
        const applied = account?.clawBacks.get(decision.refundId);
        const refused = account?.refusals.get(decision.refundId);
        if (applied && (applied.lotId !== clawBack.lotId || applied.amount !== clawBack.amount)) {
          add(`the wallet clawed back other credits for refund ${decision.refundId} than it decided`, `${creditsText(clawBack.amount)} from ${clawBack.lotId}`, `${creditsText(applied.amount)} from ${applied.lotId}`, [applied.evidence]);
        }
        if (r.settled) {
          if (!applied) add(`refund ${decision.refundId} settled without a claw-back in the wallet`, 'CreditsClawedBack before RefundSettled', refused ? 'ClawBackRefused' : 'none', [r.settled.evidence]);
          const paid = r.settled.money;
          if (money && (!paid || paid.minor !== BigInt(money.minor) || paid.currency !== money.currency)) {
            add(`refund ${decision.refundId} settled at other money than it decided`, `${BigInt(money.minor)} ${money.currency} (minor units)`, paid ? `${paid.minor} ${paid.currency} (minor units)` : 'none', [r.settled.evidence]);
          }
        }
        if (r.voided && !refused) add(`refund ${decision.refundId} voided without a refused claw-back in the wallet`, 'ClawBackRefused before RefundVoided', applied ? 'CreditsClawedBack' : 'none', [r.voided]);
      }
      const restore = decision.creditsRestored as { usageId: string; amount: bigint } | undefined;
      const restored = restore && account?.restorations.get(decision.refundId);
      if (restore && restored && (restored.usageId !== restore.usageId || restored.amount !== restore.amount)) {
        add(`the wallet restored other credits for refund ${decision.refundId} than it decided`, `${creditsText(restore.amount)} of ${restore.usageId}`, `${creditsText(restored.amount)} of ${restored.usageId}`, [restored.evidence]);
      }
    }
    // Claw-backs the wallet applied without an approved decision (checked only where refund events were read).
    if (this.counts.refund > 0) {
      for (const account of this.accounts.values()) {
        for (const [refundId, applied] of account.clawBacks) {
          if (decidedClawBacks.has(`${account.tenant}/${refundId}`)) continue;
          out.push(finding(account.tenant, account.account, 'refund', `the wallet clawed back ${creditsText(applied.amount)} credits for refund ${refundId}, which no approved refund decided`, 'an approved RefundDecided', 'none', [applied.evidence]));
        }
      }
    }
    return out;
  }
}

function evidenceOf(fact: StoredFact): TimedEvidence {
  return { stream: fact.stream, revision: fact.revision.toString(), position: fact.position.toString(), eventId: fact.eventId, type: fact.type, recordedAt: fact.recordedAt };
}

function finding(tenant: string, account: string, kind: DiscrepancyKind, message: string, expected: bigint | string, found: bigint | string, evidence: TimedEvidence[]): Discrepancy {
  const text = (v: bigint | string) => (typeof v === 'bigint' ? creditsText(v) : v);
  return { kind, tenant, account, message, expected: text(expected), found: text(found), evidence: evidence as Evidence[] };
}

/** An event's allowance shares as shares (lotId = the allowance id, amount = the credits it paid). */
function allowanceSharesOf(allowances: unknown): Share[] {
  return Array.isArray(allowances) ? allowances.map((a) => ({ lotId: String(a.allowanceId), amount: BigInt(a.credits) })) : [];
}

function sharesOf(lots: unknown): Share[] {
  return Array.isArray(lots) ? lots.map((s) => ({ lotId: String(s.lotId), amount: BigInt(s.amount) })) : [];
}

function total(shares: Share[]): bigint {
  return shares.reduce((sum, s) => sum + s.amount, 0n);
}

/** The same credits per lot, whatever the order or split. */
function sameShares(a: Share[], b: Share[]): boolean {
  const perLot = (shares: Share[]) => {
    const m = new Map<string, bigint>();
    for (const s of shares) m.set(s.lotId, (m.get(s.lotId) ?? 0n) + s.amount);
    return [...m].filter(([, v]) => v !== 0n).sort(([x], [y]) => x.localeCompare(y)).map(([k, v]) => `${k}:${v}`).join(',');
  };
  return perLot(a) === perLot(b);
}

function sharesText(shares: Share[]): string {
  return shares.map((s) => `${creditsText(s.amount)} from ${s.lotId}`).join(', ') || 'nothing';
}

function availableOf(account: Account): bigint {
  let sum = 0n;
  for (const lot of account.lots.values()) sum += lot.remaining;
  return sum;
}

function heldOf(account: Account): bigint {
  let sum = 0n;
  for (const hold of account.holds.values()) if (hold.state === 'open') sum += total(hold.held);
  return sum;
}

function balanceOf(account: Account): AccountBalance {
  const byType: Record<string, bigint> = {};
  for (const lot of account.lots.values()) byType[lot.type] = (byType[lot.type] ?? 0n) + lot.remaining;
  const f = account.flows;
  return {
    tenant: account.tenant, account: account.account,
    granted: creditsText(f.granted), spent: creditsText(f.spent), expired: creditsText(f.expired), clawedBack: creditsText(f.clawedBack), restored: creditsText(f.restored),
    available: creditsText(availableOf(account)), held: creditsText(heldOf(account)),
    byType: Object.fromEntries(Object.entries(byType).map(([k, v]) => [k, creditsText(v)])),
  };
}

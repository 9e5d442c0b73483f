// The fault suite's own books: every fact the platform acknowledged (an HTTP 200, a 402, a decision
// on Kafka, a message the broker took), and from them alone (with the prices of prices.ts) what each
// account must show. After every fault the platform's balance and history are compared with it:
// nothing acknowledged may be lost, nothing doubled, no credit created or destroyed.
import { Milli, PACKAGES, PackageId, UsageRequest, credits, milli, priceOf } from './prices';

export type UsageState = 'authorized' | 'denied' | 'completed' | 'failed';

export interface UsageFact {
  request: UsageRequest;
  price: Milli;
  state: UsageState;
}

/** Wallet event types an account may show in these scenarios; any other (an expiry, a claw-back...) moved credits nobody asked to move. */
const EXPECTED_TYPES = new Set(['AccountOpened', 'CreditsGranted', 'HoldPlaced', 'HoldCaptured', 'HoldReleased', 'UsageDenied', 'UsageRecalled', 'LowBalanceAlertRaised', 'AutoTopUpRequested']);

export class AccountBook {
  /** lotId -> amount, for every acknowledged purchase (`purchase:<id>`) and grant (`grant:<id>`). */
  readonly lots = new Map<string, Milli>();
  readonly usages = new Map<string, UsageFact>();
  /** Credits of authorizations sent and not yet answered: what the platform may already hold. */
  inFlight = 0n;

  /**
   * `ample`: the scenario only authorizes what the ledger knows is there (see room), so a denial is a
   * discrepancy. Otherwise (a "tight" account, drained on purpose) a denial must show too little left.
   */
  constructor(readonly accountId: string, readonly ample: boolean) {}

  get granted(): Milli {
    return sum([...this.lots.values()]);
  }

  get held(): Milli {
    return sum([...this.usages.values()].filter((u) => u.state === 'authorized').map((u) => u.price));
  }

  get charged(): Milli {
    return sum([...this.usages.values()].filter((u) => u.state === 'completed').map((u) => u.price));
  }

  get available(): Milli {
    return this.granted - this.charged - this.held;
  }

  /** What an authorize may still take for sure: available minus every authorization in flight. */
  get room(): Milli {
    return this.available - this.inFlight;
  }

  count(state: UsageState): number {
    return [...this.usages.values()].filter((u) => u.state === state).length;
  }
}

export class Ledger {
  readonly accounts = new Map<string, AccountBook>();
  private readonly usages = new Map<string, { book: AccountBook; fact: UsageFact }>();

  open(accountId: string, ample = true): AccountBook {
    if (this.accounts.has(accountId)) throw new Error(`ledger: account ${accountId} opened twice`);
    const book = new AccountBook(accountId, ample);
    this.accounts.set(accountId, book);
    return book;
  }

  book(accountId: string): AccountBook {
    const book = this.accounts.get(accountId);
    if (!book) throw new Error(`ledger: unknown account ${accountId}`);
    return book;
  }

  /** An acknowledged purchase; the answer's lot (HTTP) is checked when given. Returns discrepancies. */
  purchased(accountId: string, purchaseId: string, packageId: PackageId, answeredAmount?: string): string[] {
    const found: string[] = [];
    const amount = PACKAGES[packageId].credits;
    if (answeredAmount !== undefined && milli(answeredAmount) !== amount) {
      found.push(`purchase ${purchaseId} (${packageId}) granted ${answeredAmount} credits, expected ${credits(amount)}`);
    }
    this.book(accountId).lots.set(`purchase:${purchaseId}`, amount);
    return found;
  }

  /** An acknowledged reward grant. */
  granted(accountId: string, grantId: string, amount: string, answeredAmount?: string): string[] {
    const found: string[] = [];
    if (answeredAmount !== undefined && milli(answeredAmount) !== milli(amount)) found.push(`grant ${grantId} of ${amount} answered ${answeredAmount}`);
    this.book(accountId).lots.set(`grant:${grantId}`, milli(amount));
    return found;
  }

  /** An authorization the platform acknowledged with `answeredCredits`. */
  authorized(request: UsageRequest, answeredCredits: unknown): string[] {
    const price = priceOf(request);
    const found: string[] = [];
    if (typeof answeredCredits !== 'string' || milli(answeredCredits) !== price) {
      found.push(`usage ${request.usageId} authorized for ${JSON.stringify(answeredCredits)} credits, the price is ${credits(price)}`);
    }
    return [...found, ...this.settle(request, price, 'authorized', ['authorized'])];
  }

  /** A denied authorization (402 or a `denied` decision) with the platform's `required` and `available`. */
  denied(request: UsageRequest, required: unknown, available: unknown): string[] {
    const price = priceOf(request);
    const book = this.book(request.accountId);
    const found: string[] = [];
    if (book.ample) {
      found.push(`usage ${request.usageId} (${credits(price)}) denied on an account the ledger had funded: it shows ${credits(book.available)} available, the platform said ${String(available)}`);
    } else if (typeof required !== 'string' || milli(required) !== price || typeof available !== 'string' || milli(available) >= price) {
      found.push(`usage ${request.usageId} denied with required ${String(required)} and available ${String(available)} (price ${credits(price)})`);
    }
    return [...found, ...this.settle(request, price, 'denied', ['denied'])];
  }

  /** A completion, acknowledged with `answeredCredits` captured. */
  completed(usageId: string, answeredCredits: unknown): string[] {
    const known = this.usages.get(usageId);
    if (!known) return [`usage ${usageId} completed, but the ledger never saw it authorized`];
    const found: string[] = [];
    if (typeof answeredCredits !== 'string' || milli(answeredCredits) !== known.fact.price) {
      found.push(`usage ${usageId} completed for ${JSON.stringify(answeredCredits)}, it held ${credits(known.fact.price)}`);
    }
    return [...found, ...this.step(usageId, 'completed')];
  }

  failed(usageId: string): string[] {
    if (!this.usages.get(usageId)) return [`usage ${usageId} failed, but the ledger never saw it authorized`];
    return this.step(usageId, 'failed');
  }

  usage(usageId: string): UsageFact | undefined {
    return this.usages.get(usageId)?.fact;
  }

  /** Usages the platform answered for good (completed, failed or denied), oldest first. */
  settledUsages(): UsageFact[] {
    return [...this.usages.values()].map((u) => u.fact).filter((f) => f.state !== 'authorized');
  }

  private settle(request: UsageRequest, price: Milli, state: UsageState, same: UsageState[]): string[] {
    const book = this.book(request.accountId);
    const known = this.usages.get(request.usageId);
    if (known) {
      // An authorize answered again (a re-send, a repeated message): it must answer as the first time.
      const first = known.fact.state === 'denied' ? 'denied' : 'authorized';
      return same.includes(first) ? [] : [`usage ${request.usageId} first ${first}, now ${state}`];
    }
    const fact: UsageFact = { request, price, state };
    book.usages.set(request.usageId, fact);
    this.usages.set(request.usageId, { book, fact });
    return [];
  }

  private step(usageId: string, state: 'completed' | 'failed'): string[] {
    const { fact } = this.usages.get(usageId)!;
    if (fact.state === state) return []; // answered again, as the first time
    if (fact.state !== 'authorized') return [`usage ${usageId} was ${fact.state}, now ${state}`];
    fact.state = state;
    return [];
  }

  /** The account as the platform reports it (GET balance, GET transactions) against the ledger. */
  compare(accountId: string, balance: any, history: any): string[] {
    const book = this.book(accountId);
    const found: string[] = [];
    const at = `account ${accountId}`;
    if (!balance || typeof balance.available !== 'string' || typeof balance.held !== 'string') return [`${at}: no balance (${JSON.stringify(balance)?.slice(0, 200)})`];
    if (milli(balance.available) !== book.available) found.push(`${at}: available ${balance.available}, the ledger says ${credits(book.available)}`);
    if (milli(balance.held) !== book.held) found.push(`${at}: held ${balance.held}, the ledger says ${credits(book.held)}`);

    const events: any[] = Array.isArray(history?.transactions) ? history.transactions : [];
    if (!events.length) return [...found, `${at}: no transactions (${JSON.stringify(history)?.slice(0, 200)})`];
    events.forEach((e, i) => {
      if (String(e.revision) !== String(i)) found.push(`${at}: event ${i} has revision ${e.revision}`);
      if (!EXPECTED_TYPES.has(e.type)) found.push(`${at}: unexpected ${e.type} at revision ${e.revision}: ${JSON.stringify(e).slice(0, 300)}`);
    });
    const byType = (type: string) => events.filter((e) => e.type === type);

    // Lots: each acknowledged grant exactly once with its amount; none the ledger does not know.
    const lots = tally(byType('CreditsGranted'), (e) => e.lotId);
    for (const [lotId, amount] of book.lots) {
      const seen = lots.get(lotId) ?? [];
      if (!seen.length) found.push(`${at}: lot ${lotId} (${credits(amount)}) acknowledged but not in the history (lost)`);
      if (seen.length > 1) found.push(`${at}: lot ${lotId} granted ${seen.length} times (doubled)`);
      if (seen.length && milli(seen[0].amount) !== amount) found.push(`${at}: lot ${lotId} granted ${seen[0].amount}, acknowledged ${credits(amount)}`);
    }
    for (const lotId of lots.keys()) if (!book.lots.has(lotId)) found.push(`${at}: lot ${lotId} in the history, never acknowledged (created)`);

    // Usages: one hold per authorization, one capture per completion, one release per failure, one denial per denial.
    const usages = [...book.usages.values()];
    const expect = (type: string, states: UsageState[], amountOf?: (e: any) => unknown) => {
      const seen = tally(byType(type), (e) => e.usageId);
      for (const u of usages.filter((x) => states.includes(x.state))) {
        const mine = seen.get(u.request.usageId) ?? [];
        if (mine.length !== 1) found.push(`${at}: usage ${u.request.usageId} (${u.state}) has ${mine.length} ${type}`);
        else if (amountOf && milli(amountOf(mine[0])) !== u.price) found.push(`${at}: ${type} of ${u.request.usageId} is ${amountOf(mine[0])}, expected ${credits(u.price)}`);
        seen.delete(u.request.usageId);
      }
      for (const [usageId, list] of seen) found.push(`${at}: ${list.length} ${type} for usage ${usageId}, which the ledger has ${book.usages.get(usageId)?.state ?? 'never seen'}`);
    };
    expect('HoldPlaced', ['authorized', 'completed', 'failed'], (e) => e.credits);
    expect('HoldCaptured', ['completed'], (e) => e.amount);
    expect('HoldReleased', ['failed'], (e) => e.amount);
    expect('UsageDenied', ['denied']);
    return found;
  }

  /** A row of GET /v1/projections/balances against the ledger (the ops read model, eventually consistent). */
  compareProjection(accountId: string, row: any): string[] {
    const book = this.book(accountId);
    if (!row) return [`account ${accountId}: not in the balances projection`];
    const found: string[] = [];
    if (milli(row.available) !== book.available) found.push(`account ${accountId}: projection shows available ${row.available}, the ledger ${credits(book.available)}`);
    if (milli(row.held) !== book.held) found.push(`account ${accountId}: projection shows held ${row.held}, the ledger ${credits(book.held)}`);
    return found;
  }
}

function sum(values: Milli[]): Milli {
  return values.reduce((a, b) => a + b, 0n);
}

function tally<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) map.set(keyOf(item), [...(map.get(keyOf(item)) ?? []), item]);
  return map;
}

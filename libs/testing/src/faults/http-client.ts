// The public HTTP contract as the ledger scenarios use it: every command goes to whichever process
// serves now, a command whose answer was lost in a crash is sent again with the same id once the
// platform is back (either outcome is then its answer), and every answer goes into the ledger.
import { sleep } from '@creditflow/kernel';
import { waitFor } from '@creditflow/kernel/testing';
import type { Role } from '@creditflow/shell';
import { KEYS } from './context';
import { ConnectionLost, HttpAnswer, HttpRequest, NoAnswer, send } from './http';
import { Ledger } from './ledger';
import { CURRENCY, PACKAGES, PackageId, UsageRequest } from './prices';
import { ScenarioReport } from './report';

/** Where requests go: a base URL while the process is up, nothing while a fault has it down. */
export class HttpTarget {
  private current: string | null;
  private waiting: (() => void)[] = [];

  constructor(url: string) {
    this.current = url;
  }

  get url(): string | null {
    return this.current;
  }

  down(): void {
    this.current = null;
  }

  up(url: string): void {
    this.current = url;
    for (const wake of this.waiting.splice(0)) wake();
  }

  async ready(): Promise<string> {
    while (!this.current) await new Promise<void>((wake) => this.waiting.push(wake));
    return this.current;
  }
}


/** How long a command keeps being re-sent before the scenario gives up on the platform. */
const RESEND_FOR_MS = 180_000;

export class LedgerClient {
  constructor(readonly target: HttpTarget, readonly ledger: Ledger, readonly report: ScenarioReport) {}

  /** Sends until answered; counts the command once, and every re-send. */
  async command(role: Role, method: string, path: string, json?: unknown): Promise<HttpAnswer> {
    this.report.sent++;
    const request: HttpRequest = { method, path, key: KEYS[role], json };
    const deadline = Date.now() + RESEND_FOR_MS;
    for (;;) {
      const url = await this.target.ready();
      try {
        const answer = await send(url, request);
        this.report.acked++;
        if (answer.status >= 500) this.report.discrepancy(`${method} ${path} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
        return answer;
      } catch (error) {
        if (error instanceof NoAnswer) this.report.discrepancy(error.message);
        else if (!(error instanceof ConnectionLost)) throw error;
        if (Date.now() > deadline) throw new Error(`${method} ${path}: no answer for ${RESEND_FOR_MS / 1000}s (${(error as Error).message})`);
        this.report.resent++;
        await sleep(50);
      }
    }
  }

  /** A read: sent until answered, not counted as a command. */
  async read(path: string): Promise<HttpAnswer> {
    for (let attempt = 0; ; attempt++) {
      const url = await this.target.ready();
      try {
        return await send(url, { method: 'GET', path, key: KEYS.ops });
      } catch (error) {
        if (!(error instanceof ConnectionLost) || attempt > 100) throw error;
        await sleep(100);
      }
    }
  }

  private expect(answer: HttpAnswer, what: string, statuses = [200]): boolean {
    if (statuses.includes(answer.status)) return true;
    this.report.discrepancy(`${what} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    return false;
  }

  async openAccount(accountId: string, ample = true): Promise<void> {
    const answer = await this.command('admin', 'PUT', `/v1/accounts/${accountId}`, { type: 'personal' });
    if (this.expect(answer, `opening ${accountId}`)) this.ledger.open(accountId, ample);
  }

  async purchase(accountId: string, purchaseId: string, packageId: PackageId = 'basic'): Promise<void> {
    const body = { purchaseId, accountId, packageId, amountPaid: PACKAGES[packageId].price, currency: CURRENCY };
    const answer = await this.command('admin', 'POST', '/v1/purchases', body);
    if (this.expect(answer, `purchase ${purchaseId}`)) this.report.check('purchase', this.ledger.purchased(accountId, purchaseId, packageId, answer.body?.lot?.amount));
  }

  async grant(accountId: string, grantId: string, amount: string): Promise<void> {
    const answer = await this.command('admin', 'POST', `/v1/accounts/${accountId}/grants`, { grantId, type: 'reward', amount });
    if (this.expect(answer, `grant ${grantId}`)) this.report.check('grant', this.ledger.granted(accountId, grantId, amount, answer.body?.amount));
  }

  /** Authorizes; answers whether the credits are held. */
  async authorize(request: UsageRequest, price: bigint): Promise<boolean> {
    const book = this.ledger.book(request.accountId);
    book.inFlight += price;
    try {
      const answer = await this.command('service', 'POST', '/v1/usage/authorize', request);
      if (!this.expect(answer, `authorize ${request.usageId}`, [200, 402])) return false;
      if (answer.status === 402) {
        this.report.check('authorize', this.ledger.denied(request, answer.body?.required, answer.body?.available));
        return false;
      }
      this.report.check('authorize', this.ledger.authorized(request, answer.body?.credits));
      return answer.body?.status === 'authorized';
    } finally {
      book.inFlight -= price;
    }
  }

  async complete(usageId: string): Promise<void> {
    const answer = await this.command('service', 'POST', `/v1/usage/${usageId}/complete`);
    if (this.expect(answer, `complete ${usageId}`)) this.report.check('complete', this.ledger.completed(usageId, answer.body?.credits));
  }

  async fail(usageId: string): Promise<void> {
    const answer = await this.command('service', 'POST', `/v1/usage/${usageId}/fail`, { reason: 'cancelled' });
    if (this.expect(answer, `fail ${usageId}`)) this.report.check('fail', this.ledger.failed(usageId));
  }

  /** Every account of the ledger against its balance and history; answers the discrepancies. */
  async compareAll(accounts = [...this.ledger.accounts.keys()]): Promise<string[]> {
    const found: string[] = [];
    for (const accountId of accounts) {
      const [balance, history] = [await this.read(`/v1/accounts/${accountId}/balance`), await this.read(`/v1/accounts/${accountId}/transactions`)];
      found.push(...this.ledger.compare(accountId, balance.body, history.body));
    }
    return found;
  }

  /** Polls GET /v1/projections/balances until it agrees with the ledger on every account; answers what still differs after `timeoutMs`. */
  async compareProjections(timeoutMs = 60_000): Promise<string[]> {
    let last: string[] = [];
    try {
      await waitFor('the balances projection to agree with the ledger', async () => {
        const rows: any[] = (await this.read('/v1/projections/balances')).body?.balances ?? [];
        const byId = new Map(rows.map((r) => [r.accountId, r]));
        last = [...this.ledger.accounts.keys()].flatMap((id) => this.ledger.compareProjection(id, byId.get(id)));
        return last.length ? undefined : true;
      }, timeoutMs);
      return [];
    } catch {
      return last;
    }
  }
}

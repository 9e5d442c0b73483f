// `daily-reset` from the scheduler (creditflow.scheduler.v1, tenant-wide): the wallet records the
// expiry of the daily lots that ended at the boundary, on every account holding one, as LotExpired
// events, so projections built from wallet events see the reset when it happens. Balances never
// waited for it: a lot past its `expiresAt` is excluded lazily by every command and every balance
// read. Each account runs `ExpireDue` as of the boundary (never later than the wallet's clock), so a
// redelivered or caught-up reset records the same events once.
import { Injectable, Logger } from '@nestjs/common';
import { DailyResetData } from '@creditflow/contracts';
import { DomainError } from '@creditflow/kernel';
import { DeadLetter, DeliveredEvent } from '@creditflow/messaging';
import { WalletCommandEnvelope } from '@creditflow/wallet-application';
import { LotExpiries } from './lot-expiries';
import { WalletService } from './wallet.service';

const CHUNK = 500;

/**
 * The time a scheduler event is applied at: its own time (the boundary), so the outcome does not
 * depend on when the trigger ran or the message arrived; the wallet's clock if the event is ahead of it.
 */
export function schedulerTime(at: string, walletNow: Date): Date {
  const t = Date.parse(at);
  return Number.isNaN(t) || t > walletNow.getTime() ? walletNow : new Date(t);
}

@Injectable()
export class DailyResets {
  private readonly log = new Logger('wallet-daily-resets');

  constructor(
    private readonly lots: LotExpiries,
    private readonly wallet: WalletService,
  ) {}

  /** Records the expiry on every account with daily lots due by the boundary; a malformed reset goes to the DLQ. */
  async apply(delivered: DeliveredEvent): Promise<DeadLetter[]> {
    const { event, message } = delivered;
    const reset = event.data as unknown as Partial<DailyResetData>;
    if (typeof reset.at !== 'string' || Number.isNaN(Date.parse(reset.at))) return [{ message, reason: 'daily-reset without a valid `at`' }];
    let tenantId: string;
    try {
      tenantId = this.wallet.tenant(event.tenantid).tenantId;
    } catch (error) {
      if (error instanceof DomainError) return [{ message, reason: `${error.code}: ${error.message}` }];
      throw error;
    }
    const now = schedulerTime(reset.at, this.wallet.now());
    const accounts = this.lots.index.accountsWithDailyLotsDueBy(tenantId, now);
    for (let i = 0; i < accounts.length; i += CHUNK) {
      const envelopes: WalletCommandEnvelope[] = accounts
        .slice(i, i + CHUNK)
        .map((accountId) => ({ tenantId, accountId, causationId: event.id, command: { type: 'ExpireDue', data: { now } } }));
      const outcomes = await this.wallet.runBatch(envelopes);
      outcomes.forEach((o, j) => {
        if (!o.ok) this.log.warn(`daily reset ${event.id} on ${envelopes[j].accountId}: ${o.error.code} ${o.error.message}`);
      });
    }
    return [];
  }
}

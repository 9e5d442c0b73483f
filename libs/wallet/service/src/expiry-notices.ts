// The notice of credits expiring soon (policy.expiringSoon, the `credits-expiring-soon` alert): any
// command on an account records it once its lot is inside the window; this sweep makes sure accounts
// nobody touches get it too. At the scheduler's interval (CREDITFLOW_SCHEDULER_INTERVAL_MS; 0 = off),
// every account with such a lot in the window runs ExpireDue as of the platform clock. Replicas may
// sweep side by side: the notice is decided on the account's stream, once per lot.
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Deployment } from '@creditflow/shell';
import { Tenants } from '@creditflow/tenancy';
import { WalletCommandEnvelope } from '@creditflow/wallet-application';
import { LotExpiries } from './lot-expiries';
import { WalletService } from './wallet.service';

const CHUNK = 500;

@Injectable()
export class ExpiryNotices implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('wallet-expiry-notices');
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;

  constructor(
    private readonly lots: LotExpiries,
    private readonly wallet: WalletService,
    private readonly tenants: Tenants,
    private readonly deployment: Deployment,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const noticing = [...this.tenants.values()].some((t) => t.walletPolicy.expiringSoon);
    if (noticing && this.deployment.schedulerIntervalMs > 0) {
      this.timer = setInterval(() => {
        this.sweeping ??= this.sweep()
          .catch((error) => this.log.warn(`expiry notice sweep: ${String(error)}`))
          .finally(() => (this.sweeping = null));
      }, this.deployment.schedulerIntervalMs);
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
  }

  /** Runs ExpireDue, as of now, on every account holding a lot in its tenant's notice window. */
  async sweep(): Promise<void> {
    const now = this.wallet.now();
    for (const tenant of this.tenants.values()) {
      const notice = tenant.walletPolicy.expiringSoon;
      if (!notice) continue;
      const accounts = this.lots.index.accountsExpiring(tenant.tenantId, notice.lotTypes, now, new Date(now.getTime() + notice.withinMs));
      for (let i = 0; i < accounts.length; i += CHUNK) {
        const envelopes: WalletCommandEnvelope[] = accounts
          .slice(i, i + CHUNK)
          .map((accountId) => ({ tenantId: tenant.tenantId, accountId, command: { type: 'ExpireDue', data: { now } } }));
        const outcomes = await this.wallet.runBatch(envelopes);
        outcomes.forEach((o, j) => {
          if (!o.ok) this.log.warn(`expiry notice on ${tenant.tenantId}/${envelopes[j].accountId}: ${o.error.code} ${o.error.message}`);
        });
      }
    }
  }
}

// What a refund decision needs to know from the wallet, as a port. One adapter: the refund
// service's own read model of creditflow.wallet-events.v1 (sqlite.wallet-facts.ts), the same in
// embedded and distributed mode.
//
// Consistency rule: a decision uses the read model as of the wallet events the refund service has
// processed. Per account these arrive in order (one key, one partition), so the facts are always a
// state the account really had, possibly an older one:
// - An unknown account, purchase or usage is answered "not found" (HTTP 404; nothing is recorded, so
//   the same request may be sent again once the wallet's events have arrived).
// - Credits used or held after the state the decision saw cannot be clawed back: the wallet checks
//   the claw-back against the account's current state and refuses it (`ClawBackRefused`); the refund
//   service then voids the refund (`RefundVoided`, `creditflow.refund.voided`) and no money is paid.
//   Money is payable only once the wallet has clawed the credits back (`creditflow.refund.settled`).
// - Embedded mode shares the wallet's store, so an HTTP request first waits (briefly) until the read
//   model has caught up with the account's stream: a client that just used credits and then asks for
//   a refund is judged on what it sees. Distributed mode (and requests over the bus) decide on what
//   has been processed.
import { ApprovedRefund, PurchaseFacts, UsageFacts } from '@creditflow/refund-domain';

export interface WalletFacts {
  /** The revision of the account's last wallet event processed; null if none (account unknown). */
  revision(tenantId: string, accountId: string): Promise<bigint | null>;
  /** The purchase's lot as of `now`: a hold that has timed out by `now` counts as released. */
  purchase(tenantId: string, accountId: string, purchaseId: string, now: Date): Promise<PurchaseFacts | null>;
  usage(tenantId: string, accountId: string, usageId: string): Promise<UsageFacts | null>;
  /** Refunds the wallet has applied on the account (claw-backs and restorations), by refundId. */
  approvedRefunds(tenantId: string, accountId: string): Promise<ApprovedRefund[]>;
}


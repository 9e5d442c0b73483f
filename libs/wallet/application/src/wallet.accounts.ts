// Wallet accounts on the one command handler: each command runs the wallet decider under its
// tenant's policy on `wallet-<tenant>_<account>`; batches (from consumers) are decided per account in
// order and appended in one store transaction.
import { CommandHandler, CommandOutcome, EventStore, StreamCommand } from '@creditflow/event-store';
import {
  WALLET_STATE_VERSION, WalletCommand, WalletEvent, WalletPolicy, WalletSnapshot, WalletState, evolve, initialState, walletDecider, walletFromSnapshot, walletSnapshot,
} from '@creditflow/wallet-domain';
import { WalletEventMetadata, walletStream } from './wallet.codec';

export interface WalletCommandEnvelope {
  tenantId: string;
  accountId: string;
  command: WalletCommand;
  /** The message or request this command came from, kept in event metadata. */
  causationId?: string;
  /** The W3C trace context of the request or message it came from, kept in event metadata. */
  traceparent?: string;
  /** Who or what it acts for (an API key's id and role, a message, a scheduler tick), kept in event metadata. */
  principal?: WalletEventMetadata['principal'];
}

export type WalletOutcome = CommandOutcome<WalletState, WalletEvent>;

export class WalletAccounts {
  private readonly handler: CommandHandler<WalletState, WalletEvent>;

  constructor(
    store: EventStore,
    private readonly policyOf: (tenantId: string) => WalletPolicy,
    cacheLimit = 50_000,
  ) {
    this.handler = new CommandHandler({
      store, evolve, initialState, cacheLimit,
      // A snapshot every 10,000 events: a cold load of a long account folds at most that many. Not
      // more often: the state keeps every usage, so a snapshot grows with the account (bounding it
      // comes first; see bench/README.md).
      snapshots: { version: WALLET_STATE_VERSION, every: 10_000, toData: walletSnapshot, fromData: (data) => walletFromSnapshot(data as WalletSnapshot) },
    });
  }

  /** One command, committed with the others submitted in the same turn (the handler's group commit). */
  execute(envelope: WalletCommandEnvelope): Promise<WalletOutcome> {
    return this.handler.submit(this.toStreamCommand(envelope));
  }

  /** Outcomes in the order of the envelopes. Domain refusals are outcomes; store failures throw. */
  executeBatch(envelopes: WalletCommandEnvelope[]): Promise<WalletOutcome[]> {
    return this.handler.handleBatch(envelopes.map((e) => this.toStreamCommand(e)));
  }

  /** The account's current state, as the store holds it. */
  async state(tenantId: string, accountId: string): Promise<WalletState> {
    return (await this.handler.read(walletStream(tenantId, accountId))).state;
  }

  /**
   * Whether the account exists. An account once opened stays so (events are never taken back), so a
   * cached state that exists answers without reading the store; anything else is read as `state` does.
   */
  async exists(tenantId: string, accountId: string): Promise<boolean> {
    if (this.handler.cached(walletStream(tenantId, accountId))?.exists) return true;
    return (await this.state(tenantId, accountId)).exists;
  }

  /** Drops cached states, e.g. to prove that a rebuild from the store gives the same balances. */
  forget(): void {
    this.handler.forget();
  }

  private toStreamCommand({ tenantId, accountId, command, causationId, traceparent, principal }: WalletCommandEnvelope): StreamCommand<WalletState, WalletEvent> {
    const decider = walletDecider(this.policyOf(tenantId));
    const metadata: WalletEventMetadata = {
      tenantId, accountId, ...(causationId ? { causationId } : {}), ...(traceparent ? { traceparent } : {}), ...(principal ? { principal } : {}),
    };
    return {
      streamName: walletStream(tenantId, accountId),
      // An account that does not exist yet is named in the refusal (AccountNotFound) by the command's envelope.
      decide: (state) => decider.decide(command, state.exists ? state : { ...state, accountId }),
      metadata,
    };
  }
}

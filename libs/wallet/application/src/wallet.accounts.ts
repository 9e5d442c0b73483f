// Wallet accounts on the one command handler: each command runs the wallet decider under its
// tenant's policy on `wallet-<tenant>_<account>`; batches (from consumers) are decided per account in
// order and appended in one store transaction. A command about a usage that has left the account's
// hot state is decided again with the usage's record, read from the account's history.
import { CommandHandler, CommandOutcome, EventStore, RecordedEvent, SnapshotPolicy, StreamCommand, decodeEvent, latestSnapshot } from '@creditflow/event-store';
import {
  UsageRecall, UsageRecallNeededError, WALLET_STATE_VERSION, WalletCommand, WalletEvent, WalletPolicy, WalletSnapshot, WalletState, decide, evolve, fold, initialState,
  startsUsageRecord, usageInHistory, walletFromSnapshot, walletSnapshot,
} from '@creditflow/wallet-domain';
import { WalletEventMetadata, fromRecorded, walletStream } from './wallet.codec';

/**
 * Wallet snapshots, on `snapshot-wallet-<tenant>_<account>`: one every max(250, usages in the state)
 * events, so a cold load folds at most that many after it. The state is bounded (closed usages
 * retire), so a snapshot's size does not grow with the history (~150 KB with 250 closed usages kept).
 * Open holds do not retire: snapshotting an account with thousands of them every 250 events cost
 * 0.16 ms of CPU per event (4,000 open holds); every that many events keeps it bounded per event.
 */
export const WALLET_SNAPSHOTS: SnapshotPolicy<WalletState> = {
  version: WALLET_STATE_VERSION, every: (state) => Math.max(250, state.usages.size), toData: walletSnapshot, fromData: (data) => walletFromSnapshot(data as WalletSnapshot),
};

/**
 * An account's state as of a store position (what a read model resumes from): from its latest
 * snapshot when that was taken at or before the position, else folded from the first event.
 */
export async function walletStateAt(store: EventStore, tenantId: string, accountId: string, upTo: bigint): Promise<WalletState> {
  const stream = walletStream(tenantId, accountId);
  const snapshot = await latestSnapshot(store, stream, WALLET_SNAPSHOTS);
  if (snapshot) {
    const [taken, ...after] = await store.readStream(stream, { fromRevision: snapshot.revision });
    if (taken?.revision === snapshot.revision && taken.position <= upTo) return fold(after.filter((r) => r.position <= upTo).map(fromRecorded), snapshot.state);
  }
  const recorded = await store.readStream(stream);
  return fold(recorded.filter((r) => r.position <= upTo).map(fromRecorded), initialState);
}

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
  /** What the caller already knows of the command's usage: an authorize whose usage id was claimed just now (`newUsage`). */
  recall?: UsageRecall;
}

/** Recalls of one command before it fails: each is asked again only when more usages closed meanwhile than the state keeps. */
const RECALL_ATTEMPTS = 3;
/** Events read at a time, newest first, when a usage's record is looked for in a long history. */
const RECALL_PAGE = 1_000;

export type WalletOutcome = CommandOutcome<WalletState, WalletEvent>;

export class WalletAccounts {
  private readonly handler: CommandHandler<WalletState, WalletEvent>;

  constructor(
    private readonly store: EventStore,
    private readonly policyOf: (tenantId: string) => WalletPolicy,
    { cacheLimit = 50_000, closedUsagesKept = initialState.closedUsagesKept }: { cacheLimit?: number; closedUsagesKept?: number } = {},
  ) {
    if (!(closedUsagesKept >= 1)) throw new RangeError('closedUsagesKept must be at least 1: a recalled usage must stay while it is decided about');
    this.handler = new CommandHandler({
      store, evolve, initialState: { ...initialState, closedUsagesKept }, cacheLimit,
      snapshots: { ...WALLET_SNAPSHOTS, fromData: (data) => ({ ...WALLET_SNAPSHOTS.fromData(data), closedUsagesKept }) },
    });
  }

  /** One command, committed with the others submitted in the same turn (the handler's group commit). */
  async execute(envelope: WalletCommandEnvelope): Promise<WalletOutcome> {
    return this.recalledIfNeeded(envelope, await this.handler.submit(this.toStreamCommand(envelope)));
  }

  /** Outcomes in the order of the envelopes. Domain refusals are outcomes; store failures throw. */
  async executeBatch(envelopes: WalletCommandEnvelope[]): Promise<WalletOutcome[]> {
    const outcomes = await this.handler.handleBatch(envelopes.map((e) => this.toStreamCommand(e)));
    // Rare (a usage closed long ago): decided again one by one, in the batch's order.
    for (let i = 0; i < outcomes.length; i++) outcomes[i] = await this.recalledIfNeeded(envelopes[i], outcomes[i]);
    return outcomes;
  }

  /**
   * What an authorize needs to know when its usage id was claimed just now (no account ever used it):
   * the account's closedSeq read before the claim (`state`), so that a usage placed and retired
   * meanwhile under the same id cannot be taken for a new one.
   */
  static newUsage(usageId: string, state: WalletState): UsageRecall {
    return { usageId, usage: null, closedSeq: state.closedSeq };
  }

  /** The outcome, or, when the decider asked for a retired usage's record, the command decided again with it. */
  private async recalledIfNeeded(envelope: WalletCommandEnvelope, outcome: WalletOutcome): Promise<WalletOutcome> {
    for (let attempt = 1; !outcome.ok && outcome.error instanceof UsageRecallNeededError; attempt++) {
      if (attempt > RECALL_ATTEMPTS) throw new Error(`usage "${outcome.error.usageId}" could not be recalled: ${RECALL_ATTEMPTS} recalls went stale`);
      const recall = await this.recall(envelope, outcome.error.usageId);
      outcome = await this.handler.submit(this.toStreamCommand({ ...envelope, recall }));
    }
    return outcome;
  }

  /**
   * The usage's record from the account's history, read backwards page by page down to the event its
   * record starts from (a usage that retired lately is found near the end; an id never used reads the
   * whole history). The closedSeq is read first.
   */
  private async recall({ tenantId, accountId }: WalletCommandEnvelope, usageId: string): Promise<UsageRecall> {
    const stream = walletStream(tenantId, accountId);
    const { state, revision } = await this.handler.read(stream);
    const newestFirst: WalletEvent[] = [];
    read: for (let from = revision; from >= 0n; from -= BigInt(RECALL_PAGE)) {
      const page = await this.store.readStream(stream, { direction: 'backwards', fromRevision: from, maxCount: RECALL_PAGE });
      for (const recorded of page) {
        if (!mentions(recorded, usageId)) continue;
        const event = decodeEvent<WalletEvent>(recorded);
        newestFirst.push(event);
        if (startsUsageRecord(event)) break read;
      }
      if (page.length < RECALL_PAGE) break;
    }
    return { usageId, usage: usageInHistory(newestFirst.reverse(), usageId), closedSeq: state.closedSeq };
  }

  /** The account's current state, as the store holds it. */
  async state(tenantId: string, accountId: string): Promise<WalletState> {
    return (await this.handler.read(walletStream(tenantId, accountId))).state;
  }

  /**
   * The cached state when the account exists there, else the state as the store holds it: an account
   * once opened stays so (events are never taken back), so whether it exists is answered without
   * reading the store. It may lag another replica's appends (WalletService.authorize reads its
   * closedSeq before claiming: a lower one only makes a recall less likely to be trusted).
   */
  async known(tenantId: string, accountId: string): Promise<WalletState> {
    const cached = this.handler.cached(walletStream(tenantId, accountId));
    return cached?.exists ? cached : this.state(tenantId, accountId);
  }

  /** Drops cached states, e.g. to prove that a rebuild from the store gives the same balances. */
  forget(): void {
    this.handler.forget();
  }

  private toStreamCommand({ tenantId, accountId, command, causationId, traceparent, principal, recall }: WalletCommandEnvelope): StreamCommand<WalletState, WalletEvent> {
    const policy = this.policyOf(tenantId);
    const metadata: WalletEventMetadata = {
      tenantId, accountId, ...(causationId ? { causationId } : {}), ...(traceparent ? { traceparent } : {}), ...(principal ? { principal } : {}),
    };
    return {
      streamName: walletStream(tenantId, accountId),
      // An account that does not exist yet is named in the refusal (AccountNotFound) by the command's envelope.
      decide: (state) => decide(command, state.exists ? state : { ...state, accountId }, policy, recall),
      metadata,
    };
  }
}

/** Whether a stored event is about the usage (read before decoding: most of a long history is not). */
function mentions(recorded: RecordedEvent, usageId: string): boolean {
  const data = recorded.data as { usageId?: unknown; usage?: { usageId?: unknown } };
  return data.usageId === usageId || (recorded.type === 'UsageRecalled' && data.usage?.usageId === usageId);
}

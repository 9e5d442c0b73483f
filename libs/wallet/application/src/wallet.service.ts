// Command handling for wallet accounts: load (from cache) -> decide -> append with the expected
// revision -> evolve the cache. Batches from consumers are decided per account in order and
// appended in one store call (one SQLite transaction); a revision conflict reloads that account
// from the store and decides again.
import type { EventStore, StreamAppend } from '@creditflow/event-store';
import { WrongExpectedRevisionError } from '@creditflow/event-store';
import { DomainError } from '@creditflow/kernel';
import { WalletCommand, WalletEvent, WalletPolicy, WalletState, decide, fold, initialState } from '@creditflow/wallet-domain';
import { KeyedLock } from './keyed-lock';
import { fromRecorded, toEventData, walletStream } from './wallet.codec';

export interface WalletCommandEnvelope {
  tenantId: string;
  accountId: string;
  command: WalletCommand;
  /** The message or request this command came from, kept in event metadata. */
  causationId?: string;
}

export type WalletOutcome =
  | { ok: true; state: WalletState; events: WalletEvent[]; revision: bigint }
  | { ok: false; error: DomainError; state: WalletState };

interface Cached {
  state: WalletState;
  /** -1n: the stream does not exist. */
  revision: bigint;
}

const MAX_CONFLICT_RETRIES = 5;

export class WalletService {
  private readonly cache = new Map<string, Cached>();
  private readonly lock = new KeyedLock();

  constructor(
    private readonly store: EventStore,
    private readonly policyOf: (tenantId: string) => WalletPolicy,
    private readonly cacheLimit = 50_000,
  ) {}

  async execute(envelope: WalletCommandEnvelope): Promise<WalletOutcome> {
    return (await this.executeBatch([envelope]))[0];
  }

  /** Outcomes in the order of the envelopes. Domain refusals are outcomes; store failures throw. */
  async executeBatch(envelopes: WalletCommandEnvelope[]): Promise<WalletOutcome[]> {
    const byStream = new Map<string, number[]>();
    envelopes.forEach((e, i) => {
      const stream = walletStream(e.tenantId, e.accountId);
      byStream.set(stream, [...(byStream.get(stream) ?? []), i]);
    });
    return this.lock.run([...byStream.keys()], async () => {
      const outcomes: WalletOutcome[] = new Array(envelopes.length);
      let pending = [...byStream.entries()];
      for (let attempt = 0; pending.length; attempt++) {
        const appends: StreamAppend[] = [];
        const decided: { stream: string; indexes: number[]; next: Cached; local: WalletOutcome[] }[] = [];
        for (const [stream, indexes] of pending) {
          const base = await this.load(stream, attempt > 0);
          const local: WalletOutcome[] = [];
          let state = base.state;
          let revision = base.revision;
          const data = [];
          for (const i of indexes) {
            const { tenantId, accountId, command, causationId } = envelopes[i];
            try {
              const events = decide(command, state.exists ? state : { ...state, accountId }, this.policyOf(tenantId));
              for (const event of events) data.push(toEventData(stream, ++revision, event, { tenantId, accountId, causationId }));
              state = fold(events, state);
              local.push({ ok: true, state, events, revision });
            } catch (error) {
              if (!(error instanceof DomainError)) throw error;
              local.push({ ok: false, error, state });
            }
          }
          decided.push({ stream, indexes, next: { state, revision }, local });
          if (data.length) appends.push({ streamName: stream, events: data, expectedRevision: base.revision < 0n ? 'no_stream' : base.revision });
        }
        const results = appends.length ? await this.store.appendBatch(appends) : [];
        const conflicted = new Set(appends.filter((_, i) => results[i] instanceof WrongExpectedRevisionError).map((a) => a.streamName));
        for (const { stream, indexes, next, local } of decided) {
          if (conflicted.has(stream)) continue;
          this.remember(stream, next);
          indexes.forEach((envelopeIndex, j) => (outcomes[envelopeIndex] = local[j]));
        }
        pending = pending.filter(([stream]) => conflicted.has(stream));
        if (pending.length && attempt >= MAX_CONFLICT_RETRIES) {
          throw new Error(`wallet: revision conflicts persisted on ${pending.map(([s]) => s).join(', ')}`);
        }
      }
      return outcomes;
    });
  }

  /** The account's current state (from the cache, else the store). */
  async state(tenantId: string, accountId: string): Promise<WalletState> {
    const stream = walletStream(tenantId, accountId);
    return this.lock.run([stream], async () => (await this.load(stream, false)).state);
  }

  /** Drops cached states, e.g. to prove that a rebuild from the store gives the same balances. */
  forget(): void {
    this.cache.clear();
  }

  private async load(stream: string, fresh: boolean): Promise<Cached> {
    const cached = fresh ? undefined : this.cache.get(stream);
    if (cached) return cached;
    const recorded = await this.store.readStream(stream);
    const loaded: Cached = {
      state: fold(recorded.map(fromRecorded), initialState),
      revision: recorded.length ? recorded[recorded.length - 1].revision : -1n,
    };
    this.remember(stream, loaded);
    return loaded;
  }

  private remember(stream: string, entry: Cached): void {
    this.cache.delete(stream); // re-insert: Map order doubles as least-recently-used order
    this.cache.set(stream, entry);
    if (this.cache.size > this.cacheLimit) this.cache.delete(this.cache.keys().next().value as string);
  }
}

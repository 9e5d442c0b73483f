import { eventLoopShare, sleep } from '@creditflow/kernel';
import type { RecordedEvent, SubscribeOptions, Subscription } from './event-store';

export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { initialDelayMs: 100, maxDelayMs: 5_000 };

/**
 * Calls onEvents until it resolves, with an exponential back-off between attempts, so a batch is
 * never skipped. Returns false when stopped before a successful delivery (no checkpoint then).
 */
export async function deliver(
  events: RecordedEvent[],
  { onEvents, onError }: Pick<SubscribeOptions, 'onEvents' | 'onError'>,
  signal: AbortSignal,
  retry: RetryPolicy,
): Promise<boolean> {
  for (let delay = retry.initialDelayMs; !signal.aborted; delay = Math.min(delay * 2, retry.maxDelayMs)) {
    try {
      await onEvents(events);
      return true;
    } catch (error) {
      report(onError, error);
      await sleep(delay, signal);
    }
  }
  return false;
}

export function report(onError: SubscribeOptions['onError'], error: unknown): void {
  try {
    onError?.(error);
  } catch {
    // A failing error hook must not end the subscription.
  }
}

/** What a store that is read by polling gives its catch-up subscriptions (SQLite, PostgreSQL). */
export interface PolledSource {
  /** The events after `position`, at most a batch, in position order. */
  read(position: bigint): Promise<RecordedEvent[]>;
  /** Waits, after a read that found nothing, until an append may have happened (or a poll interval passed). */
  idle(signal: AbortSignal): Promise<void>;
  storeCheckpoint(position: bigint): Promise<void>;
  /** Exclusive subscriptions: takes or renews the lease; the stored checkpoint when it is this subscription's, null while another holds it. */
  claim?(): Promise<bigint | null>;
  /** Exclusive subscriptions: gives the lease up at once (stop), so another replica need not wait for it to run out. */
  release?(): Promise<void>;
}

/**
 * A catch-up subscription over a polled store: delivers from `position` on, stores the checkpoint after
 * each delivered batch, and retries from the last checkpoint after a storage error. `stop` waits for a
 * delivery in progress; `onStopped` lets the store forget the subscription.
 */
export function pollingSubscription(
  source: PolledSource,
  position: bigint,
  handlers: Pick<SubscribeOptions, 'onEvents' | 'onError'>,
  retry: RetryPolicy,
  onStopped: (subscription: Subscription) => void,
): Subscription {
  const stopping = new AbortController();
  const { signal } = stopping;
  const share = eventLoopShare();
  const done = (async () => {
    while (!signal.aborted) {
      try {
        if (source.claim) {
          const claimed = await source.claim();
          if (claimed === null) {
            await source.idle(signal);
            continue;
          }
          position = claimed;
        }
        const events = await source.read(position);
        if (events.length === 0) {
          await source.idle(signal);
          share.idled();
          continue;
        }
        if (!(await deliver(events, handlers, signal, retry))) return;
        position = events[events.length - 1].position;
        await source.storeCheckpoint(position);
        await share.afterBatch();
      } catch (error) {
        // Storage trouble (a busy file, an unreachable database, the checkpoint not stored): retry from the last position read.
        report(handlers.onError, error);
        await sleep(retry.maxDelayMs, signal);
      }
    }
  })();
  const subscription: Subscription = {
    stop: async () => {
      stopping.abort();
      await done;
      await source.release?.().catch(() => undefined); // the lease runs out on its own if this fails
      onStopped(subscription);
    },
  };
  return subscription;
}

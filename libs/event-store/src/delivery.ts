import { sleep } from '@creditflow/kernel';
import type { RecordedEvent, SubscribeOptions } from './event-store';

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

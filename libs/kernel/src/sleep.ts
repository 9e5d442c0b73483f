// Waiting, for adapters (polling, back-off) and tests. Domain code never waits: time arrives on commands.

/**
 * Resolves after `ms`; earlier when `signal` aborts (at once if it already has) or when a function
 * added to `wake` is called (a poller woken by its own writer). Never rejects.
 */
export function sleep(ms: number, signal?: AbortSignal, wake?: Set<() => void>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      wake?.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
    wake?.add(done);
    if (signal?.aborted) done();
  });
}

/**
 * For a loop that reads a synchronous store (SQLite) and delivers batch after batch: such a loop only
 * ever awaits microtasks, so a catch-up of a large store would hold off every HTTP request and timer
 * until it ends. `afterBatch` lets the event loop run its pending I/O once the loop has held it for
 * `holdMs`; `idled` says the loop waited anyway. Yielding after every batch instead cost the embedded
 * platform's requests latency in steady state, where batches are small and the loop soon idles.
 */
export function eventLoopShare(holdMs = 10): { afterBatch(): Promise<void>; idled(): void } {
  let since = performance.now();
  return {
    afterBatch: async () => {
      if (performance.now() - since < holdMs) return;
      await new Promise<void>((resolve) => setImmediate(resolve));
      since = performance.now();
    },
    idled: () => {
      since = performance.now();
    },
  };
}

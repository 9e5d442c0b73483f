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

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
 * Resolves after the event loop has run its pending I/O callbacks. A loop that reads a synchronous
 * store (SQLite) and delivers batch after batch only ever awaits microtasks: without this between
 * batches, a catch-up of a large store would hold off every HTTP request and timer until it ends.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

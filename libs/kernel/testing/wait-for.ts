import { sleep } from '../src/sleep';

/**
 * Polls `probe` until it returns something other than undefined, and returns that. The pause between
 * polls starts at 10 ms and doubles up to 100 ms: a quick answer is seen at once, a long wait does not
 * keep a loaded machine busy. After `timeoutMs` it throws "timed out ... waiting for <what>"; `what`
 * may be a function, called then, so the message can show the last state seen. A probe that throws
 * ends the wait with its error.
 */
export async function waitFor<T>(
  what: string | (() => string), probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 10; ; pause = Math.min(pause * 2, 100)) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(pause);
  }
}

import { ConsumerStatusTracker, withTimeout } from './bus';

describe("a consumer's status", () => {
  it('starts, runs, counts each death with its error, runs again, and stays stopped once stopped', () => {
    const tracker = new ConsumerStatusTracker();
    expect(tracker.status()).toMatchObject({ state: 'starting', crashes: 0, lastError: null });
    tracker.running();
    expect(tracker.status()).toMatchObject({ state: 'running', crashes: 0 });
    tracker.crashed(new Error('broker gone'));
    tracker.crashed('still gone');
    expect(tracker.status()).toMatchObject({ state: 'crashed', crashes: 2, lastError: 'still gone' });
    tracker.running();
    expect(tracker.status()).toMatchObject({ state: 'running', crashes: 2, lastError: 'still gone' });
    tracker.stopped();
    tracker.running();
    tracker.crashed(new Error('late'));
    expect(tracker.status()).toMatchObject({ state: 'stopped', crashes: 2 });
  });
});

describe('withTimeout', () => {
  it('answers what the promise answers in time, and refuses, naming what did not answer, after the time', async () => {
    await expect(withTimeout(Promise.resolve(7), 1_000, 'x')).resolves.toBe(7);
    await expect(withTimeout(new Promise(() => undefined), 10, 'the cluster')).rejects.toThrow('the cluster did not answer within 10 ms');
  });
});

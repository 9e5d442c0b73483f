// Serialises work per key (one account's commands run one after another in this process), so
// concurrent requests for one account queue instead of colliding on the stream revision.
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(keys: string[], work: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort(); // one global order: no deadlock between batches
    const releases: (() => void)[] = [];
    for (const key of sorted) {
      const previous = this.tails.get(key) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((r) => (release = r));
      const tail = previous.then(() => mine);
      this.tails.set(key, tail);
      releases.push(() => {
        release();
        if (this.tails.get(key) === tail) this.tails.delete(key);
      });
      await previous;
    }
    try {
      return await work();
    } finally {
      for (const r of releases) r();
    }
  }
}

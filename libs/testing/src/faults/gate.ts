// A gate the load passes before each command (chain, send): a scenario closes it to let what is in
// flight finish and compare the platform with the ledger on a settled state, then opens it again.
export class Gate {
  private closed: Promise<void> | null = null;
  private release: () => void = () => undefined;

  /** Resolves at once while open; while closed, when it opens. */
  async pass(): Promise<void> {
    while (this.closed) await this.closed;
  }

  /** Closes the gate, runs `check`, and opens it again (also when `check` throws). */
  async closedWhile<T>(check: () => Promise<T>): Promise<T> {
    this.closed = new Promise((open) => (this.release = open));
    try {
      return await check();
    } finally {
      this.closed = null;
      this.release();
    }
  }
}

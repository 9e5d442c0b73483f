// What a command may touch of its process: two output streams, whether stdout is a terminal, the
// environment and the clock. The CLI passes the process's; tests pass their own and read what was written.

export interface OpsIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal (progress redraws one line; otherwise plain lines). */
  isTTY: boolean;
  /** Terminal width for the progress bar; 80 when unknown. */
  columns?: number;
  env: NodeJS.ProcessEnv;
  /** Milliseconds, for rates and ETAs. */
  now(): number;
  /** Where relative paths (`--out`, a tenants directory) are resolved. */
  cwd: string;
}

export function processIo(): OpsIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stdout.isTTY),
    columns: process.stdout.columns,
    env: process.env,
    now: () => Date.now(),
    cwd: process.cwd(),
  };
}

/** A failure the operator can act on: its message alone is shown (no stack), exit status 1. */
export class OpsError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'OpsError';
  }
}

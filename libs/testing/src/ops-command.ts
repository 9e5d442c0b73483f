// `npm run ops -- <argv>` in the test's own process: the CLI's entry function with output streams of
// its own, so a test reads the exit status and what the command wrote without spawning a process.
import { resolve } from 'node:path';
import { OpsIo, runOps } from '@creditflow/ops-tools';

/** The repository's root: where `npm run ops` runs, and where tenant files and scripts are found. */
export const REPOSITORY_ROOT = resolve(__dirname, '../../..');

export interface OpsResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command line with `env` as its environment; answers its exit status and what it wrote. */
export async function ops(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<OpsResult> {
  const out: string[] = [];
  const err: string[] = [];
  const io: OpsIo = { out: (t) => out.push(t), err: (t) => err.push(t), isTTY: false, env, now: () => Date.now(), cwd: REPOSITORY_ROOT };
  const code = await runOps(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

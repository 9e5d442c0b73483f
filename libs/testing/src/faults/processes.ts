// The platform's processes as the fault suite runs them: `node -r @swc-node/register apps/<x>/src/main.ts`,
// each in its own process group with its output in a log file, killed with SIGKILL when the fault
// asks for a crash. Every process started here is killed when the suite exits, however it exits.
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { sleep } from '@creditflow/kernel';
import { send } from './http';

export const REPO_ROOT = resolve(__dirname, '../../../..');

const running = new Set<ChildProcess>();

export interface ProcessSpec {
  /** How the suite names it in its output (platform, wallet, wallet-2...). */
  label: string;
  /** The entry point, relative to the repository: apps/wallet/src/main.ts. */
  main: string;
  port: number;
  env: Record<string, string>;
  /** Appended to: a restarted process writes after its predecessor. */
  logFile: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Settings every process of the run gets (the suite's options, e.g. --closed-usages-kept), under each spec's own env. */
export const suiteEnv: Record<string, string> = {};

/** The outer environment minus everything that configures creditflow, plus `suiteEnv`: each process gets that and `spec.env`. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = { ...suiteEnv };
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(CREDITFLOW_|KAFKA_|EVENTSTORE_|DATABASE_URL$|PORT$)/.test(k)) continue;
    env[k] = v;
  }
  return env;
}

export class PlatformProcess {
  readonly url: string;
  readonly exited: Promise<Exit>;
  private exit: Exit | null = null;

  private constructor(readonly spec: ProcessSpec, private readonly child: ChildProcess) {
    this.url = `http://127.0.0.1:${spec.port}`;
    this.exited = new Promise((done) =>
      child.once('exit', (code, signal) => {
        running.delete(child);
        this.exit = { code, signal };
        done(this.exit);
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.exit === null;
  }

  /** How it ended, for a report: "exit code 1", "SIGKILL". */
  get ending(): string {
    return !this.exit ? 'running' : this.exit.signal ?? `exit code ${this.exit.code}`;
  }

  /** Starts the process and waits until GET /health answers 200 (its consumers have joined by then). */
  static async start(spec: ProcessSpec, readyTimeoutMs = 120_000): Promise<PlatformProcess> {
    const log = openSync(spec.logFile, 'a');
    const child = spawn(process.execPath, ['-r', '@swc-node/register', spec.main], {
      cwd: REPO_ROOT,
      env: { ...baseEnv(), ...spec.env, PORT: String(spec.port) },
      stdio: ['ignore', log, log],
      detached: true,
    });
    closeSync(log);
    running.add(child);
    const proc = new PlatformProcess(spec, child);
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (!proc.alive) throw new Error(`${spec.label} exited while starting (${proc.ending}); last lines of ${spec.logFile}:\n${tail(spec.logFile)}`);
      try {
        if ((await send(proc.url, { method: 'GET', path: '/health', timeoutMs: 2_000 })).status === 200) return proc;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await proc.kill9();
        throw new Error(`${spec.label} did not answer GET /health within ${readyTimeoutMs / 1000}s; last lines of ${spec.logFile}:\n${tail(spec.logFile)}`);
      }
      await sleep(100);
    }
  }

  /** kill -9 of the process group: no shutdown hook, no flush, as a crash or an OOM kill. */
  async kill9(): Promise<void> {
    if (!this.alive) return;
    signalGroup(this.child, 'SIGKILL');
    await this.exited;
  }

  /** SIGSTOP: the process freezes (a long GC pause, a VM stalled), holding its connections, leases and group membership until they time out. */
  pause(): void {
    signalGroup(this.child, 'SIGSTOP');
  }

  /** SIGCONT: it carries on where it froze, with whatever it believed then. */
  resume(): void {
    signalGroup(this.child, 'SIGCONT');
  }

  /** A clean stop (SIGTERM, Nest's shutdown hooks); SIGKILL after 20 s. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    signalGroup(this.child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(this.child, 'SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* gone */
    }
  }
}

/** SIGKILL to every process the suite started and that still runs (exit, Ctrl-C, a crash of the suite). */
export function killAllProcesses(): void {
  for (const child of running) signalGroup(child, 'SIGKILL');
  running.clear();
}

export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A port nobody listens on now (the kernel's pick), kept for all restarts of one process. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

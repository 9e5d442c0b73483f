// Processes under test: the embedded platform as `npm start` runs it, and plain Node scripts
// (the baselines), each its own process so the load generator does not share their event loop.
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT, sleep } from './common';

/** API keys given to every platform the benches start. */
export const KEYS = { admin: 'bench-admin', service: 'bench-service', ops: 'bench-ops' } as const;
export const TENANT = 'apinfer';
export const API_KEYS_ENV = JSON.stringify({
  [KEYS.admin]: { tenant: TENANT, role: 'admin' },
  [KEYS.service]: { tenant: TENANT, role: 'service' },
  [KEYS.ops]: { tenant: TENANT, role: 'ops' },
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Proc {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Milliseconds from spawn to the first answer of its health check. */
  readyMs: number;
  /** CPU seconds (user + system) the process has used so far (Linux /proc; NaN elsewhere). */
  cpuSeconds(): number;
  /** Resident memory in MiB. */
  rssMiB(): number;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** kill -9. */
  kill9(): Promise<void>;
}

const TICKS = 100; // USER_HZ on Linux

export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime
  } catch {
    return NaN;
  }
}

/** Resident memory of a process in MiB (VmRSS), NaN when it is gone. */
export function rssMiBOf(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

export interface SpawnOptions {
  /** The script and its args after `node`. */
  args: string[];
  env: Record<string, string>;
  /** Health URL path polled until it answers 200. */
  healthPath: string;
  port: number;
  /** Where the process's stdout and stderr go (a file); default: discarded. */
  logFile?: string;
  timeoutMs?: number;
  /** Called while waiting, with the milliseconds since spawn. */
  onWait?: (ms: number) => void;
  /** Working directory (default: this checkout). */
  cwd?: string;
}

export async function spawnProcess(options: SpawnOptions): Promise<Proc> {
  const started = performance.now();
  // The process writes its log file itself: piped through this process, every line cost both
  // processes CPU (and the bench shares the machine's cores with what it measures).
  const fd = options.logFile ? openSync(options.logFile, 'a') : null;
  const child = spawn(process.execPath, options.args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', fd ?? 'ignore', fd ?? 'ignore'],
  });
  if (fd !== null) closeSync(fd); // the child holds its own copy
  let exited: string | null = null;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = signal ?? `exit code ${code}`;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = started + (options.timeoutMs ?? 600_000);
  let readyMs = NaN;
  while (Number.isNaN(readyMs)) {
    if (exited) throw new Error(`${options.args.join(' ')} exited (${exited}) before answering${options.logFile ? `; see ${options.logFile}` : ''}`);
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.args.join(' ')} did not answer ${options.healthPath} in time`);
    }
    try {
      const response = await fetch(url + options.healthPath, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) readyMs = performance.now() - started;
    } catch {
      // not listening yet
    }
    if (Number.isNaN(readyMs)) {
      options.onWait?.(performance.now() - started);
      await sleep(20);
    }
  }
  const pid = child.pid!;
  const stop = async (graceMs = 20_000) => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exit;
    clearTimeout(timer);
  };
  return {
    child, pid, url, readyMs,
    cpuSeconds: () => cpuSecondsOf(pid),
    rssMiB: () => rssMiBOf(pid),
    stop,
    kill9: async () => {
      if (exited) return;
      child.kill('SIGKILL');
      await exit;
    },
  };
}

export interface PlatformOptions {
  dataDir: string;
  port?: number;
  logFile?: string;
  onWait?: (ms: number) => void;
  timeoutMs?: number;
  /** More environment (e.g. CREDITFLOW_TENANTS_DIR). */
  env?: Record<string, string>;
  /** Another checkout whose platform runs instead of this one's (bench:http --compare). */
  checkout?: string;
  /** Writes a CPU profile (`node --cpu-prof`) into this directory when the platform exits. */
  cpuProfileDir?: string;
  /** Node's own flags for this platform (say, a V8 heap setting to compare against the same code without it). */
  nodeArgs?: string[];
  /** What the start waits for: /health (ready: store, bus, read models caught up; the default) or /health/live (serving). */
  healthPath?: '/health' | '/health/live';
}

/** The embedded platform, as `npm start` runs it, on its own data directory and port. */
export async function startPlatform(options: PlatformOptions): Promise<Proc> {
  const port = options.port ?? (await freePort());
  return spawnProcess({
    args: [
      ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
      ...(options.nodeArgs ?? []),
      '-r', '@swc-node/register', join('apps', 'platform', 'src', 'main.ts'),
    ],
    env: {
      CREDITFLOW_DATA_DIR: options.dataDir,
      PORT: String(port),
      CREDITFLOW_API_KEYS: API_KEYS_ENV,
      CREDITFLOW_SCHEDULER_INTERVAL_MS: '0',
      CREDITFLOW_CLOCK: 'system',
      ...options.env,
    },
    healthPath: options.healthPath ?? '/health',
    port,
    logFile: options.logFile,
    onWait: options.onWait,
    timeoutMs: options.timeoutMs,
    cwd: options.checkout,
  });
}

/**
 * Waits until a platform has caught up with what it was sent: every read model's and every bus
 * consumer's lag in its /metrics at 0, twice, 1.1 s apart (the projection lags are computed at most
 * once a second). The seconds it took. A burst leaves work behind it; a phase that starts before that
 * work is done measures the burst's tail, and a phase's CPU counted without it leaves it out.
 */
export async function caughtUp(url: string, onWait: (seconds: number) => void = () => undefined, timeoutMs = 300_000): Promise<number> {
  const started = Date.now();
  let zeros = 0;
  for (;;) {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
    const lag = text
      .split('\n')
      .filter((line) => /^creditflow_(projection_lag_events|consumer_lag)[{ ]/.test(line))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    zeros = lag === 0 ? zeros + 1 : 0;
    if (zeros === 2) return (Date.now() - started) / 1000;
    if (Date.now() - started > timeoutMs) throw new Error(`${url} still ${lag} events behind after ${timeoutMs / 1000} s`);
    onWait((Date.now() - started) / 1000);
    await sleep(lag === 0 ? 1_100 : 250);
  }
}

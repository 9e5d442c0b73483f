// Shared by the bench scripts: flags, machine description, progress line, percentiles, recording.
// Nothing here imports creditflow code: the scripts drive the platform through its public surfaces.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');

/** `--name value` as a number, else the fallback. */
export function numberFlag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value)) throw new Error(`--${name} needs a number, got "${process.argv[i + 1]}"`);
  return value;
}

/** `--name a,b,c` as a list of numbers, else the fallback. */
export function listFlag(name: string, fallback: number[]): number[] {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  return String(process.argv[i + 1]).split(',').map((v) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${name} needs numbers separated by commas, got "${process.argv[i + 1]}"`);
    return n;
  });
}

export function stringFlag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : String(process.argv[i + 1]);
}

export function boolFlag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/** Repetitions (`--reps`, default 3): every measurement and its baseline alternate within each one. */
export const REPS = numberFlag('reps', 3);

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  loadAverageAtStart: number[];
  note: string;
}

/** What the run ran on; `--note "..."` adds a remark (say, other work sharing the machine). */
export function machine(): Machine {
  let os = process.platform as string;
  try {
    os = execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim();
  } catch {
    // not a Unix: the platform name will do
  }
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os,
    loadAverageAtStart: loadavg().map((l) => +l.toFixed(2)),
    note: stringFlag('note', ''),
  };
}

/** The value at percentile p (0-100) of an ascending array; NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

export const round = (value: number, digits = 1) => (Number.isFinite(value) ? +value.toFixed(digits) : null);

/** min-max of a list, for "180-230"-style figures. */
export function range(values: (number | null)[], digits = 0): string {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (finite.length === 0) return '-';
  const lo = Math.min(...finite).toFixed(digits);
  const hi = Math.max(...finite).toFixed(digits);
  return lo === hi ? lo : `${lo}-${hi}`;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const started = Date.now();
const tty = process.stderr.isTTY;
let lastLine = 0;
let current = '';

/**
 * The progress line: overwritten in place on a terminal, one line every 5 s otherwise (a log file).
 * `force` prints it now whatever the time.
 */
export function progress(text: string, force = false): void {
  current = text;
  const elapsed = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
  if (tty) {
    process.stderr.write(`\r\x1b[K[${elapsed}s] ${text}`);
  } else if (force || Date.now() - lastLine >= 5000) {
    process.stderr.write(`[${elapsed}s] ${text}\n`);
    lastLine = Date.now();
  }
}

/** Ends the progress line (a terminal keeps it) and prints a line of its own. */
export function log(text: string): void {
  if (tty && current) process.stderr.write('\n');
  current = '';
  const elapsed = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[${elapsed}s] ${text}\n`);
}

/** A ticker calling `text()` for the progress line every 500 ms until stopped. */
export function ticker(text: () => string): () => void {
  const timer = setInterval(() => progress(text()), 500);
  return () => clearInterval(timer);
}

// The 1-minute load average every 5 s of the run, for the record.
const loadSamples: number[] = [];
setInterval(() => loadSamples.push(loadavg()[0]), 5000).unref();

/** Prints the result and, with --record, writes bench/results/<date>-<name>.json (-2, -3... when that file is already there: a record is never overwritten). */
export function report(name: string, result: Record<string, unknown>): void {
  // The load at the end too: other work on the machine moves every figure.
  const load = loadSamples.length ? loadSamples : [loadavg()[0]];
  const loadAverage1m = { min: round(Math.min(...load), 2), mean: round(load.reduce((a, b) => a + b, 0) / load.length, 2), max: round(Math.max(...load), 2), samples: load.length };
  const json = JSON.stringify({ ...result, loadAverage1m, loadAverageAtEnd: loadavg().map((l) => +l.toFixed(2)) }, null, 2);
  console.log(json);
  if (boolFlag('record')) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const base = join(RESULTS_DIR, `${new Date().toISOString().slice(0, 10)}-${name}`);
    let file = `${base}.json`;
    for (let n = 2; existsSync(file); n++) file = `${base}-${n}.json`;
    writeFileSync(file, json + '\n');
    log(`recorded in ${file}`);
  }
}

/** Runs main, reporting errors; `cleanup` runs in every case (also on Ctrl-C). */
export function run(main: () => Promise<void>, cleanup: () => Promise<void> | void): void {
  let cleaning: Promise<void> | null = null;
  const clean = () => (cleaning ??= Promise.resolve().then(cleanup).catch((e) => console.error('cleanup:', e)));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      log(`${signal}: cleaning up`);
      void clean().then(() => process.exit(130));
    });
  }
  main()
    .then(clean)
    .then(() => process.exit(0))
    .catch(async (error) => {
      log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      await clean();
      process.exit(1);
    });
}

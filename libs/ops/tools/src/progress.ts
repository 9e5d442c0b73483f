// Progress of a long command (a rebuild): a bar with done/total, percentage, rate and ETA, redrawn in
// place on a terminal; plain lines (each tenth of the way, and at most every few seconds) when the
// output is a file or a pipe, so logs stay readable.
import { OpsIo } from './io';

export interface ProgressState {
  done: number;
  /** null: unknown (the store cannot count), shown without bar and ETA. */
  total: number | null;
  elapsedMs: number;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** 9s, 2m05s, 1h02m. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Items per second so far; null before any time has passed. */
export function rateOf({ done, elapsedMs }: ProgressState): number | null {
  return elapsedMs > 0 ? (done * 1000) / elapsedMs : null;
}

/** What is left at the rate so far; null without a total or a rate. */
export function etaMs(state: ProgressState): number | null {
  const rate = rateOf(state);
  if (state.total === null || rate === null || rate === 0) return null;
  return (Math.max(0, state.total - state.done) / rate) * 1000;
}

/**
 * One line: `[#######.......] 12,345/50,000 wallet events  24.7%  4,120/s  ETA 9s` (the bar only when
 * `barWidth` > 0), or `12,345 wallet events  4,120/s` without a total.
 */
export function formatProgress(state: ProgressState, unit: string, barWidth = 0): string {
  const rate = rateOf(state);
  const rateText = rate === null ? '' : `  ${count(rate)}/s`;
  if (state.total === null) return `${count(state.done)} ${unit}${rateText}`;
  const fraction = state.total === 0 ? 1 : Math.min(1, state.done / state.total);
  const filled = Math.round(fraction * barWidth);
  const bar = barWidth > 0 ? `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ` : '';
  const eta = etaMs(state);
  return `${bar}${count(state.done)}/${count(state.total)} ${unit}  ${(fraction * 100).toFixed(1)}%${rateText}${eta === null ? '' : `  ETA ${formatDuration(eta)}`}`;
}

export class ProgressReporter {
  private started = 0;
  private total: number | null = null;
  private lastDraw = -Infinity;
  private lastTenth = -1;
  private drawn = 0;

  constructor(
    private readonly io: OpsIo,
    private readonly unit: string,
    private readonly options: { redrawMs?: number; plainEveryMs?: number } = {},
  ) {}

  start(total: number | null): void {
    this.started = this.io.now();
    this.total = total;
    this.update(0);
  }

  update(done: number): void {
    const now = this.io.now();
    const state = { done, total: this.total, elapsedMs: now - this.started };
    if (this.io.isTTY) {
      if (now - this.lastDraw < (this.options.redrawMs ?? 100) && done !== this.total) return;
      this.lastDraw = now;
      const width = Math.max(10, Math.min(40, (this.io.columns ?? 80) - 60));
      this.draw(formatProgress(state, this.unit, width));
      return;
    }
    const tenth = this.total ? Math.floor((done / this.total) * 10) : -1;
    const due = now - this.lastDraw >= (this.options.plainEveryMs ?? 5000);
    if (tenth > this.lastTenth || due) {
      this.lastTenth = Math.max(tenth, this.lastTenth);
      this.lastDraw = now;
      this.io.out(`${formatProgress(state, this.unit)}\n`);
    }
  }

  /** The last line: what was done and how long it took. */
  finish(done: number, summary: string): void {
    const elapsed = this.io.now() - this.started;
    const rate = rateOf({ done, total: this.total, elapsedMs: elapsed });
    const line = `${summary} in ${(elapsed / 1000).toFixed(1)}s${rate === null ? '' : ` (${count(rate)}/s)`}`;
    if (this.io.isTTY) {
      this.draw(line);
      this.io.out('\n');
    } else this.io.out(`${line}\n`);
  }

  private draw(line: string): void {
    this.io.out(`\r${line}${' '.repeat(Math.max(0, this.drawn - line.length))}`);
    this.drawn = line.length;
  }
}

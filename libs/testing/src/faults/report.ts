// What each scenario did and found, and the table the suite ends with.

const started = Date.now();

/** A progress line: `[faults +12.3s] scenario: text`. */
export function say(scope: string, text: string): void {
  process.stdout.write(`[faults +${((Date.now() - started) / 1000).toFixed(1)}s] ${scope}: ${text}\n`);
}

export class ScenarioReport {
  /** Faults injected: kills, broker stops, poison messages, hostile requests. */
  faults = 0;
  /** Commands, messages and requests sent (re-sends not included). */
  sent = 0;
  /** Sent and answered by the platform: an HTTP answer, a decision on Kafka, a broker ack of a message it must apply. */
  acked = 0;
  /** Sent again with the same id because the answer was lost in a fault. */
  resent = 0;
  readonly discrepancies: string[] = [];
  /** Things worth saying that are not discrepancies. */
  readonly notes: string[] = [];
  private readonly startedAt = Date.now();
  durationMs = 0;
  /** Known production bugs (known-bugs.ts) this run reproduced, with what showed each. */
  readonly knownBugs = new Map<string, { summary: string; shown: string[] }>();
  /** Set when the scenario could not run to its end (an exception): always a failure. */
  error: string | null = null;

  constructor(readonly name: string, readonly what: string) {}

  log(text: string): void {
    say(this.name, text);
  }

  fault(text: string): void {
    this.faults++;
    this.log(`FAULT ${text}`);
  }

  discrepancy(text: string): void {
    this.discrepancies.push(text);
    this.log(`DISCREPANCY ${text}`);
  }

  /** Records every discrepancy of a check, under a heading. */
  check(heading: string, found: string[]): void {
    for (const d of found) this.discrepancy(`${heading}: ${d}`);
  }

  known(bug: { id: string; summary: string }, shown: string): void {
    const entry = this.knownBugs.get(bug.id) ?? { summary: bug.summary, shown: [] };
    entry.shown.push(shown);
    this.knownBugs.set(bug.id, entry);
  }

  note(text: string): void {
    this.notes.push(text);
    this.log(text);
  }

  finish(): void {
    this.durationMs = Date.now() - this.startedAt;
  }

  get failed(): boolean {
    return this.error !== null || this.discrepancies.length > 0;
  }
}

export function summaryTable(reports: ScenarioReport[]): string {
  const header = ['scenario', 'faults', 'sent', 'acked', 're-sent', 'discrepancies', 'known bugs', 'duration'];
  const rows = reports.map((r) => [
    r.name, String(r.faults), String(r.sent), String(r.acked), String(r.resent),
    r.error ? `${r.discrepancies.length} + ERROR` : String(r.discrepancies.length), String(r.knownBugs.size), `${(r.durationMs / 1000).toFixed(1)}s`,
  ]);
  const total = (pick: (r: ScenarioReport) => number) => String(reports.reduce((n, r) => n + pick(r), 0));
  rows.push([
    'total', total((r) => r.faults), total((r) => r.sent), total((r) => r.acked), total((r) => r.resent),
    total((r) => r.discrepancies.length + (r.error ? 1 : 0)), total((r) => r.knownBugs.size), `${(reports.reduce((n, r) => n + r.durationMs, 0) / 1000).toFixed(1)}s`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

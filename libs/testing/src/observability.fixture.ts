// What the observability tests read: log lines a service wrote (LogCapture, a pino destination kept
// in memory) and the samples of a Prometheus text scrape (parseMetrics).

/** A pino destination that keeps every line, parsed. */
export class LogCapture {
  /** Every line as written (JSON text), in order. */
  readonly raw: string[] = [];

  write(chunk: string): void {
    for (const line of chunk.split('\n')) if (line.trim()) this.raw.push(line);
  }

  /** Every line, parsed. */
  get lines(): Record<string, any>[] {
    return this.raw.map((line) => JSON.parse(line));
  }

  /** The lines whose fields include `fields` (equal values). */
  where(fields: Record<string, unknown>): Record<string, any>[] {
    return this.lines.filter((line) => Object.entries(fields).every(([k, v]) => line[k] === v));
  }
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a scrape in the Prometheus text format (comments skipped). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value.replace(/\\"/g, '"').replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
    samples.push({ name: match[1], labels, value: Number(match[4]) });
  }
  return samples;
}

/** The metric names a scrape declares (`# TYPE` lines): present even before any sample. */
export function declaredMetrics(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
}

/** The sum of the samples of `name` whose labels include `labels`; 0 when there are none. */
export function sumOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
}

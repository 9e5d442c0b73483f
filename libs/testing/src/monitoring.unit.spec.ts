// deploy/monitoring: the Grafana dashboard and the Prometheus alert rules name only metrics (and
// labels) the platform exports, and cover what issue 12 asks to watch: consumer lag, dead-letter
// growth, error rate, p99 latency, projection lag. The catalogue is the shell's PlatformMetrics, the
// one registry every service serves at /metrics.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { PlatformMetrics } from '@creditflow/shell';

const root = resolve(__dirname, '../../..');
const rules = parse(readFileSync(join(root, 'deploy/monitoring/prometheus-rules.yaml'), 'utf8'));
const dashboard = JSON.parse(readFileSync(join(root, 'deploy/monitoring/grafana-dashboard.json'), 'utf8'));

interface Catalogue {
  /** Series name -> the labels it may carry. */
  series: Map<string, Set<string>>;
}

/** Every series name /metrics can carry (histograms as _bucket, _sum and _count), with its labels. */
function catalogue(): Catalogue {
  const metrics = new PlatformMetrics('catalogue');
  const series = new Map<string, Set<string>>();
  for (const metric of metrics.registry.getMetricsAsArray() as unknown as { name: string; type: string; labelNames: string[] }[]) {
    const labels = new Set([...metric.labelNames, 'service', 'instance', 'job']);
    if (metric.type === 'histogram') {
      series.set(`${metric.name}_bucket`, new Set([...labels, 'le']));
      series.set(`${metric.name}_sum`, labels);
      series.set(`${metric.name}_count`, labels);
    } else {
      series.set(metric.name, labels);
    }
  }
  return { series };
}

/** What an expression names: metric selectors with their label matchers, and the labels it groups by. */
function namesIn(expr: string): { metrics: { name: string; labels: string[] }[]; groupedBy: string[] } {
  const metrics = [...expr.matchAll(/\b((?:creditflow|process|nodejs)_[a-z0-9_]+)\s*(\{([^}]*)\})?/g)].map((m) => ({
    name: m[1],
    labels: [...(m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)].map((l) => l[1]),
  }));
  const groupedBy = [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) => m[1].split(',').map((l) => l.trim()).filter(Boolean));
  return { metrics, groupedBy };
}

/** The problems of one expression against the catalogue, one sentence each. */
function expressionProblems(where: string, expr: string, { series }: Catalogue): string[] {
  const problems: string[] = [];
  const { metrics, groupedBy } = namesIn(expr);
  if (!metrics.length) problems.push(`${where}: names no creditflow metric`);
  for (const { name, labels } of metrics) {
    const known = series.get(name);
    if (!known) {
      problems.push(`${where}: ${name} is not a metric creditflow exports`);
      continue;
    }
    for (const label of labels) if (!known.has(label)) problems.push(`${where}: ${name} has no label ${label}`);
  }
  for (const label of groupedBy) {
    if (!metrics.some((m) => series.get(m.name)?.has(label))) problems.push(`${where}: groups by ${label}, which none of its metrics carries`);
  }
  return problems;
}

function ruleExpressions(doc: any): [string, string][] {
  return (doc.groups ?? []).flatMap((g: any) => (g.rules ?? []).map((r: any) => [`rule ${r.alert ?? r.record}`, String(r.expr)] as [string, string]));
}

function dashboardExpressions(doc: any): [string, string][] {
  const panels = (doc.panels ?? []).flatMap((p: any) => [p, ...(p.panels ?? [])]);
  return panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => [`panel "${p.title}" ${t.refId}`, String(t.expr)] as [string, string]));
}

describe('the monitoring assets in deploy/monitoring', () => {
  const known = catalogue();

  it('name only metrics and labels that /metrics exports', () => {
    const expressions = [...ruleExpressions(rules), ...dashboardExpressions(dashboard)];
    expect(expressions.length).toBeGreaterThan(20);
    expect(expressions.flatMap(([where, expr]) => expressionProblems(where, expr, known))).toEqual([]);
  });

  it('catch a metric or a label that does not exist', () => {
    expect(expressionProblems('r', 'sum(rate(creditflow_decisions_total[5m]))', known)).toEqual(['r: creditflow_decisions_total is not a metric creditflow exports']);
    expect(expressionProblems('r', 'sum by (tenant) (creditflow_consumer_lag{groupid="x"})', known)).toEqual([
      'r: creditflow_consumer_lag has no label groupid', 'r: groups by tenant, which none of its metrics carries',
    ]);
    expect(expressionProblems('r', 'creditflow_store_append_duration_seconds > 1', known)).toEqual(['r: creditflow_store_append_duration_seconds is not a metric creditflow exports']);
    expect(expressionProblems('r', 'vector(1)', known)).toEqual(['r: names no creditflow metric']);
  });

  it('alert on consumer lag, dead-letter growth, error rate, p99 latency and projection lag, each with a severity and a summary', () => {
    const alerts = (rules.groups as any[]).flatMap((g) => g.rules);
    const about = (pattern: RegExp) => alerts.filter((r) => pattern.test(r.expr)).map((r) => r.alert);
    expect(about(/creditflow_consumer_lag/)).not.toEqual([]);
    expect(about(/increase\(creditflow_dead_letters_total/)).not.toEqual([]);
    expect(about(/status=~"5\.\."/)).not.toEqual([]);
    expect(about(/histogram_quantile\(0\.99, .*creditflow_http_request_duration_seconds_bucket/s)).not.toEqual([]);
    expect(about(/creditflow_projection_lag/)).not.toEqual([]);
    for (const alert of alerts) {
      expect({ alert: alert.alert, severity: alert.labels?.severity, summary: typeof alert.annotations?.summary }).toEqual({
        alert: alert.alert, severity: expect.stringMatching(/^(warning|critical)$/), summary: 'string',
      });
    }
  });

  it('is a Grafana dashboard with a Prometheus data source variable and the same panels for every area', () => {
    expect(dashboard).toMatchObject({ uid: 'creditflow-overview', title: 'creditflow', templating: { list: expect.arrayContaining([expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' })]) } });
    const titles = dashboard.panels.filter((p: any) => p.type === 'row').map((p: any) => p.title);
    expect(titles).toEqual(['HTTP', 'Decisions and credits', 'Kafka consumers', 'Event store and read models', 'Scheduler and processes']);
    const ids = dashboard.panels.map((p: any) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels.filter((p: any) => p.type !== 'row')) {
      expect({ panel: panel.title, datasource: panel.datasource?.uid }).toEqual({ panel: panel.title, datasource: '${datasource}' });
    }
  });
});

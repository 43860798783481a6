import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BusinessMetrics, HubMetrics } from '@nhi/platform';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const operations = path.resolve(import.meta.dirname, '../../../../../docs/operations');
const rulesFile = path.join(operations, 'prometheus/nhi-hub.rules.yml');
const rulesTestFile = path.join(operations, 'prometheus/nhi-hub.rules.test.yml');
const dashboardFile = path.join(operations, 'grafana/nhi-hub.json');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  annotations?: Record<string, string>;
}
const rules = (parse(fs.readFileSync(rulesFile, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
  (group) => group.rules,
);
const alerts = rules.filter((rule) => rule.alert);

function promtoolMissing(): string | null {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'promtool is not installed (Debian package prometheus)';
  }
}
const missing = promtoolMissing();
if (missing && process.env.CI === 'true') throw new Error(`The alert rules cannot be checked: ${missing}`);

/** Every metric the hub serves, by name: the process's own and the business figures. */
async function servedMetricNames(): Promise<Set<string>> {
  const metrics = new HubMetrics(
    () => ({ total: 1, idle: 1, waiting: 0 }),
    () => new Map([['scanner.scan', 1]]),
    async () => true,
  );
  new BusinessMetrics(metrics.registry, async () => ({
    identities: [],
    openAlerts: [],
    scans: [],
    scanSeconds: [],
    notifications: [],
    queues: [],
  }));
  metrics.observeRequest('GET', '/api/trpc/$', 200, 0.01);
  const served = await metrics.registry.getMetricsAsJSON();
  return new Set(served.map((metric) => metric.name));
}

/** The hub's metric names an expression reads (histogram series named by their metric). */
function hubMetricsOf(expr: string): string[] {
  return [...expr.matchAll(/\bnhi_[a-z0-9_]+/g)].map((match) => match[0].replace(/_(bucket|sum|count)$/, ''));
}

describe('operations: alert rules, runbooks and dashboard', () => {
  it.skipIf(missing)('passes promtool check rules', () => {
    expect(() => execFileSync('promtool', ['check', 'rules', rulesFile], { encoding: 'utf8' })).not.toThrow();
  });

  it.skipIf(missing)(
    'raises each alert on its own series and not on their neighbours (promtool test rules)',
    () => {
      const output = (() => {
        try {
          return execFileSync('promtool', ['test', 'rules', rulesTestFile], {
            encoding: 'utf8',
            stdio: 'pipe',
          });
        } catch (error) {
          return String((error as { stdout?: string }).stdout ?? error);
        }
      })();
      expect(output).toContain('SUCCESS');
    },
  );

  it('tests every alert in the rule tests', () => {
    const tested = fs.readFileSync(rulesTestFile, 'utf8');
    for (const alert of alerts) expect(tested, alert.alert).toContain(`alertname: ${alert.alert}`);
  });

  it('links a runbook to every alert, and every runbook is linked', () => {
    const runbooks = fs
      .readdirSync(path.join(operations, 'runbooks'))
      .map((file) => `docs/operations/runbooks/${file}`);
    const linked = new Set(alerts.map((alert) => alert.annotations?.runbook_url));
    for (const alert of alerts) expect(runbooks, alert.alert).toContain(alert.annotations?.runbook_url);
    expect(runbooks.filter((runbook) => !linked.has(runbook))).toEqual([]);
  });

  it('reads only metrics the hub serves, in the rules and on the dashboard', async () => {
    const served = await servedMetricNames();
    const dashboard = JSON.parse(fs.readFileSync(dashboardFile, 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const read = [
      ...rules.flatMap((rule) => hubMetricsOf(rule.expr)),
      ...dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => hubMetricsOf(target.expr))),
    ];
    expect(read.length).toBeGreaterThan(10);
    expect([...new Set(read)].filter((name) => !served.has(name))).toEqual([]);
  });
});

/**
 * deploy/prometheus/daedalus-alerts.yml passes `promtool check rules` and its unit tests
 * (daedalus-alerts.test.yml: a stopped daily schedule fires the no-backup alerts only after period + margin,
 * verify failures, silent nodes, dead letters, late operations); every metric the rules and the Grafana dashboard
 * (deploy/grafana/daedalus-dashboard.json) query is one Daedalus exports (libs/common/src/metrics/metric-names.ts)
 * or one the rules record. promtool is Debian's `prometheus` package (scripts/ensure-system-deps.sh --tests).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { METRIC_NAMES, METRICS } from '@daedalus/common';
import { REPO_ROOT } from '../support/system';

const RULES_DIR = join(REPO_ROOT, 'deploy/prometheus');
const DASHBOARD = join(REPO_ROOT, 'deploy/grafana/daedalus-dashboard.json');

interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ record?: string; alert?: string; expr: string | number }> }>;
}
interface Panel {
  title: string;
  targets?: Array<{ expr: string }>;
}

const promtoolAvailable = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
if (!promtoolAvailable) {
  // only when scripts/ensure-system-deps.sh --tests could not install Debian's prometheus package
  console.warn('SKIPPED promtool checks of the alert rules: promtool is not installed and could not be (apt-get install prometheus)');
}
const describePromtool = promtoolAvailable ? describe : describe.skip;

const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;
const histograms = new Set(
  Object.values(METRICS)
    .filter((m) => m.type === 'histogram')
    .map((m) => m.name),
);

/** The daedalus_* metric names and daedalus:* recorded names a PromQL expression reads. */
function metricsIn(expr: string): { exported: string[]; recorded: string[] } {
  const exported = [...expr.matchAll(/\bdaedalus_[a-z0-9_]+/g)].map(([name]) => {
    const base = name.replace(HISTOGRAM_SERIES, '');
    return histograms.has(base) ? base : name;
  });
  const recorded = [...expr.matchAll(/\bdaedalus:[a-z0-9_:]+/g)].map(([name]) => name);
  return { exported, recorded };
}

const rules = parse(readFileSync(join(RULES_DIR, 'daedalus-alerts.yml'), 'utf8')) as RuleFile;
const allRules = rules.groups.flatMap((g) => g.rules);
const recordedNames = new Set(allRules.flatMap((r) => (r.record ? [r.record] : [])));

describePromtool('promtool', () => {
  it('checks the rule file', () => {
    const out = execFileSync('promtool', ['check', 'rules', 'daedalus-alerts.yml'], { cwd: RULES_DIR, encoding: 'utf8', timeout: 60_000 });
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('passes the rules unit tests (a stopped schedule fires the no-backup alerts after period + margin)', () => {
    const run = spawnSync('promtool', ['test', 'rules', 'daedalus-alerts.test.yml'], {
      cwd: RULES_DIR,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect({ status: run.status, out: run.stdout + run.stderr }).toEqual({ status: 0, out: expect.stringContaining('SUCCESS') });
  });
});

describe('alert rules and dashboard read metrics that exist', () => {
  it('ships the alerts the issue asks for', () => {
    expect(allRules.flatMap((r) => (r.alert ? [r.alert] : [])).sort()).toEqual([
      'DaedalusClusterBackupMissing',
      'DaedalusDeadLettersGrowing',
      'DaedalusNodeBackupMissing',
      'DaedalusNodeNeverBackedUp',
      'DaedalusNodeNotHeartbeating',
      'DaedalusOperationPastTimeout',
      'DaedalusVerifyFailed',
    ]);
  });

  it('every rule expression reads exported or recorded metrics only', () => {
    for (const rule of allRules) {
      const { exported, recorded } = metricsIn(String(rule.expr));
      for (const name of exported)
        expect({ rule: rule.alert ?? rule.record, name, known: METRIC_NAMES.includes(name) }).toMatchObject({ known: true });
      for (const name of recorded)
        expect({ rule: rule.alert ?? rule.record, name, known: recordedNames.has(name) }).toMatchObject({ known: true });
    }
  });

  it('every dashboard query reads exported metrics only, and every panel has one', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[]; templating: { list: Array<{ query?: unknown }> } };
    expect(dashboard.panels.length).toBeGreaterThan(8);
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
    expect(dashboard.panels.filter((p) => (p.targets?.length ?? 0) === 0).map((p) => p.title)).toEqual([]);
    const variables = dashboard.templating.list.map((v) => JSON.stringify(v.query ?? ''));
    const names = [...exprs.map((e) => e.expr), ...variables].flatMap((expr) => metricsIn(expr).exported);
    expect(names.filter((name) => !METRIC_NAMES.includes(name))).toEqual([]);
    // the dashboard shows what the alerts are about
    for (const needed of [METRICS.lastSuccessfulBackup, METRICS.nodeHeartbeatAge, METRICS.deadLetters, METRICS.lastSuccessfulVerify]) {
      expect(names).toContain(needed.name);
    }
  });

  it('finds misspelt names (the check above can fail)', () => {
    const { exported } = metricsIn(
      'rate(daedalus_bytes_uploaded_totl[5m]) + histogram_quantile(0.9, daedalus_jmx_call_duration_seconds_bucket)',
    );
    expect(exported).toEqual(['daedalus_bytes_uploaded_totl', 'daedalus_jmx_call_duration_seconds']);
    expect(exported.filter((name) => !METRIC_NAMES.includes(name))).toEqual(['daedalus_bytes_uploaded_totl']);
  });
});

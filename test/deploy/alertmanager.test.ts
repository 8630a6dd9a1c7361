/**
 * deploy/alertmanager/alertmanager.yml passes `amtool check-config` (Debian's prometheus-alertmanager package),
 * routes every alert of deploy/prometheus/daedalus-alerts.yml — and only those — to the gateway's
 * POST /alerts/alertmanager with a bearer token from a file (never inline), and the alert names the gateway relays
 * (DAEDALUS_ALERT_NAMES) are exactly the rule file's.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DAEDALUS_ALERT_NAMES } from '@daedalus/contracts';
import { REPO_ROOT } from '../support/system';

const CONFIG = join(REPO_ROOT, 'deploy/alertmanager/alertmanager.yml');
const RULES = join(REPO_ROOT, 'deploy/prometheus/daedalus-alerts.yml');

interface AlertmanagerConfig {
  route: { receiver: string; routes: Array<{ receiver: string; matchers: string[] }> };
  receivers: Array<{
    name: string;
    webhook_configs?: Array<{
      url: string;
      send_resolved?: boolean;
      max_alerts?: number;
      http_config?: { authorization?: Record<string, string> };
    }>;
  }>;
}

const amtool = process.env.AMTOOL ?? 'amtool';
const amtoolAvailable = spawnSync(amtool, ['--version'], { encoding: 'utf8' }).status === 0;
if (!amtoolAvailable) {
  console.warn('SKIPPED amtool check-config of deploy/alertmanager: amtool is not installed (apt-get install prometheus-alertmanager)');
}
const itAmtool = amtoolAvailable ? it : it.skip;

describe('deploy/alertmanager', () => {
  const config = parse(readFileSync(CONFIG, 'utf8')) as AlertmanagerConfig;
  const rules = parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string }> }> };
  const ruleAlerts = rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));

  itAmtool('passes amtool check-config', () => {
    const out = execFileSync(amtool, ['check-config', CONFIG], { encoding: 'utf8', timeout: 60_000 });
    expect(out).toMatch(/SUCCESS/);
  });

  it("relays exactly the rule file's alerts", () => {
    expect([...DAEDALUS_ALERT_NAMES].sort()).toEqual([...ruleAlerts].sort());
  });

  it("routes Daedalus's alerts, only those, to the gateway with a bearer token file and resolutions", () => {
    const route = config.route.routes.find((r) => r.receiver === 'daedalus');
    expect(route?.matchers).toEqual(['alertname =~ "Daedalus.*"']);
    const matcher = /^alertname =~ "(.*)"$/.exec(route?.matchers[0] ?? '')?.[1] ?? '';
    for (const name of ruleAlerts) expect(new RegExp(`^(?:${matcher})$`).test(name)).toBe(true);
    expect(new RegExp(`^(?:${matcher})$`).test('KubePodCrashLooping')).toBe(false);
    const hooks = config.receivers.find((r) => r.name === 'daedalus')?.webhook_configs ?? [];
    expect(hooks).toHaveLength(1);
    expect(new URL(hooks[0]?.url ?? '').pathname).toBe('/alerts/alertmanager');
    expect(hooks[0]?.send_resolved).toBe(true);
    expect(hooks[0]?.max_alerts).toBeLessThanOrEqual(200);
    const auth = hooks[0]?.http_config?.authorization ?? {};
    expect(auth.type).toBe('Bearer');
    expect(auth.credentials_file).toMatch(/^\//);
    expect(auth.credentials).toBeUndefined();
  });
});

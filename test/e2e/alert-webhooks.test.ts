/**
 * Alertmanager → Daedalus → webhooks (issue #14 "Notifications", alert conditions), on a real system with two
 * coordinators given the same --webhooks-file and a gateway that takes API tokens only: an Alertmanager webhook
 * notification (payload version 4) POSTed with the operator token Alertmanager would send reaches a receiver
 * started here once per alert and webhook — firing, then resolved — signed (HMAC-SHA256 over "<t>.<body>"); the
 * same notification sent again is delivered once; the Slack format is `{text}`; an alert that is not one of
 * Daedalus's is refused naming its field; a viewer may not post; neither the token nor the secret is in any log.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { verifyWebhookSignature } from '../../apps/coordinator/src/notifications/webhook-signature';
import { newToken } from '../../apps/gateway/src/auth/token-file';
import { makeTempDir, removeDir, sleep, waitFor } from '../support/processes';
import { DaedalusSystem } from '../support/system';
import { readRequestBody } from '../support/request-body';

const SECRET = 'whsec-alerts-e2e-9c2b7d1e4f';

interface Received {
  path: string;
  delivery: string;
  event: string;
  signature: string;
  body: string;
}

function notification(status: 'firing' | 'resolved', alertname = 'DaedalusNodeNotHeartbeating'): Record<string, unknown> {
  return {
    version: '4',
    groupKey: '{}/{alertname=~"^(?:Daedalus.*)$"}:{alertname="DaedalusNodeNotHeartbeating"}',
    truncatedAlerts: 0,
    status,
    receiver: 'daedalus',
    groupLabels: { alertname },
    commonLabels: { alertname, severity: 'critical' },
    commonAnnotations: { summary: 'Node h1 has not heartbeated for more than 60 s' },
    externalURL: 'http://alertmanager.example:9093',
    alerts: [
      {
        status,
        labels: { alertname, severity: 'critical', cluster: 'c1', dc: 'dc1', host_id: 'h1' },
        annotations: { summary: 'Node h1 has not heartbeated for more than 60 s' },
        startsAt: '2026-11-30T19:58:00.000Z',
        endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-11-30T20:05:00.000Z',
        generatorURL: 'http://prometheus.example:9090/graph?g0.expr=x',
        fingerprint: '5f1e0a2b3c4d6e7f',
      },
    ],
  };
}

describe('Alertmanager notifications relayed to webhooks, two coordinators', () => {
  let dir: string;
  let system: DaedalusSystem;
  let receiver: Server;
  const received: Received[] = [];
  const operator = newToken('alertmanager', 'operator');
  const viewer = newToken('dashboard', 'viewer');

  beforeAll(async () => {
    dir = makeTempDir('alert-webhooks');
    receiver = createServer((req, res) => {
      void readRequestBody(req).then((body) => {
        received.push({
          path: req.url ?? '',
          delivery: String(req.headers['x-daedalus-delivery'] ?? ''),
          event: String(req.headers['x-daedalus-event'] ?? ''),
          signature: String(req.headers['x-daedalus-signature'] ?? ''),
          body,
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    writeFileSync(join(dir, 'webhook-secret'), `${SECRET}\n`);
    const secretFile = join(dir, 'webhook-secret');
    writeFileSync(
      join(dir, 'webhooks.json'),
      JSON.stringify([
        { name: 'pager', url: `${base}/pager`, secretFile, events: ['alert'] },
        { name: 'chat', url: `${base}/chat`, secretFile, events: ['alert', 'operation.final'], format: 'slack' },
        { name: 'ops', url: `${base}/ops`, secretFile, events: ['operation.final'] },
      ]),
    );
    const tokensFile = join(dir, 'api-tokens');
    writeFileSync(tokensFile, `${operator.line}\n${viewer.line}\n`);
    system = await DaedalusSystem.start({
      nodes: 1,
      coordinators: 2,
      baseDir: join(dir, 'system'),
      coordinatorArgs: ['--webhooks-file', join(dir, 'webhooks.json')],
      gatewayAuth: { anonymousRole: false, token: operator.token },
      gatewayArgs: ['--api-tokens-file', tokensFile],
    });
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
    if (dir) removeDir(dir);
  }, 60_000);

  const at = (path: string) => received.filter((r) => r.path === path);

  it('delivers a firing alert, then its resolution, once per webhook, signed; a repeated notification once', async () => {
    const firing = await system.post('/alerts/alertmanager', notification('firing'));
    expect(firing.status).toBe(202);
    const { id: firingId } = firing.body as { id: string; alerts: number };
    expect(firing.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{40}$/), alerts: 1 });
    // Alertmanager sends the same notification again (its retry, or a second Alertmanager of a cluster)
    const repeated = await system.post('/alerts/alertmanager', notification('firing'));
    expect(repeated.status).toBe(202);
    expect((repeated.body as { id: string }).id).toBe(firingId);

    await waitFor('the firing alert at both receivers', () => at('/pager').length >= 1 && at('/chat').length >= 1, 60_000);
    const resolved = await system.post('/alerts/alertmanager', notification('resolved'));
    expect(resolved.status).toBe(202);
    expect((resolved.body as { id: string }).id).not.toBe(firingId);
    await waitFor('the resolution at both receivers', () => at('/pager').length >= 2 && at('/chat').length >= 2, 60_000);
    // a redelivered message or the repeated notification would arrive by now
    await sleep(3_000);

    const pager = at('/pager');
    expect(pager).toHaveLength(2);
    expect(at('/chat')).toHaveLength(2);
    expect(at('/ops')).toHaveLength(0);
    for (const request of [...pager, ...at('/chat')]) {
      expect(request.event).toBe('alert');
      expect(verifyWebhookSignature(SECRET, request.signature, request.body, Date.now() / 1000)).toBe(true);
      expect(verifyWebhookSignature('not-the-secret-at-all', request.signature, request.body, Date.now() / 1000)).toBe(false);
    }
    const bodies = pager.map((r) => JSON.parse(r.body) as { id: string; event: string; alert: Record<string, unknown> });
    expect(bodies.map((b) => b.alert.status)).toEqual(['firing', 'resolved']);
    expect(bodies[0]).toMatchObject({
      id: pager[0]?.delivery,
      event: 'alert',
      alert: {
        name: 'DaedalusNodeNotHeartbeating',
        status: 'firing',
        severity: 'critical',
        summary: 'Node h1 has not heartbeated for more than 60 s',
        labels: { severity: 'critical', cluster: 'c1', dc: 'dc1', host_id: 'h1' },
        startsAt: '2026-11-30T19:58:00.000Z',
        endsAt: null,
      },
    });
    expect(bodies[1]?.alert.endsAt).toBe('2026-11-30T20:05:00.000Z');
    expect(new Set(pager.map((r) => r.delivery)).size).toBe(2);
    const texts = at('/chat').map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(texts.map((t) => Object.keys(t))).toEqual([['text'], ['text']]);
    expect(texts[0]?.text).toMatch(/DaedalusNodeNotHeartbeating FIRING \(critical\)/);
    expect(texts[1]?.text).toMatch(/DaedalusNodeNotHeartbeating RESOLVED/);
  }, 180_000);

  it("refuses an alert that is not Daedalus's, naming the field, and a viewer; publishes nothing for them", async () => {
    const before = received.length;
    const foreign = await system.post('/alerts/alertmanager', notification('firing', 'KubePodCrashLooping'));
    expect(foreign.status).toBe(400);
    expect((foreign.body as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual(['alerts[0].labels.alertname']);
    const malformed = await system.post('/alerts/alertmanager', { ...notification('firing'), version: 3 });
    expect(malformed.status).toBe(400);
    expect((malformed.body as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual(['version']);
    const asViewer = await system.post('/alerts/alertmanager', notification('firing'), { authorization: `Bearer ${viewer.token}` });
    expect(asViewer.status).toBe(403);
    const anonymous = await system.post('/alerts/alertmanager', notification('firing'), { authorization: '' });
    expect(anonymous.status).toBe(401);
    await sleep(2_000);
    expect(received.length).toBe(before);
  }, 60_000);

  it('writes neither the token nor the secret to any log', async () => {
    const logs = join(system.baseDir, 'logs');
    const names = readdirSync(logs);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const text = readFileSync(join(logs, name), 'utf8');
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(operator.token);
      expect(text).not.toContain(viewer.token);
    }
    // the gateway logged the relay under the token's name
    const gatewayLog = names
      .filter((n) => n.startsWith('gateway'))
      .map((n) => readFileSync(join(logs, n), 'utf8'))
      .join('');
    expect(gatewayLog).toMatch(/POST \/alerts\/alertmanager 202 by token:alertmanager \(operator\)/);
  });
});

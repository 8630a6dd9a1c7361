import { ALERT_LIMITS, alertNotificationId, parseAlertmanagerPayload } from './alertmanager';

const NOW = new Date('2026-11-30T20:00:00Z');

/** A notification as Alertmanager's webhook receiver sends it (payload version 4). */
export function alertmanagerPayload(
  status: 'firing' | 'resolved' = 'firing',
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    version: '4',
    groupKey: '{}/{daedalus="true"}:{alertname="DaedalusNodeNotHeartbeating"}',
    truncatedAlerts: 0,
    status,
    receiver: 'daedalus',
    groupLabels: { alertname: 'DaedalusNodeNotHeartbeating' },
    commonLabels: { alertname: 'DaedalusNodeNotHeartbeating', severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: [
      {
        status,
        labels: { alertname: 'DaedalusNodeNotHeartbeating', severity: 'critical', host_id: 'h1', dc: 'dc1', cluster: 'c1' },
        annotations: { summary: 'Node h1 (dc1) has not heartbeated for more than 60 s' },
        startsAt: '2026-11-30T19:58:00Z',
        endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-11-30T19:59:30Z',
        generatorURL: 'http://prometheus:9090/graph',
        fingerprint: 'a1b2c3d4e5f60718',
      },
    ],
    ...overrides,
  };
}

const fields = (body: unknown) => parseAlertmanagerPayload(body, NOW).errors.map((e) => e.field);

describe('parseAlertmanagerPayload', () => {
  it('maps each alert: name, status, severity, summary, labels without alertname, start, and end once resolved', () => {
    const firing = parseAlertmanagerPayload(alertmanagerPayload('firing'), NOW);
    expect(firing.errors).toEqual([]);
    expect(firing.message).toMatchObject({ receiver: 'daedalus', receivedAt: NOW.toISOString(), schemaVersion: expect.any(String) });
    expect(firing.message?.alerts).toEqual([
      {
        name: 'DaedalusNodeNotHeartbeating',
        status: 'firing',
        severity: 'critical',
        summary: 'Node h1 (dc1) has not heartbeated for more than 60 s',
        labels: { severity: 'critical', host_id: 'h1', dc: 'dc1', cluster: 'c1' },
        startsAt: '2026-11-30T19:58:00Z',
        endsAt: null,
        fingerprint: 'a1b2c3d4e5f60718',
      },
    ]);
    const resolved = parseAlertmanagerPayload(alertmanagerPayload('resolved'), NOW);
    expect(resolved.message?.alerts[0]).toMatchObject({ status: 'resolved', endsAt: '2026-11-30T19:59:30Z' });
  });

  it('gives the same notification the same id, and a resolution or another alert another one', () => {
    const firing = parseAlertmanagerPayload(alertmanagerPayload('firing'), NOW).message?.id;
    expect(firing).toMatch(/^[0-9a-f]{40}$/);
    expect(parseAlertmanagerPayload(alertmanagerPayload('firing'), new Date(NOW.getTime() + 60_000)).message?.id).toBe(firing);
    expect(parseAlertmanagerPayload(alertmanagerPayload('resolved'), NOW).message?.id).not.toBe(firing);
    const again = { fingerprint: 'a1b2c3d4e5f60718', startsAt: '2026-11-30T20:10:00Z', status: 'firing' };
    const first = { ...again, startsAt: '2026-11-30T19:58:00Z' };
    expect(alertNotificationId('g', 'firing', [again])).not.toBe(alertNotificationId('g', 'firing', [first]));
    // the order Alertmanager lists alerts in does not matter
    const other = { fingerprint: 'ff', startsAt: '2026-11-30T19:00:00Z', status: 'firing' };
    expect(alertNotificationId('g', 'firing', [first, other])).toBe(alertNotificationId('g', 'firing', [other, first]));
  });

  it('names the field of every problem', () => {
    expect(fields(null)).toEqual(['body']);
    expect(fields(alertmanagerPayload('firing', { version: '3' }))).toEqual(['version']);
    expect(fields(alertmanagerPayload('firing', { status: 'pending' }))).toEqual(['status']);
    expect(fields(alertmanagerPayload('firing', { extra: 1 }))).toEqual(['extra']);
    expect(fields(alertmanagerPayload('firing', { alerts: [] }))).toEqual(['alerts']);
    expect(fields(alertmanagerPayload('firing', { groupKey: 7 }))).toEqual(['groupKey']);
    const alert = (alertmanagerPayload().alerts as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    const withAlert = (changes: Record<string, unknown>) => alertmanagerPayload('firing', { alerts: [alert, { ...alert, ...changes }] });
    expect(fields(withAlert({ status: 'odd' }))).toEqual(['alerts[1].status']);
    expect(fields(withAlert({ startsAt: 'yesterday' }))).toEqual(['alerts[1].startsAt']);
    expect(fields(withAlert({ fingerprint: 'XYZ' }))).toEqual(['alerts[1].fingerprint']);
    expect(fields(withAlert({ silenced: true }))).toEqual(['alerts[1].silenced']);
    expect(fields(withAlert({ labels: { severity: 'critical' } }))).toEqual(['alerts[1].labels.alertname']);
  });

  it("refuses an alert that is not one of Daedalus's rules, naming its alertname", () => {
    const alert = (alertmanagerPayload().alerts as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    const foreign = { ...alert, labels: { alertname: 'KubePodCrashLooping' } };
    const parsed = parseAlertmanagerPayload(alertmanagerPayload('firing', { alerts: [alert, foreign] }), NOW);
    expect(parsed.message).toBeUndefined();
    expect(parsed.errors).toEqual([
      { field: 'alerts[1].labels.alertname', message: expect.stringMatching(/KubePodCrashLooping is not one of Daedalus's alerts/) },
    ]);
  });

  it('bounds the number of alerts, labels and their lengths, and refuses control characters', () => {
    const alert = (alertmanagerPayload().alerts as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    const many = Array.from({ length: ALERT_LIMITS.alerts + 1 }, () => alert);
    expect(fields(alertmanagerPayload('firing', { alerts: many }))).toEqual(['alerts']);
    const labels = Object.fromEntries(Array.from({ length: ALERT_LIMITS.labels + 1 }, (_, i) => [`l${i}`, 'v']));
    expect(fields(alertmanagerPayload('firing', { alerts: [{ ...alert, labels }] }))).toEqual(['alerts[0].labels']);
    const long = { ...(alert.labels as object), dc: 'x'.repeat(ALERT_LIMITS.valueLength + 1) };
    expect(fields(alertmanagerPayload('firing', { alerts: [{ ...alert, labels: long }] }))).toEqual(['alerts[0].labels.dc']);
    const forged = { summary: 'ok\n{"level":"info","msg":"forged"}' };
    expect(fields(alertmanagerPayload('firing', { alerts: [{ ...alert, annotations: forged }] }))).toEqual([
      'alerts[0].annotations.summary',
    ]);
    expect(fields(alertmanagerPayload('firing', { commonLabels: { 'bad-name': 'x' } }))).toEqual(['commonLabels']);
  });
});

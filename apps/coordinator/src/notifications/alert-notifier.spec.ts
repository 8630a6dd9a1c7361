import { AlertNotificationMessage, SCHEMA_VERSION } from '@daedalus/contracts';
import { ManualClock } from '@daedalus/common/testing/manual-clock';
import { METRICS, processMetrics } from '@daedalus/common';
import { alertDeliveryId, AlertNotifier } from './alert-notifier';
import { alertBody } from './alert-payload';
import { Webhook } from './webhook-config';
import { WebhookClient, WebhookRefusedError } from './webhook-client';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, verifyWebhookSignature } from './webhook-signature';

const SECRET = 'whsec-alerts-0123456789';
const hook = (overrides: Partial<Webhook> = {}): Webhook => ({
  name: 'pager',
  url: 'http://127.0.0.1:1/alerts',
  secret: SECRET,
  events: ['alert'],
  format: 'json',
  ...overrides,
});

const message: AlertNotificationMessage = {
  schemaVersion: SCHEMA_VERSION,
  id: '0123456789abcdef0123456789abcdef01234567',
  receivedAt: '2026-11-30T20:00:00.000Z',
  receiver: 'daedalus',
  alerts: [
    {
      name: 'DaedalusVerifyFailed',
      status: 'firing',
      severity: 'critical',
      summary: 'A verify failed',
      labels: { severity: 'critical', cluster: 'c1' },
      startsAt: '2026-11-30T19:58:00Z',
      endsAt: null,
      fingerprint: 'abc123',
    },
  ],
};

class RecordingClient extends WebhookClient {
  readonly calls: Array<{ url: string; body: string; headers: Record<string, string> }> = [];
  constructor(private failures = 0) {
    super();
  }
  override async post(url: string, body: string, headers: Record<string, string>): Promise<void> {
    this.calls.push({ url, body, headers });
    if (this.failures-- > 0) throw new WebhookRefusedError('the receiver answered HTTP 503');
  }
}

const counted = async (state: string) =>
  (await processMetrics('coordinator').counter(METRICS.webhookDeliveries).get()).values.find(
    (v) => v.labels.event === 'alert' && v.labels.state === state,
  )?.value ?? 0;

describe('AlertNotifier', () => {
  const clock = new ManualClock(new Date('2026-11-30T20:00:05Z'));
  const policy = { attempts: 3, initialDelayMs: 100, maxDelayMs: 400 };

  it('sends each alert, signed, to the webhooks of the alert event only', async () => {
    const client = new RecordingClient();
    const operationsOnly = hook({ name: 'ops', events: ['operation.final'] });
    const before = await counted('delivered');
    await new AlertNotifier([hook(), operationsOnly], client, clock, policy, async () => undefined).relay(message);
    expect(client.calls).toHaveLength(1);
    const [call] = client.calls;
    const id = alertDeliveryId(message.id, message.alerts[0]!, hook());
    expect(call?.headers[DELIVERY_HEADER]).toBe(id);
    expect(call?.headers[EVENT_HEADER]).toBe('alert');
    expect(verifyWebhookSignature(SECRET, call?.headers[SIGNATURE_HEADER] ?? '', call?.body ?? '', clock.now().getTime() / 1000)).toBe(
      true,
    );
    expect(JSON.parse(call?.body ?? '')).toEqual({
      id,
      event: 'alert',
      sentAt: clock.now().toISOString(),
      alert: {
        name: 'DaedalusVerifyFailed',
        status: 'firing',
        severity: 'critical',
        summary: 'A verify failed',
        labels: { severity: 'critical', cluster: 'c1' },
        startsAt: '2026-11-30T19:58:00Z',
        endsAt: null,
      },
    });
    expect(await counted('delivered')).toBe(before + 1);
  });

  it('retries with growing waits, bounded, and counts a failed delivery', async () => {
    const client = new RecordingClient(10);
    const waits: number[] = [];
    const before = await counted('failed');
    await new AlertNotifier([hook()], client, clock, policy, async (ms) => {
      waits.push(ms);
    }).relay(message);
    expect(client.calls).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(waits[1]).toBeGreaterThan(waits[0] ?? Infinity);
    expect(await counted('failed')).toBe(before + 1);
  });

  it('delivers on a later attempt after refusals', async () => {
    const client = new RecordingClient(1);
    const before = await counted('delivered');
    await new AlertNotifier([hook()], client, clock, policy, async () => undefined).relay(message);
    expect(client.calls).toHaveLength(2);
    expect(client.calls[0]?.headers[DELIVERY_HEADER]).toBe(client.calls[1]?.headers[DELIVERY_HEADER]);
    expect(await counted('delivered')).toBe(before + 1);
  });

  it('writes the Slack form as {text} naming the alert, its status, severity and summary', () => {
    const text = JSON.parse(alertBody(hook({ format: 'slack' }), 'd', message.alerts[0]!, 'now')) as Record<string, unknown>;
    expect(Object.keys(text)).toEqual(['text']);
    expect(text.text).toBe(':rotating_light: Daedalus alert DaedalusVerifyFailed FIRING (critical)\nA verify failed');
    const resolved = JSON.parse(alertBody(hook({ format: 'slack' }), 'd', { ...message.alerts[0]!, status: 'resolved' }, 'now')) as {
      text: string;
    };
    expect(resolved.text).toMatch(/^:white_check_mark: Daedalus alert DaedalusVerifyFailed RESOLVED/);
  });

  it('bounds the labels in a body', () => {
    const labels = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`l${i}`, 'v']));
    const body = JSON.parse(alertBody(hook(), 'd', { ...message.alerts[0]!, labels }, 'now')) as { alert: { labels: object } };
    expect(Object.keys(body.alert.labels)).toHaveLength(16);
  });
});

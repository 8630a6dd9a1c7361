import { RelayedAlert } from '@daedalus/contracts';
import { Webhook } from './webhook-config';

/** At most this many labels go into a body (the rules set few; Alertmanager's are bounded at the gateway too). */
const MAX_BODY_LABELS = 16;

/**
 * The body of an alert delivery. `json`: `{id, event: "alert", sentAt, alert: {name, status, severity, summary,
 * labels, startsAt, endsAt}}`; `slack`: Slack's incoming-webhook `{text}`.
 */
export function alertBody(webhook: Webhook, deliveryId: string, alert: RelayedAlert, sentAt: string): string {
  if (webhook.format === 'slack') return JSON.stringify({ text: alertSlackText(alert) });
  const labels = Object.fromEntries(Object.entries(alert.labels).slice(0, MAX_BODY_LABELS));
  return JSON.stringify({
    id: deliveryId,
    event: 'alert',
    sentAt,
    alert: {
      name: alert.name,
      status: alert.status,
      severity: alert.severity,
      summary: alert.summary,
      labels,
      startsAt: alert.startsAt,
      endsAt: alert.endsAt,
    },
  });
}

function alertSlackText(alert: RelayedAlert): string {
  const mark = alert.status === 'resolved' ? ':white_check_mark:' : ':rotating_light:';
  const severity = alert.severity ? ` (${alert.severity})` : '';
  const summary = alert.summary ? `\n${alert.summary}` : '';
  return `${mark} Daedalus alert ${alert.name} ${alert.status.toUpperCase()}${severity}${summary}`;
}

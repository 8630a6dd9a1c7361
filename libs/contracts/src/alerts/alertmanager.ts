import { createHash } from 'node:crypto';
import type { FieldError } from '../requests/registry';
import { hasControlCharacters } from '../requests/raw-json-guard';
import { SCHEMA_VERSION } from '../schema-version';
import { AlertNotificationMessage, RelayedAlertView } from '../messages';

/** One alert as relayed to the coordinators and told to the webhooks (`alert` of the webhook body). */
export type RelayedAlert = RelayedAlertView;

/**
 * The alerts of deploy/prometheus/daedalus-alerts.yml: only these are relayed to the webhooks (test/deploy
 * checks the list against the rule file). Any other alert routed to the gateway is a routing mistake: refused.
 */
export const DAEDALUS_ALERT_NAMES = [
  'DaedalusNodeBackupMissing',
  'DaedalusClusterBackupMissing',
  'DaedalusNodeNeverBackedUp',
  'DaedalusVerifyFailed',
  'DaedalusNodeNotHeartbeating',
  'DaedalusDeadLettersGrowing',
  'DaedalusOperationPastTimeout',
] as const;

/** Bounds on what Alertmanager may send (its groups of our rules are small: a node count of alerts at most). */
export const ALERT_LIMITS = { alerts: 200, labels: 32, nameLength: 128, valueLength: 1024, textLength: 4096 } as const;

export type AlertStatus = RelayedAlert['status'];

export interface AlertmanagerParse {
  errors: FieldError[];
  message?: AlertNotificationMessage;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The alert's end, or null for Alertmanager's "not ended" (its zero time `0001-01-01T00:00:00Z`, or a firing alert's). */
function endOf(status: AlertStatus, endsAt: string): string | null {
  if (status === 'firing' || endsAt.startsWith('0001-')) return null;
  return endsAt;
}

/**
 * The de-duplication id of a notification: the same group, status and alerts (fingerprint and start) give the
 * same id, so Alertmanager sending it again (its retries, or two Alertmanagers of a cluster) is one message.
 */
export function alertNotificationId(
  groupKey: string,
  status: string,
  alerts: Array<{ fingerprint: string; startsAt: string; status: string }>,
): string {
  const parts = alerts.map((a) => `${a.fingerprint}@${a.startsAt}:${a.status}`).sort();
  return createHash('sha256')
    .update(JSON.stringify([groupKey, status, parts]))
    .digest('hex')
    .slice(0, 40);
}

function text(value: unknown, field: string, max: number, errors: FieldError[], required = true): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') errors.push({ field, message: `${field} must be a string` });
  else if (value.length > max) errors.push({ field, message: `${field} must be at most ${max} characters` });
  else if (hasControlCharacters(value)) errors.push({ field, message: `${field} must not contain control characters` });
  else return value;
  return undefined;
}

function stringMap(value: unknown, field: string, errors: FieldError[], valueMax: number): Record<string, string> | undefined {
  if (!isObject(value)) {
    errors.push({ field, message: `${field} must be an object of strings` });
    return undefined;
  }
  const entries = Object.entries(value);
  if (entries.length > ALERT_LIMITS.labels) {
    errors.push({ field, message: `${field} must have at most ${ALERT_LIMITS.labels} entries` });
    return undefined;
  }
  const before = errors.length;
  const map: Record<string, string> = {};
  for (const [key, raw] of entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || key.length > ALERT_LIMITS.nameLength) {
      errors.push({
        field: `${field}`,
        message: `${field} has a name that is not a Prometheus label name (at most ${ALERT_LIMITS.nameLength})`,
      });
      continue;
    }
    const checked = text(raw, `${field}.${key}`, valueMax, errors);
    if (checked !== undefined) map[key] = checked;
  }
  return errors.length > before ? undefined : map;
}

function time(value: unknown, field: string, errors: FieldError[]): string | undefined {
  const checked = text(value, field, 64, errors);
  if (checked === undefined) return undefined;
  if (Number.isNaN(Date.parse(checked))) {
    errors.push({ field, message: `${field} must be an RFC 3339 time` });
    return undefined;
  }
  return checked;
}

function status(value: unknown, field: string, errors: FieldError[]): AlertStatus | undefined {
  if (value === 'firing' || value === 'resolved') return value;
  errors.push({ field, message: `${field} must be firing or resolved` });
  return undefined;
}

/**
 * Checks an Alertmanager webhook notification (version "4") and maps its alerts. Every problem names its field
 * (`alerts[2].labels.alertname`); an alert that is not one of Daedalus's rules is a problem too (`DAEDALUS_ALERT_NAMES`).
 * Fields Alertmanager sends that Daedalus does not use (`groupLabels`, `commonLabels`, `externalURL`, …) are
 * checked for shape and size only, so a payload is relayed whole or not at all.
 */
export function parseAlertmanagerPayload(body: unknown, receivedAt: Date): AlertmanagerParse {
  const errors: FieldError[] = [];
  if (!isObject(body)) return { errors: [{ field: 'body', message: 'body must be an Alertmanager webhook notification (a JSON object)' }] };
  const known = [
    'version',
    'groupKey',
    'truncatedAlerts',
    'status',
    'receiver',
    'groupLabels',
    'commonLabels',
    'commonAnnotations',
    'externalURL',
    'alerts',
  ];
  for (const field of Object.keys(body))
    if (!known.includes(field)) errors.push({ field, message: `${field} is not a field of Alertmanager's webhook notification` });
  if (body.version !== '4') errors.push({ field: 'version', message: 'version must be "4" (Alertmanager webhook notification)' });
  const groupKey = text(body.groupKey, 'groupKey', ALERT_LIMITS.textLength, errors);
  const groupStatus = status(body.status, 'status', errors);
  const receiver = text(body.receiver, 'receiver', ALERT_LIMITS.nameLength, errors);
  if (
    body.truncatedAlerts !== undefined &&
    (typeof body.truncatedAlerts !== 'number' || !Number.isInteger(body.truncatedAlerts) || body.truncatedAlerts < 0)
  )
    errors.push({ field: 'truncatedAlerts', message: 'truncatedAlerts must be a non-negative integer' });
  for (const field of ['groupLabels', 'commonLabels'] as const)
    if (body[field] !== undefined) stringMap(body[field], field, errors, ALERT_LIMITS.valueLength);
  if (body.commonAnnotations !== undefined) stringMap(body.commonAnnotations, 'commonAnnotations', errors, ALERT_LIMITS.textLength);
  if (body.externalURL !== undefined) text(body.externalURL, 'externalURL', ALERT_LIMITS.textLength, errors);
  const alerts: RelayedAlert[] = [];
  const raw = body.alerts;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > ALERT_LIMITS.alerts)
    errors.push({ field: 'alerts', message: `alerts must list 1 to ${ALERT_LIMITS.alerts} alerts` });
  else
    raw.forEach((entry: unknown, index) => {
      const at = `alerts[${index}]`;
      if (!isObject(entry)) {
        errors.push({ field: at, message: `${at} must be an object` });
        return;
      }
      const fields = ['status', 'labels', 'annotations', 'startsAt', 'endsAt', 'generatorURL', 'fingerprint'];
      for (const field of Object.keys(entry))
        if (!fields.includes(field))
          errors.push({ field: `${at}.${field}`, message: `${at}.${field} is not a field of an Alertmanager alert` });
      const before = errors.length;
      const alertStatus = status(entry.status, `${at}.status`, errors);
      const labels = stringMap(entry.labels, `${at}.labels`, errors, ALERT_LIMITS.valueLength);
      const annotations =
        entry.annotations === undefined ? {} : stringMap(entry.annotations, `${at}.annotations`, errors, ALERT_LIMITS.textLength);
      const startsAt = time(entry.startsAt, `${at}.startsAt`, errors);
      const endsAt = time(entry.endsAt, `${at}.endsAt`, errors);
      if (entry.generatorURL !== undefined) text(entry.generatorURL, `${at}.generatorURL`, ALERT_LIMITS.textLength, errors);
      const fingerprint = text(entry.fingerprint, `${at}.fingerprint`, 64, errors);
      if (fingerprint !== undefined && !/^[0-9a-f]{1,64}$/.test(fingerprint))
        errors.push({ field: `${at}.fingerprint`, message: `${at}.fingerprint must be hexadecimal` });
      const name = labels?.alertname;
      if (labels && name === undefined) errors.push({ field: `${at}.labels.alertname`, message: `${at}.labels.alertname is required` });
      else if (labels && !(DAEDALUS_ALERT_NAMES as readonly string[]).includes(name as string))
        errors.push({
          field: `${at}.labels.alertname`,
          message: `${at}.labels.alertname: ${name} is not one of Daedalus's alerts (deploy/prometheus/daedalus-alerts.yml); route only those to this endpoint`,
        });
      if (errors.length > before) return;
      const { alertname: _name, ...rest } = labels as Record<string, string>;
      alerts.push({
        name: name as string,
        status: alertStatus as AlertStatus,
        severity: rest.severity ?? null,
        summary: annotations?.summary ?? null,
        labels: rest,
        startsAt: startsAt as string,
        endsAt: endOf(alertStatus as AlertStatus, endsAt as string),
        fingerprint: fingerprint as string,
      });
    });
  if (errors.length > 0) return { errors };
  const id = alertNotificationId(
    groupKey as string,
    groupStatus as string,
    alerts.map((a) => ({ fingerprint: a.fingerprint, startsAt: a.startsAt, status: a.status })),
  );
  return {
    errors,
    message: { schemaVersion: SCHEMA_VERSION, id, receivedAt: receivedAt.toISOString(), receiver: receiver as string, alerts },
  };
}

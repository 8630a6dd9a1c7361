import { readFileSync } from 'node:fs';

/** `operation.final`: an operation's final state; `alert`: one of Daedalus's Prometheus alerts, relayed from Alertmanager. */
export const WEBHOOK_EVENTS = ['operation.final', 'alert'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export const WEBHOOK_FORMATS = ['json', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** One configured receiver, its signing secret read from its file (never logged, never in a record). */
export interface Webhook {
  name: string;
  url: string;
  secret: string;
  events: WebhookEvent[];
  format: WebhookFormat;
  /** only operations of these types (all when absent; alerts are not operations and ignore it) */
  types?: string[];
}

/**
 * Reads the `--webhooks-file` JSON: `[{name, url, secretFile, events, format?, types?}]`. Throws an Error listing
 * every problem, each naming the entry and field (`webhooks[1].url: …`); a secret file's content is never quoted.
 */
export function readWebhooks(file: string, read: (path: string) => string = (path) => readFileSync(path, 'utf8')): Webhook[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(read(file));
  } catch (error) {
    throw new Error(`cannot read it as JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(parsed)) throw new Error('it must hold a JSON array of webhooks');
  const problems: string[] = [];
  const webhooks: Webhook[] = [];
  const names = new Set<string>();
  parsed.forEach((entry: unknown, index) => {
    const at = (field: string) => `webhooks[${index}].${field}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`webhooks[${index}] must be an object`);
      return;
    }
    const raw = entry as Record<string, unknown>;
    const known = ['name', 'url', 'secretFile', 'events', 'format', 'types'];
    for (const field of Object.keys(raw))
      if (!known.includes(field)) problems.push(`${at(field)} is not a webhook field (${known.join(', ')})`);
    const before = problems.length;
    const name = raw.name;
    if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(name))
      problems.push(`${at('name')} must be 1 to 64 letters, digits, - or _`);
    else if (names.has(name)) problems.push(`${at('name')}: ${name} is used twice`);
    else names.add(name);
    const url = raw.url;
    if (typeof url !== 'string' || !isHttpUrl(url)) problems.push(`${at('url')} must be an http:// or https:// URL`);
    let secret = '';
    if (typeof raw.secretFile !== 'string' || raw.secretFile === '')
      problems.push(`${at('secretFile')} must name the file of the signing secret`);
    else {
      try {
        secret = read(raw.secretFile).trim();
        if (secret.length < 16) problems.push(`${at('secretFile')}: the secret must be at least 16 characters`);
      } catch {
        problems.push(`${at('secretFile')}: cannot read ${raw.secretFile}`);
      }
    }
    const events = raw.events;
    if (!Array.isArray(events) || events.length === 0)
      problems.push(`${at('events')} must list at least one of ${WEBHOOK_EVENTS.join(', ')}`);
    else
      for (const event of events) {
        if (!WEBHOOK_EVENTS.includes(event as WebhookEvent))
          problems.push(`${at('events')}: ${JSON.stringify(event)} is not one of ${WEBHOOK_EVENTS.join(', ')}`);
      }
    const format = raw.format ?? 'json';
    if (!WEBHOOK_FORMATS.includes(format as WebhookFormat)) problems.push(`${at('format')} must be one of ${WEBHOOK_FORMATS.join(', ')}`);
    const types = raw.types;
    if (types !== undefined && (!Array.isArray(types) || types.length === 0 || !types.every((t) => typeof t === 'string' && t !== ''))) {
      problems.push(`${at('types')} must be a non-empty list of operation types`);
    }
    if (problems.length > before) return;
    webhooks.push({
      name: name as string,
      url: url as string,
      secret,
      events: events as WebhookEvent[],
      format: format as WebhookFormat,
      ...(types !== undefined ? { types: types as string[] } : {}),
    });
  });
  if (problems.length > 0) throw new Error(problems.join('; '));
  return webhooks;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

import type { OperationRecord } from '../operation-record';
import type { FieldError } from '../requests/registry';
import { isSealedSecret, SealedSecretError, SecretSealer } from './sealed-secret';

/**
 * The fields of a request that hold secrets. They travel sealed (see sealed-secret.ts) from the gateway to the
 * agents; every record, response, announcement and log line shows them as REDACTED.
 */
export const REQUEST_SECRET_FIELDS = ['kmsKeyId', 'proxySettings.proxyUsername', 'proxySettings.proxyPassword'] as const;
export type RequestSecretField = (typeof REQUEST_SECRET_FIELDS)[number];

/** What views and announcements show in place of a secret. */
export const REDACTED = '[redacted]';

const ENVELOPE = /^sealed:v1:[0-9a-f]{16}:[A-Za-z0-9_-]+$/;

/** What a sealed value is bound to: one field of one operation (an envelope copied elsewhere does not open). */
export function secretContext(operationId: string, field: RequestSecretField): string {
  return `daedalus/${operationId.toLowerCase()}/${field}`;
}

type Holder = Record<string, unknown>;

function isHolder(value: unknown): value is Holder {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object holding `field` and its key there, when the path exists (a request's nested settings). */
function slotOf(request: object, field: RequestSecretField): { holder: Holder; key: string } | undefined {
  const path = field.split('.');
  let holder: unknown = request;
  for (const part of path.slice(0, -1)) {
    holder = isHolder(holder) && Object.prototype.hasOwnProperty.call(holder, part) ? holder[part] : undefined;
  }
  return isHolder(holder) ? { holder, key: path[path.length - 1] } : undefined;
}

/** The secret fields a request carries (non-empty strings), with their values. */
export function secretsIn(request: object): Array<{ field: RequestSecretField; value: string }> {
  return REQUEST_SECRET_FIELDS.flatMap((field) => {
    const slot = slotOf(request, field);
    const value = slot && Object.prototype.hasOwnProperty.call(slot.holder, slot.key) ? slot.holder[slot.key] : undefined;
    return typeof value === 'string' && value !== '' ? [{ field, value }] : [];
  });
}

function setSecret(request: object, field: RequestSecretField, value: string): void {
  const slot = slotOf(request, field);
  if (slot) slot.holder[slot.key] = value;
}

/**
 * The gateway's side: seals every secret of a validated request in place, bound to `operationId`. Refused
 * (nothing changed, each field named): a secret when the gateway holds no key, a value that is already sealed
 * (HTTP clients send the secret itself) or that is the redaction marker (a view sent back as a request).
 */
export function sealRequestSecrets(request: object, operationId: string, sealer: SecretSealer | undefined): FieldError[] {
  const secrets = secretsIn(request);
  const errors = secrets.flatMap(({ field, value }): FieldError[] => {
    if (!sealer) {
      return [
        {
          field,
          message: `${field}: this gateway has no request secrets key (--request-secrets-key-file), so it cannot accept secrets`,
        },
      ];
    }
    if (isSealedSecret(value)) return [{ field, message: `${field}: send the secret itself (the gateway seals it), not a sealed value` }];
    if (value === REDACTED) return [{ field, message: `${field}: ${REDACTED} is what views show in place of a secret, not a value` }];
    return [];
  });
  if (errors.length > 0 || !sealer) return errors;
  for (const { field, value } of secrets) setSecret(request, field, sealer.seal(value, secretContext(operationId, field)));
  return [];
}

/**
 * The coordinators' check of a submitted request (they hold no key): every secret must be sealed. A direct NATS
 * client that sends one in plaintext has its request refused (it is already on the requests stream, but goes
 * no further: not into the record, not to any agent).
 */
export function unsealedSecretProblems(request: object): FieldError[] {
  return secretsIn(request).flatMap(({ field, value }): FieldError[] => {
    if (!isSealedSecret(value)) {
      return [{ field, message: `${field}: secrets must be sealed (submit through the gateway, or seal with the request secrets key)` }];
    }
    if (!ENVELOPE.test(value)) return [{ field, message: `${field}: not a well-formed sealed value (sealed:v1:<keyId>:<base64url>)` }];
    return [];
  });
}

/**
 * The agent's side: opens every secret of a command's request in place, so executors read plain values.
 * Returns the fields that could not be opened (the request is then not to be run) and the plain values opened
 * (which the agent scrubs from what it publishes and logs).
 */
export function openRequestSecrets(
  request: object,
  operationId: string,
  sealer: SecretSealer | undefined,
): { errors: FieldError[]; opened: string[] } {
  const problems = unsealedSecretProblems(request);
  if (problems.length > 0) return { errors: problems, opened: [] };
  const secrets = secretsIn(request);
  if (secrets.length > 0 && !sealer) {
    return {
      errors: secrets.map(({ field }) => ({
        field,
        message: `${field}: this agent has no request secrets key (--request-secrets-key-file) to open it`,
      })),
      opened: [],
    };
  }
  const opened: Array<{ field: RequestSecretField; plain: string }> = [];
  const errors: FieldError[] = [];
  for (const { field, value } of secrets) {
    try {
      opened.push({ field, plain: (sealer as SecretSealer).open(value, secretContext(operationId, field)) });
    } catch (error) {
      if (!(error instanceof SealedSecretError)) throw error;
      errors.push({ field, message: `${field}: ${error.message}` });
    }
  }
  if (errors.length > 0) return { errors, opened: [] };
  for (const { field, plain } of opened) setSecret(request, field, plain);
  return { errors: [], opened: opened.map((o) => o.plain) };
}

/** A copy of a request (or any body) with every secret replaced by REDACTED; the original is not touched. */
export function redactRequestSecrets<T extends object>(request: T): T {
  const secrets = secretsIn(request);
  if (secrets.length === 0) return request;
  const copy: Holder = { ...(request as Holder) };
  if (isHolder(copy.proxySettings)) copy.proxySettings = { ...copy.proxySettings };
  for (const { field } of secrets) setSecret(copy, field, REDACTED);
  return copy as T;
}

/** A record as others may see it (views, announcements): its request's secrets redacted. */
export function redactRecordSecrets(record: OperationRecord): OperationRecord {
  const request = redactRequestSecrets(record.request);
  return request === record.request ? record : { ...record, request };
}

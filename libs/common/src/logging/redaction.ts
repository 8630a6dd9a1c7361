/** The mark a redacted value is replaced with: the same as the records' (`REDACTED` in @daedalus/contracts). */
export const LOG_REDACTED = '[redacted]';

/**
 * Field names whose values are secrets wherever they appear in a logged object: HTTP credentials, tokens, the
 * request secrets (proxy credentials, KMS key ids), JMX and keystore passwords, storage keys, signing keys.
 * Lines are mostly text: this is the net under objects logged whole (an error's request options, a header map).
 */
export const SECRET_FIELDS = [
  'authorization',
  'Authorization',
  'proxy-authorization',
  'Proxy-Authorization',
  'cookie',
  'token',
  'accessToken',
  'sessionToken',
  'apiToken',
  'password',
  'pass',
  'proxyPassword',
  'proxyUsername',
  'kmsKeyId',
  'jmxPassword',
  'keystorePassword',
  'truststorePassword',
  'secretAccessKey',
  'accountKey',
  'sasToken',
  'connectionString',
  'privateKey',
  'private_key',
  'clientSecret',
  'signingKey',
  'secret',
] as const;

/** Where pino looks for them: at the top of a line's object, and up to three levels down (headers, options). */
export function redactionPaths(): string[] {
  const quoted = (field: string) => (/^[A-Za-z_$][\w$]*$/.test(field) ? field : `["${field}"]`);
  const join = (prefix: string, field: string) => (quoted(field).startsWith('[') ? `${prefix}${quoted(field)}` : `${prefix}.${field}`);
  return SECRET_FIELDS.flatMap((field) => [quoted(field), join('*', field), join('*.*', field), join('*.*.*', field)]);
}

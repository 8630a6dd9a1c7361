import { parseAnyLocation } from '@daedalus/storage/location';
import { unsupportedFeature } from '@daedalus/storage/features';
import { ProxySettingsDto, StorageOperationRequest } from './common';

type FieldError = { field: string; message: string };

export const PROXY_PROTOCOLS = ['http', 'https'] as const;

/**
 * The storage fields that must take effect or be refused (never accepted and ignored): `kmsKeyId` and
 * `proxySettings` only where the location's provider honours them; the proxy settings complete and switched on;
 * `metadataDirective` and `insecure` only with the values that say what Daedalus does anyway. Checked wherever
 * a request is validated: the gateway (400), the coordinator (a FAILED record for a direct submitter) and the
 * agent (a refused command). Reads only the fields' presence, never a secret's value.
 */
export function storageFieldErrors(request: StorageOperationRequest): FieldError[] {
  let protocol;
  try {
    protocol = parseAnyLocation(request.storageLocation).protocol;
  } catch {
    return []; // the location's own validation has said why
  }
  const errors: FieldError[] = [];
  if (request.kmsKeyId !== undefined) {
    // a backup encrypts with the key, a restore accepts only objects encrypted with it; a list has no use for one
    const reason =
      request.type === 'list'
        ? 'a list reads backup indexes only and has no use for a key'
        : request.type === 'verify'
          ? 'a verify reads objects as stored (the store decrypts its own encryption) and has no use for a key'
          : unsupportedFeature(protocol, 'kmsKeyId');
    if (reason) errors.push({ field: 'kmsKeyId', message: `kmsKeyId: ${reason}` });
  }
  const proxy = request.proxySettings;
  if (proxy?.useProxy) {
    const reason = unsupportedFeature(protocol, 'proxySettings');
    errors.push(...(reason ? [{ field: 'proxySettings', message: `proxySettings: ${reason}` }] : proxyErrors(proxy)));
  } else if (proxy && describesProxy(proxy)) {
    errors.push({
      field: 'proxySettings.useProxy',
      message: 'proxySettings.useProxy: must be true for the other proxy settings to take effect (they would be ignored)',
    });
  }
  if (request.metadataDirective !== undefined && request.metadataDirective.toUpperCase() !== 'COPY') {
    errors.push({
      field: 'metadataDirective',
      message: 'metadataDirective: only COPY is supported: Daedalus never copies objects within the store, so no metadata is replaced',
    });
  }
  if (request.insecure === true) {
    errors.push({
      field: 'insecure',
      message: 'insecure: the store endpoint (and whether it is plain HTTP) comes from the agent environment, not from a request',
    });
  }
  return errors;
}

function describesProxy(proxy: ProxySettingsDto): boolean {
  return [proxy.proxyHost, proxy.proxyPort, proxy.proxyProtocol, proxy.proxyUsername, proxy.proxyPassword].some((v) => v !== undefined);
}

function proxyErrors(proxy: ProxySettingsDto): FieldError[] {
  const errors: FieldError[] = [];
  if (proxy.proxyHost === undefined)
    errors.push({ field: 'proxySettings.proxyHost', message: 'proxySettings.proxyHost: required when useProxy is true' });
  else if (!/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/.test(proxy.proxyHost)) {
    errors.push({ field: 'proxySettings.proxyHost', message: 'proxySettings.proxyHost: must be a host name or an IP address' });
  }
  if (proxy.proxyPort === undefined)
    errors.push({ field: 'proxySettings.proxyPort', message: 'proxySettings.proxyPort: required when useProxy is true' });
  if (proxy.proxyProtocol !== undefined && !(PROXY_PROTOCOLS as readonly string[]).includes(proxy.proxyProtocol.toLowerCase())) {
    errors.push({
      field: 'proxySettings.proxyProtocol',
      message: `proxySettings.proxyProtocol: must be one of ${PROXY_PROTOCOLS.join(', ')}`,
    });
  }
  if (proxy.proxyPassword !== undefined && proxy.proxyUsername === undefined) {
    errors.push({ field: 'proxySettings.proxyUsername', message: 'proxySettings.proxyUsername: required with proxyPassword' });
  }
  return errors;
}

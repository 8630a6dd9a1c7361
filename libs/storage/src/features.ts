/**
 * Per-request storage features (Icarus `kmsKeyId` and `proxySettings`) and which provider can honour them.
 * Loads no SDK: the request validation in libs/contracts imports it to refuse, before anything is published,
 * a feature the location's provider cannot give — a request field is never accepted and ignored.
 */
import { StorageProtocol } from './location';

/** An HTTP(S) forward proxy every request of a backend goes through. */
export interface StorageProxy {
  /** How the client talks to the proxy itself. */
  protocol: 'http' | 'https';
  host: string;
  port: number;
  /** Basic proxy authentication; the password is a secret: never logged or put in an error. */
  username?: string;
  password?: string;
}

export type StorageFeature = 'kmsKeyId' | 'proxySettings';

/** undefined: the provider honours the feature; otherwise why it cannot (completes "the <provider> provider cannot …"). */
const UNSUPPORTED: Record<StorageProtocol, Partial<Record<StorageFeature, string>>> = {
  s3: {},
  gcp: {
    proxySettings:
      'use a per-request proxy (the GCS SDK and its authentication client take a proxy only from the agent environment: HTTPS_PROXY)',
  },
  azure: {
    kmsKeyId:
      'encrypt with a KMS key per request (Azure encrypts with encryption scopes configured on the account, and a scope name is not a key id)',
  },
  file: {
    kmsKeyId: 'encrypt with a KMS key (a file store has no key management service)',
    proxySettings: 'use a proxy (a file store makes no network requests)',
  },
};

/** The reason `protocol` cannot honour `feature`, or undefined when it can. */
export function unsupportedFeature(protocol: StorageProtocol, feature: StorageFeature): string | undefined {
  const reason = UNSUPPORTED[protocol][feature];
  return reason === undefined ? undefined : `the ${protocol} provider cannot ${reason}`;
}

/**
 * Whether the key a store reports for an object is the key that was asked for. Stores report the resolved key:
 * S3 the key's ARN for a key id or ARN (an alias cannot be compared: any key is accepted then), GCS the key
 * name followed by `/cryptoKeyVersions/<n>`.
 */
export function isRequestedKey(requested: string, reported: string | undefined): boolean {
  if (!reported) return false;
  if (requested.startsWith('alias/') || requested.includes(':alias/')) return true;
  return reported === requested || reported.endsWith(`/${requested}`) || reported.startsWith(`${requested}/cryptoKeyVersions/`);
}

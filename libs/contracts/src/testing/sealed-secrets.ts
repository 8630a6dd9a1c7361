import { secretContext, SecretKeyring } from '../secrets/index';

/** Probe values a test looks for everywhere a secret must not appear. */
export interface SecretProbes {
  password: string;
  username: string;
  kms: string;
}

/**
 * A storage request's secret fields with each probe sealed for `operationId`, as the gateway seals them (S3 through
 * a proxy, so the kms rules accept the fields).
 */
export function sealedSecretFields(keyring: SecretKeyring, operationId: string, probes: SecretProbes) {
  return {
    kmsKeyId: keyring.seal(probes.kms, secretContext(operationId, 'kmsKeyId')),
    proxySettings: {
      useProxy: true,
      proxyHost: 'proxy.local',
      proxyPort: 3128,
      proxyUsername: keyring.seal(probes.username, secretContext(operationId, 'proxySettings.proxyUsername')),
      proxyPassword: keyring.seal(probes.password, secretContext(operationId, 'proxySettings.proxyPassword')),
    },
  };
}

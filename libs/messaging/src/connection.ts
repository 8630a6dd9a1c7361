import { Authenticator, connect, credsAuthenticator, errors, NatsConnection, nkeyAuthenticator } from '@nats-io/transport-node';
import { NatsConfig, readCredsFile, readNkeySeed } from './nats-config';
import { retryDuringStartup } from './startup-retry';

/** Nothing listens yet (a service started before NATS): worth waiting for. Auth and TLS failures are not. */
function isUnreachable(error: unknown): boolean {
  return error instanceof errors.ConnectionError && /refused|timeout|closed/i.test(error.message);
}

/** A creds file (JWT) or an nkey seed file; user/password and token go as plain options. */
function authenticatorOf(config: NatsConfig): Authenticator | undefined {
  if (config.credsFile) return credsAuthenticator(readCredsFile(config.credsFile));
  if (config.nkeySeedFile) return nkeyAuthenticator(readNkeySeed(config.nkeySeedFile));
  return undefined;
}

/**
 * Connects with unlimited reconnects once connected: services ride out a NATS restart instead of dying with
 * it. The first connection is retried while no server answers, for at most `config.startupTimeoutMs`, so
 * services and NATS may start in any order; a rejected password or certificate fails at once.
 */
export async function connectNats(config: NatsConfig, timeoutMs = 10_000, onRetry?: (message: string) => void): Promise<NatsConnection> {
  const attempt = () =>
    connect({
      servers: config.servers,
      name: config.name,
      user: config.user,
      pass: config.pass,
      token: config.token,
      authenticator: authenticatorOf(config),
      inboxPrefix: config.inboxPrefix,
      tls: config.tls ? { caFile: config.tls.caFile, certFile: config.tls.certFile, keyFile: config.tls.keyFile } : undefined,
      timeout: timeoutMs,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1_000,
      waitOnFirstConnect: false,
    });
  return retryDuringStartup('connecting to NATS', attempt, {
    timeoutMs: config.startupTimeoutMs,
    initialDelayMs: 1_000,
    maxDelayMs: 1_000,
    isTransient: isUnreachable,
    onRetry,
  });
}

import { connect, credsAuthenticator, NatsConnection } from '@nats-io/transport-node';
import { NatsConfig, readCredsFile } from './nats-config';

/** Connects with unlimited reconnects: services ride out a NATS restart instead of dying with it. */
export async function connectNats(config: NatsConfig, timeoutMs = 10_000): Promise<NatsConnection> {
  return connect({
    servers: config.servers,
    name: config.name,
    user: config.user,
    pass: config.pass,
    token: config.token,
    authenticator: config.credsFile ? credsAuthenticator(readCredsFile(config.credsFile)) : undefined,
    tls: config.tls ? { caFile: config.tls.caFile, certFile: config.tls.certFile, keyFile: config.tls.keyFile } : undefined,
    timeout: timeoutMs,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    waitOnFirstConnect: false,
  });
}

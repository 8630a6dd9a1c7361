import { TLSSocket } from 'node:tls';
import type { IncomingMessage } from 'node:http';

/** What a request carries to prove who sent it, read off the HTTP request and its TLS connection. */
export interface Credentials {
  /** the Authorization header, as sent */
  authorization?: string;
  /** the client certificate on a TLS connection, if one was presented */
  clientCert?: { verified: true; cn: string } | { verified: false; reason: string };
}

export function credentialsOf(request: IncomingMessage): Credentials {
  const authorization = request.headers.authorization;
  const socket = request.socket;
  if (!(socket instanceof TLSSocket)) return { authorization };
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return { authorization };
  if (!socket.authorized) {
    return { authorization, clientCert: { verified: false, reason: String(socket.authorizationError ?? 'not verified') } };
  }
  const cn = cert.subject?.CN;
  return { authorization, clientCert: { verified: true, cn: Array.isArray(cn) ? cn.join(',') : (cn ?? '') } };
}

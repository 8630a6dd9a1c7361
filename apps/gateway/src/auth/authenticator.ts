import { Logger } from '@nestjs/common';
import { parseClientCertRoles } from './client-cert-roles';
import { Credentials } from './credentials';
import { JwtIdentity, JwtRejected } from './jwt-verifier';
import { Principal, safeName } from './principal';
import { ReloadingFile } from './reloading-file';
import { isRole, Role, ROLES } from './roles';
import { findToken, parseTokenFile, TokenEntry } from './token-file';

/** Why a request is refused: 401 (no or bad credentials) or 403 (known, but not allowed); `field` names what. */
export interface Refusal {
  status: 401 | 403;
  field: string;
  message: string;
  /** credentials were sent and are wrong (RFC 6750's invalid_token), rather than missing */
  invalid?: boolean;
}

export type Authentication = { ok: true; principal: Principal } | ({ ok: false } & Refusal);

export interface JwtVerifier {
  verify(token: string): Promise<JwtIdentity>;
}

export interface AuthenticatorOptions {
  tokensFile?: ReloadingFile<TokenEntry[]>;
  clientCertRoles?: ReloadingFile<Map<string, Role>>;
  /** whether the server asks for client certificates at all (--tls-client-ca) */
  clientCerts: boolean;
  jwt?: JwtVerifier;
  anonymousRole?: Role;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Decides who sent a request, from its credentials: a bearer token (a JWT when JWTs are configured and it looks
 * like one, else an API token), else a verified client certificate, else the anonymous role if one is
 * configured. Credentials that are present but wrong are refused, never passed over for anonymous access.
 */
export class Authenticator {
  private readonly logger = new Logger('Auth');

  constructor(private readonly options: AuthenticatorOptions) {}

  /** Reads the files named by the settings; a file that cannot be read or parsed stops the gateway, naming it. */
  static fromFiles(settings: {
    apiTokensFile?: string;
    clientRolesFile?: string;
    clientCerts: boolean;
    jwt?: JwtVerifier;
    anonymousRole?: Role;
  }): Authenticator {
    const logger = new Logger('Auth');
    const announce = (flag: string) => (loaded: { ok: boolean; reason?: string }) =>
      loaded.ok ? logger.log(`${flag} re-read`) : logger.error(`${loaded.reason}: refusing what it would grant until it is fixed`);
    const open = <T>(flag: string, path: string | undefined, parse: (text: string) => T) => {
      if (!path) return undefined;
      try {
        return new ReloadingFile(path, parse, announce(flag));
      } catch (error) {
        throw new Error(`--${flag} ${path}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    return new Authenticator({
      tokensFile: open('api-tokens-file', settings.apiTokensFile, parseTokenFile),
      clientCertRoles: open('tls-client-roles-file', settings.clientRolesFile, parseClientCertRoles),
      clientCerts: settings.clientCerts,
      jwt: settings.jwt,
      anonymousRole: settings.anonymousRole,
    });
  }

  async authenticate(credentials: Credentials): Promise<Authentication> {
    if (credentials.authorization !== undefined) return this.bearer(credentials.authorization);
    if (credentials.clientCert) return this.certificate(credentials.clientCert);
    if (this.options.anonymousRole)
      return { ok: true, principal: { method: 'anonymous', name: 'anonymous', role: this.options.anonymousRole } };
    return { ok: false, status: 401, field: 'Authorization', message: `credentials required: ${this.accepted()}` };
  }

  private accepted(): string {
    const ways = [
      ...(this.options.tokensFile || this.options.jwt ? ['send Authorization: Bearer <token>'] : []),
      ...(this.options.clientCerts ? ['present a client certificate signed by the configured CA'] : []),
    ];
    return ways.length > 0 ? ways.join(' or ') : 'this gateway accepts no credentials (see its configuration)';
  }

  private async bearer(header: string): Promise<Authentication> {
    const match = BEARER.exec(header);
    if (!match) return refuse(401, 'Authorization', 'Authorization must be "Bearer <token>"');
    const token = match[1];
    if (this.options.jwt && JWT_SHAPE.test(token)) return this.jwt(this.options.jwt, token);
    const file = this.options.tokensFile;
    if (!file) return refuse(401, 'Authorization', 'the bearer token is not a valid JWT, and this gateway has no API tokens');
    const loaded = await file.current();
    if (!loaded.ok)
      return refuse(401, 'Authorization', 'the API tokens file is invalid right now (see the gateway log): no API token is accepted');
    const entry = findToken(loaded.value, token);
    if (!entry) return refuse(401, 'Authorization', 'the bearer token is not known (mistyped, revoked, or never issued)');
    return { ok: true, principal: { method: 'token', name: entry.name, role: entry.role } };
  }

  private async jwt(verifier: JwtVerifier, token: string): Promise<Authentication> {
    let identity: JwtIdentity;
    try {
      identity = await verifier.verify(token);
    } catch (error) {
      if (error instanceof JwtRejected) return refuse(401, 'Authorization', error.message);
      this.logger.error(`JWT verification failed: ${error instanceof Error ? error.message : String(error)}`);
      return refuse(401, 'Authorization', 'the JWT could not be verified');
    }
    const name = safeName(identity.subject);
    const role = highest(identity.roles);
    if (!role) return refuse(403, 'role', `JWT subject ${name} holds no role (${ROLES.join(', ')}) in its role claim`);
    return { ok: true, principal: { method: 'jwt', name, role } };
  }

  private async certificate(cert: NonNullable<Credentials['clientCert']>): Promise<Authentication> {
    if (!cert.verified) return refuse(401, 'client certificate', `the client certificate is not trusted: ${cert.reason}`);
    const name = safeName(cert.cn);
    const mapping = this.options.clientCertRoles;
    if (!mapping) {
      if (isRole(cert.cn)) return { ok: true, principal: { method: 'mtls', name, role: cert.cn } };
      return refuse(
        403,
        'client certificate',
        `client certificate CN=${name} names no role (${ROLES.join(', ')}) and no roles file maps it`,
      );
    }
    const loaded = await mapping.current();
    if (!loaded.ok)
      return refuse(401, 'client certificate', 'the client certificate roles file is invalid right now (see the gateway log)');
    const role = loaded.value.get(cert.cn);
    if (!role) return refuse(403, 'client certificate', `client certificate CN=${name} has no role in the client certificate roles file`);
    return { ok: true, principal: { method: 'mtls', name, role } };
  }
}

/** Credentials that were sent and do not prove enough. */
function refuse(status: 401 | 403, field: string, message: string): Authentication {
  return { ok: false, status, field, message, ...(status === 401 ? { invalid: true } : {}) };
}

/** The highest of the known roles among `names`. */
function highest(names: readonly string[]): Role | undefined {
  return [...ROLES].reverse().find((role) => names.includes(role));
}

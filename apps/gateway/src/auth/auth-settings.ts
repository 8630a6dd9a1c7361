import { IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { ConfigSection, Option } from '@daedalus/common';
import { Role, ROLES } from './roles';

/** Who may call the HTTP API, and how they prove it (see docs/design.md, "Authentication and roles"). */
@ConfigSection({
  title: 'HTTP authentication',
  note: 'every route but /healthz needs credentials unless --anonymous-role is set',
})
export class AuthSettings {
  @Option({
    flag: 'api-tokens-file',
    description: 'API tokens: lines of "<name> <role> sha256:<hex>" (make one with make-token.js); re-read when it changes',
    placeholder: 'file',
  })
  @IsOptional()
  @IsString()
  readonly apiTokensFile?: string;

  @Option({
    flag: 'anonymous-role',
    description: 'role of a request without credentials (none: refused with 401); only where no one else reaches the port',
    placeholder: 'viewer|operator|admin',
    kind: 'string',
  })
  @IsOptional()
  @IsIn(ROLES, { message: `$property must be one of ${ROLES.join(', ')}` })
  readonly anonymousRole?: Role;

  @Option({ flag: 'jwt-issuer', description: 'JWT bearer tokens: the issuer (iss) they must name', placeholder: 'issuer' })
  @IsOptional()
  @IsString()
  readonly jwtIssuer?: string;

  @Option({ flag: 'jwt-audience', description: 'JWT bearer tokens: the audience (aud) they must name', placeholder: 'audience' })
  @IsOptional()
  @IsString()
  readonly jwtAudience?: string;

  @Option({
    flag: 'jwt-jwks',
    description: "JWT bearer tokens: the issuer's public keys, a JWKS file (re-read when it changes) or https:// URL",
    placeholder: 'file|url',
  })
  @IsOptional()
  @IsString()
  readonly jwtJwks?: string;

  @Option({
    flag: 'jwt-role-claim',
    description: 'JWT claim holding the role (a string or a list: the highest known wins)',
    default: 'role',
  })
  @IsString()
  @IsNotEmpty()
  readonly jwtRoleClaim!: string;

  /** The combinations that make no sense, each said once: the flags are all right alone. */
  problems(tls: HttpsSettings): string[] {
    const problems: string[] = [];
    const jwt = [this.jwtIssuer, this.jwtAudience, this.jwtJwks];
    if (jwt.some((v) => v !== undefined) && jwt.some((v) => v === undefined)) {
      problems.push('--jwt-issuer, --jwt-audience and --jwt-jwks go together: set all three or none');
    }
    if (this.jwtJwks && /^http:\/\//i.test(this.jwtJwks) && !isLoopbackUrl(this.jwtJwks)) {
      problems.push('--jwt-jwks must be https:// (plain http only to a loopback address): the keys decide who is admin');
    }
    if (!this.apiTokensFile && !this.jwtJwks && !tls.clientCa && !this.anonymousRole) {
      problems.push(
        'no way to authenticate: set --api-tokens-file, --jwt-jwks or --tls-client-ca, or --anonymous-role where only trusted clients reach the port',
      );
    }
    return problems;
  }
}

function isLoopbackUrl(url: string): boolean {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** HTTPS for the API, and client certificates (mTLS) as credentials. */
@ConfigSection({ title: 'HTTPS', note: 'without --tls-cert the API is plain HTTP' })
export class HttpsSettings {
  @Option({ flag: 'tls-cert', description: "the API's certificate chain (PEM), with --tls-key: serve HTTPS", placeholder: 'file' })
  @IsOptional()
  @IsString()
  readonly cert?: string;

  @Option({ flag: 'tls-key', description: 'private key of --tls-cert (PEM)', placeholder: 'file' })
  @IsOptional()
  @IsString()
  readonly key?: string;

  @Option({
    flag: 'tls-client-ca',
    description: 'CA (PEM) whose client certificates authenticate (mTLS); the role comes from the CN',
    placeholder: 'file',
  })
  @IsOptional()
  @IsString()
  readonly clientCa?: string;

  @Option({
    flag: 'tls-require-client-cert',
    description: 'refuse a TLS connection without a client certificate signed by --tls-client-ca',
    default: false,
  })
  @IsBoolean()
  readonly requireClientCert!: boolean;

  @Option({
    flag: 'tls-client-roles-file',
    description: 'lines of "<CN> <role>" giving client certificates their role (default: a CN that is a role name is that role)',
    placeholder: 'file',
  })
  @IsOptional()
  @IsString()
  readonly clientRolesFile?: string;

  problems(): string[] {
    const problems: string[] = [];
    if (!this.cert !== !this.key) problems.push('--tls-cert and --tls-key go together: set both or neither');
    if (this.clientCa && !this.cert) problems.push('--tls-client-ca needs HTTPS: set --tls-cert and --tls-key');
    if (this.requireClientCert && !this.clientCa) problems.push('--tls-require-client-cert needs --tls-client-ca');
    if (this.clientRolesFile && !this.clientCa) problems.push('--tls-client-roles-file needs --tls-client-ca');
    return problems;
  }
}

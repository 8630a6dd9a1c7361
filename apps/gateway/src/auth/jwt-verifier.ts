import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose' with { 'resolution-mode': 'import' };
import { Logger } from '@nestjs/common';
import { errorMessage } from '@daedalus/common';
import { ReloadingFile } from './reloading-file';

/** Who a verified JWT names, and the role names its role claim holds (unknown ones included: the caller sorts). */
export interface JwtIdentity {
  subject: string;
  roles: string[];
}

/** A JWT that does not prove anything: the reason is safe to answer (it never quotes the token). */
export class JwtRejected extends Error {}

export interface JwtSettings {
  issuer: string;
  audience: string;
  /** a JWKS file path, or an http(s) URL */
  jwks: string;
  roleClaim: string;
}

/** Only asymmetric algorithms: a JWKS publishes public keys, and `none` or a shared secret proves nothing here. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const JWKS_FETCH_TIMEOUT_MS = 5_000;
const CLOCK_TOLERANCE_S = 30;

type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });

/**
 * Verifies bearer JWTs with `jose`: signature by a key of the configured JWKS (a file, re-read when it changes,
 * or a URL, cached and refetched by jose when it meets an unknown key id), issuer, audience, expiry and subject.
 * jose is an ES module: it is loaded on first use.
 */
export class JoseJwtVerifier {
  private jose?: Promise<Jose>;
  private remote?: JWTVerifyGetKey;
  private readonly file?: ReloadingFile<JSONWebKeySet>;
  private localKeys?: { source: JSONWebKeySet; keys: JWTVerifyGetKey };

  /** Reads a JWKS file now: one that cannot be read or parsed stops the gateway, naming it. */
  constructor(private readonly settings: JwtSettings) {
    if (/^https?:\/\//i.test(settings.jwks)) return;
    const logger = new Logger('Auth');
    try {
      this.file = new ReloadingFile(settings.jwks, parseJwks, (loaded) =>
        loaded.ok ? logger.log('--jwt-jwks re-read') : logger.error(`${loaded.reason}: no JWT is accepted until it is fixed`),
      );
    } catch (error) {
      throw new Error(`--jwt-jwks ${settings.jwks}: ${errorMessage(error)}`);
    }
  }

  async verify(token: string): Promise<JwtIdentity> {
    const jose = await (this.jose ??= import('jose'));
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jose.jwtVerify(token, await this.keys(jose), {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      if (error instanceof JwtRejected) throw error;
      throw new JwtRejected(`the JWT was refused: ${errorMessage(error)}`);
    }
    const claim = payload[this.settings.roleClaim];
    const roles = typeof claim === 'string' ? [claim] : Array.isArray(claim) ? claim.filter((r) => typeof r === 'string') : [];
    return { subject: String(payload.sub), roles };
  }

  private async keys(jose: Jose): Promise<JWTVerifyGetKey> {
    if (!this.file) {
      this.remote ??= jose.createRemoteJWKSet(new URL(this.settings.jwks), { timeoutDuration: JWKS_FETCH_TIMEOUT_MS });
      return this.remote;
    }
    const loaded = await this.file.current();
    if (!loaded.ok) throw new JwtRejected(`the JWKS file cannot be used (${loaded.reason}); see the gateway's log`);
    if (this.localKeys?.source !== loaded.value) this.localKeys = { source: loaded.value, keys: jose.createLocalJWKSet(loaded.value) };
    return this.localKeys.keys;
  }
}

function parseJwks(text: string): JSONWebKeySet {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { keys?: unknown }).keys)) {
    throw new Error('a JWKS is a JSON object with a "keys" array');
  }
  return parsed as JSONWebKeySet;
}

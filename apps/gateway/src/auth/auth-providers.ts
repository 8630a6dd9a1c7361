import { Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { AuthSettings, HttpsSettings } from './auth-settings';
import { Authenticator } from './authenticator';
import { JoseJwtVerifier } from './jwt-verifier';
import { RefusalLog } from './refusals';

/**
 * The gateway's authentication: the Authenticator built from the settings (its middleware is installed by
 * configureHttp, before the body parser), and the guard that checks roles on every route.
 */
export function authProviders(auth: AuthSettings, https: HttpsSettings): Provider[] {
  return [
    { provide: Authenticator, useFactory: () => authenticatorFor(auth, https) },
    { provide: RefusalLog, useValue: new RefusalLog() },
    AuthGuard,
    { provide: APP_GUARD, useExisting: AuthGuard },
  ];
}

export function authenticatorFor(auth: AuthSettings, https: HttpsSettings): Authenticator {
  const jwt =
    auth.jwtIssuer && auth.jwtAudience && auth.jwtJwks
      ? new JoseJwtVerifier({ issuer: auth.jwtIssuer, audience: auth.jwtAudience, jwks: auth.jwtJwks, roleClaim: auth.jwtRoleClaim })
      : undefined;
  return Authenticator.fromFiles({
    apiTokensFile: auth.apiTokensFile,
    clientRolesFile: https.clientRolesFile,
    clientCerts: https.clientCa !== undefined,
    jwt,
    anonymousRole: auth.anonymousRole,
  });
}

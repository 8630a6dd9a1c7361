import { ExecutionContext, HttpException, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OperationStore } from '@daedalus/messaging';
import { OperationRecord } from '@daedalus/contracts';
import { Access, ACCESS_KEY } from './access';
import { AuthGuard } from './auth.guard';
import { authenticateRequests } from './authenticate.middleware';
import { Authenticator, AuthenticatorOptions } from './authenticator';
import { Credentials } from './credentials';
import { JwtRejected } from './jwt-verifier';
import { AuthenticatedRequest } from './principal';
import { RefusalLog } from './refusals';
import { ReloadingFile } from './reloading-file';
import { newToken, parseTokenFile } from './token-file';
import { parseClientCertRoles } from './client-cert-roles';

const OP_ID = '0b7c2a4e-9d1f-4c3b-8a2e-5f6d7c8b9a01';

beforeAll(() => Logger.overrideLogger(false));

describe('Authenticator', () => {
  let dir: string;
  const viewer = newToken('dashboard', 'viewer');
  const operator = newToken('ci-bot', 'operator');
  let options: AuthenticatorOptions;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'auth-'));
    writeFileSync(join(dir, 'tokens'), `${viewer.line}\n${operator.line}\n`);
    writeFileSync(join(dir, 'cns'), 'backup host 1 operator\nauditor viewer\n');
    options = { tokensFile: new ReloadingFile(join(dir, 'tokens'), parseTokenFile), clientCerts: true };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const authenticate = (credentials: Credentials, more: Partial<AuthenticatorOptions> = {}) =>
    new Authenticator({ ...options, ...more }).authenticate(credentials);

  it('knows a token by its hash, whatever the case of "Bearer"', async () => {
    await expect(authenticate({ authorization: `Bearer ${operator.token}` })).resolves.toEqual({
      ok: true,
      principal: { method: 'token', name: 'ci-bot', role: 'operator' },
    });
    await expect(authenticate({ authorization: `bearer ${viewer.token}` })).resolves.toMatchObject({ principal: { role: 'viewer' } });
  });

  it('refuses missing, malformed and unknown credentials with 401 naming what is missing', async () => {
    await expect(authenticate({})).resolves.toEqual({
      ok: false,
      status: 401,
      field: 'Authorization',
      message: 'credentials required: send Authorization: Bearer <token> or present a client certificate signed by the configured CA',
    });
    await expect(authenticate({ authorization: `Basic abc` })).resolves.toMatchObject({
      status: 401,
      message: 'Authorization must be "Bearer <token>"',
    });
    await expect(authenticate({ authorization: `Bearer ${operator.token}x` })).resolves.toMatchObject({
      status: 401,
      message: expect.stringContaining('not known'),
    });
  });

  it('grants the anonymous role only when configured, and never to wrong credentials', async () => {
    await expect(authenticate({}, { anonymousRole: 'operator' })).resolves.toEqual({
      ok: true,
      principal: { method: 'anonymous', name: 'anonymous', role: 'operator' },
    });
    await expect(authenticate({ authorization: 'Bearer wrong-token-123' }, { anonymousRole: 'admin' })).resolves.toMatchObject({
      status: 401,
    });
    await expect(
      authenticate({ clientCert: { verified: false, reason: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' } }, { anonymousRole: 'admin' }),
    ).resolves.toMatchObject({
      status: 401,
      field: 'client certificate',
    });
  });

  it('gives a verified client certificate the role its CN names, or the one the roles file maps it to', async () => {
    await expect(authenticate({ clientCert: { verified: true, cn: 'admin' } })).resolves.toMatchObject({
      principal: { method: 'mtls', name: 'admin', role: 'admin' },
    });
    await expect(authenticate({ clientCert: { verified: true, cn: 'backup host 1' } })).resolves.toMatchObject({ status: 403 });
    const clientCertRoles = new ReloadingFile(join(dir, 'cns'), parseClientCertRoles);
    await expect(authenticate({ clientCert: { verified: true, cn: 'backup host 1' } }, { clientCertRoles })).resolves.toMatchObject({
      principal: { method: 'mtls', name: 'backup host 1', role: 'operator' },
    });
    await expect(authenticate({ clientCert: { verified: true, cn: 'admin' } }, { clientCertRoles })).resolves.toMatchObject({
      status: 403,
      message: 'client certificate CN=admin has no role in the client certificate roles file',
    });
  });

  it('verifies a JWT-shaped bearer with the JWT verifier, taking the highest known role', async () => {
    const jwt = {
      verify: jest.fn(async (token: string) => {
        if (token === 'a.b.c') return { subject: 'alice', roles: ['reader', 'operator', 'viewer'] };
        if (token === 'd.e.f') return { subject: 'bob\nforged', roles: ['superuser'] };
        throw new JwtRejected('the JWT was refused: unexpected "iss" claim value');
      }),
    };
    await expect(authenticate({ authorization: 'Bearer a.b.c' }, { jwt })).resolves.toMatchObject({
      principal: { method: 'jwt', name: 'alice', role: 'operator' },
    });
    await expect(authenticate({ authorization: 'Bearer d.e.f' }, { jwt })).resolves.toMatchObject({
      status: 403,
      message: expect.stringContaining('bob?forged holds no role'),
    });
    await expect(authenticate({ authorization: 'Bearer x.y.z' }, { jwt })).resolves.toMatchObject({
      status: 401,
      message: 'the JWT was refused: unexpected "iss" claim value',
    });
    // an API token is not sent to the JWT verifier
    await expect(authenticate({ authorization: `Bearer ${operator.token}` }, { jwt })).resolves.toMatchObject({
      principal: { name: 'ci-bot' },
    });
    expect(jwt.verify).toHaveBeenCalledTimes(3);
  });
});

describe('authenticateRequests, then AuthGuard', () => {
  let dir: string;
  const tokens = { viewer: newToken('dash', 'viewer'), operator: newToken('ci-bot', 'operator'), admin: newToken('root', 'admin') };
  let records: Map<string, Partial<OperationRecord>>;
  let guard: AuthGuard;
  let middleware: ReturnType<typeof authenticateRequests>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'guard-'));
    writeFileSync(
      join(dir, 'tokens'),
      Object.values(tokens)
        .map((t) => t.line)
        .join('\n'),
    );
    records = new Map();
    const store = { get: async (id: string) => records.get(id) } as unknown as OperationStore;
    const authenticator = new Authenticator({ tokensFile: new ReloadingFile(join(dir, 'tokens'), parseTokenFile), clientCerts: false });
    middleware = authenticateRequests(authenticator, new RefusalLog());
    guard = new AuthGuard(new Reflector(), store, new RefusalLog());
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  class Handlers {
    read() {}
    submit() {}
    cancel() {}
    health() {}
  }
  Reflect.defineMetadata(ACCESS_KEY, 'submit' satisfies Access, Handlers.prototype.submit);
  Reflect.defineMetadata(ACCESS_KEY, 'cancel' satisfies Access, Handlers.prototype.cancel);
  Reflect.defineMetadata(ACCESS_KEY, 'public' satisfies Access, Handlers.prototype.health);

  type Decision =
    | { allowed: true; principal?: AuthenticatedRequest['principal']; headers: Record<string, string> }
    | { allowed: false; status: number; body: unknown; headers: Record<string, string>; by: 'middleware' | 'guard' };

  /** Runs the middleware and, if it lets the request on, the guard: who refused it and how, or the principal let through. */
  async function decide(
    handler: keyof Handlers,
    method: string,
    token?: keyof typeof tokens,
    extra: Partial<AuthenticatedRequest> = {},
  ): Promise<Decision> {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${tokens[token].token}` } : {};
    const path = handler === 'health' ? '/healthz' : '/operations';
    const request = { method, path, headers, socket: {}, params: {}, ...extra } as unknown as AuthenticatedRequest;
    const set: Record<string, string> = {};
    let answered: { status: number; body?: unknown } | undefined;
    // the middleware either calls next() or answers the request itself
    const passed = await new Promise<boolean>((resolve, reject) => {
      const response = {
        on: () => undefined,
        setHeader: (name: string, value: string) => (set[name] = value),
        status: (status: number) => ({
          json: (body: unknown) => {
            answered = { status, body };
            resolve(false);
          },
        }),
      };
      middleware(request, response as never, (error?: unknown) => (error ? reject(error as Error) : resolve(true)));
    });
    const response = { setHeader: (name: string, value: string) => (set[name] = value) };
    if (!passed) return { allowed: false, by: 'middleware', status: answered?.status ?? 0, body: answered?.body, headers: set };
    const context = {
      getHandler: () => Handlers.prototype[handler],
      getClass: () => Handlers,
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
    } as unknown as ExecutionContext;
    try {
      await guard.canActivate(context);
      return { allowed: true, principal: request.principal, headers: set };
    } catch (error) {
      if (!(error instanceof HttpException)) throw error;
      return { allowed: false, by: 'guard', status: error.getStatus(), body: error.getResponse(), headers: set };
    }
  }

  it('lets health through without credentials and refuses the rest with 401 and a challenge, before the body is read', async () => {
    expect(await decide('health', 'GET')).toMatchObject({ allowed: true, principal: undefined });
    const refused = await decide('read', 'GET');
    expect(refused).toMatchObject({
      allowed: false,
      by: 'middleware',
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer realm="daedalus"' },
    });
    expect(refused).toMatchObject({
      body: { statusCode: 401, errors: [{ field: 'Authorization', message: expect.stringContaining('credentials required') }] },
    });
    expect(await decide('submit', 'POST', undefined, { headers: { authorization: 'Bearer nope-not-a-token' } })).toMatchObject({
      by: 'middleware',
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer realm="daedalus", error="invalid_token"' },
    });
  });

  it('refuses to run a route the middleware skipped without a principal', async () => {
    const request = { method: 'GET', path: '/operations', headers: {}, params: {} };
    const context = {
      getHandler: () => Handlers.prototype.read,
      getClass: () => Handlers,
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({ setHeader: () => undefined }) }),
    } as unknown as ExecutionContext;
    await expect(guard.canActivate(context)).rejects.toThrow(HttpException);
  });

  it('lets a viewer read (GET and HEAD) but not submit, naming the role needed', async () => {
    expect(await decide('read', 'GET', 'viewer')).toMatchObject({ allowed: true, principal: { name: 'dash', role: 'viewer' } });
    expect(await decide('read', 'HEAD', 'viewer')).toMatchObject({ allowed: true });
    const refused = await decide('submit', 'POST', 'viewer', { body: { type: 'backup' } });
    expect(refused).toMatchObject({
      allowed: false,
      by: 'guard',
      status: 403,
      body: { errors: [{ field: 'role', message: 'submitting a backup operation needs the operator role; token:dash has viewer' }] },
    });
  });

  it('lets an operator back up but not restore; an admin restores', async () => {
    expect(await decide('submit', 'POST', 'operator', { body: { type: 'backup' } })).toMatchObject({ allowed: true });
    expect(await decide('submit', 'POST', 'operator', { body: { type: 'Restore' } })).toMatchObject({ allowed: false, status: 403 });
    expect(await decide('submit', 'POST', 'admin', { body: { type: 'restore' } })).toMatchObject({ allowed: true });
  });

  it('refuses an unmarked write to anyone but an admin', async () => {
    expect(await decide('read', 'POST', 'operator')).toMatchObject({ allowed: false, status: 403 });
    expect(await decide('read', 'POST', 'admin')).toMatchObject({ allowed: true });
  });

  it('lets an operator cancel what it submitted, and only an admin what others did', async () => {
    records.set(OP_ID, { id: OP_ID, submittedBy: 'token:ci-bot' });
    const other = '1b7c2a4e-9d1f-4c3b-8a2e-5f6d7c8b9a01';
    records.set(other, { id: other, submittedBy: 'token:root' });
    expect(await decide('cancel', 'DELETE', 'operator', { params: { id: OP_ID.toUpperCase() } })).toMatchObject({ allowed: true });
    expect(await decide('cancel', 'DELETE', 'operator', { params: { id: other } })).toMatchObject({
      allowed: false,
      status: 403,
      body: { message: 'cancelling an operation submitted by token:root needs the admin role; token:ci-bot has operator' },
    });
    expect(await decide('cancel', 'DELETE', 'admin', { params: { id: OP_ID } })).toMatchObject({ allowed: true });
    expect(await decide('cancel', 'DELETE', 'viewer', { params: { id: OP_ID } })).toMatchObject({ allowed: false, status: 403 });
    // an unknown id goes on to its 404
    expect(await decide('cancel', 'DELETE', 'operator', { params: { id: 'nope' } })).toMatchObject({ allowed: true });
  });
});

/**
 * The gateway's HTTP API as an attacker and as its users meet it: one simulated node, the gateway over HTTPS
 * with a private CA (openssl), API tokens in a file edited while it runs, client certificates (mTLS) mapped to
 * roles, and JWTs signed by a key whose JWKS this test serves itself. Each role can do what the table says and
 * no more; every refusal is a 401 or 403 naming what is missing; the record keeps who submitted it.
 */
import { spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { newToken } from '../../apps/gateway/src/auth/token-file';
import { TestCertificates } from '../support/certificates';
import { makeTempDir, removeDir, sleep } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';

const ISSUER = 'https://idp.test.invalid';
const AUDIENCE = 'daedalus-gateway';

/** A CA, the gateway's certificate for 127.0.0.1, a client certificate it signed, and one from a CA nobody trusts. */
function makeCertificates(dir: string) {
  const certificates = new TestCertificates(dir);
  const ca = certificates.ca('test-ca');
  certificates.ca('stranger-ca');
  const server = certificates.server('server', 'test-ca');
  return {
    ca,
    serverCert: server.certFile,
    serverKey: server.keyFile,
    backupHost: certificates.client('client', 'backup-host', 'test-ca'),
    stranger: certificates.client('stranger', 'backup-host', 'stranger-ca'),
  };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

interface Caller {
  token?: string;
  cert?: { cert: Buffer; key: Buffer };
}

/** An RS256 JWT, signed here with node:crypto (what an identity provider would issue). */
function signJwt(key: KeyObject, claims: Record<string, unknown>, kid = 'test-key'): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'RS256', typ: 'JWT', kid })}.${part(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

function errorsOf(reply: Reply): Array<{ field: string; message: string }> {
  return (reply.body as { errors?: Array<{ field: string; message: string }> }).errors ?? [];
}

describe('HTTP authentication and roles (HTTPS, tokens, mTLS, JWT)', () => {
  let dir: string;
  let system: DaedalusSystem;
  let certs: ReturnType<typeof makeCertificates>;
  let jwks: Server;
  let jwtKey: KeyObject;
  let tokensFile: string;
  let location: string;
  const tokens = {
    viewer: newToken('dashboard', 'viewer'),
    operator: newToken('ci-bot', 'operator'),
    admin: newToken('root', 'admin'),
  };

  beforeAll(async () => {
    dir = makeTempDir('http-auth');
    location = `file://${dir}/store/bucket`;
    certs = makeCertificates(dir);
    tokensFile = join(dir, 'api-tokens');
    writeFileSync(
      tokensFile,
      Object.values(tokens)
        .map((t) => t.line)
        .join('\n') + '\n',
    );
    writeFileSync(join(dir, 'client-roles'), '# CN role\nbackup-host operator\n');

    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    jwtKey = createPrivateKey(pair.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const keySet = { keys: [{ ...pair.publicKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' }] };
    jwks = createServer((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(keySet)));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));

    system = await DaedalusSystem.start({
      nodes: 1,
      coordinators: 1,
      gatewayAuth: { anonymousRole: false },
      gatewayArgs: [
        '--api-tokens-file',
        tokensFile,
        '--tls-cert',
        certs.serverCert,
        '--tls-key',
        certs.serverKey,
        '--tls-client-ca',
        certs.ca,
        '--tls-client-roles-file',
        join(dir, 'client-roles'),
        '--jwt-issuer',
        ISSUER,
        '--jwt-audience',
        AUDIENCE,
        '--jwt-jwks',
        `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
      ],
    });
    await system.createTables('ks1', ['t1'], 20);
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    await new Promise((resolve) => jwks?.close(resolve));
    if (dir) removeDir(dir);
  }, 60_000);

  /** One HTTPS request on a fresh connection, trusting only the test CA. */
  function call(method: string, path: string, caller: Caller = {}, body?: unknown): Promise<Reply> {
    const url = new URL(path, system.gatewayUrl);
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          method,
          agent: false,
          ca: readFileSync(certs.ca),
          ...(caller.cert ?? {}),
          headers: {
            ...(caller.token ? { authorization: `Bearer ${caller.token}` } : {}),
            ...(payload ? { 'content-type': 'application/json' } : {}),
          },
          timeout: 15_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // not JSON: keep the text
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  const as = (role: keyof typeof tokens): Caller => ({ token: tokens[role].token });
  const flush = { type: 'flush', keyspace: 'ks1', globalRequest: true };

  async function waitDone(id: string, caller: Caller): Promise<OperationView> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const reply = await call('GET', `/operations/${id}`, caller);
      const op = reply.body as OperationView;
      if (reply.status === 200 && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(op.state)) return op;
      await sleep(200);
    }
    throw new Error(`operation ${id} did not end within 60 s`);
  }

  it('serves HTTPS only, with /healthz open to all', async () => {
    expect(system.gatewayUrl).toMatch(/^https:\/\//);
    expect((await call('GET', '/healthz')).status).toBe(200);
  });

  it('refuses a request without credentials with 401, a challenge and the missing header named', async () => {
    for (const [method, path] of [
      ['GET', '/operations'],
      ['GET', '/topology'],
      ['POST', '/operations'],
      ['GET', '/api-docs'],
      ['GET', '/openapi.json'],
    ]) {
      const reply = await call(method, path, {}, method === 'POST' ? flush : undefined);
      expect({ path, status: reply.status }).toEqual({ path, status: 401 });
      expect(reply.headers['www-authenticate']).toBe('Bearer realm="daedalus"');
      expect(errorsOf(reply)).toEqual([{ field: 'Authorization', message: expect.stringContaining('credentials required') }]);
    }
    // who sent it is asked first: an anonymous client gets neither its body parsed nor a map of the paths
    expect((await call('POST', '/operations', {}, '{"type": broken json')).status).toBe(401);
    expect((await call('GET', '/no-such-path')).status).toBe(401);
    const wrong = await call('GET', '/operations', { token: 'dae_not-a-token-anyone-was-given' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="daedalus", error="invalid_token"');
  });

  it('lets a viewer read everything and submit nothing (403 naming the role needed)', async () => {
    expect((await call('GET', '/operations', as('viewer'))).status).toBe(200);
    expect((await call('GET', '/topology', as('viewer'))).status).toBe(200);
    expect((await call('GET', '/openapi.json', as('viewer'))).status).toBe(200);
    const refused = await call('POST', '/operations', as('viewer'), { type: 'backup', globalRequest: true, storageLocation: location });
    expect(refused.status).toBe(403);
    expect(errorsOf(refused)).toEqual([
      { field: 'role', message: 'submitting a backup operation needs the operator role; token:dashboard has viewer' },
    ]);
  });

  let backupId = '';

  it('lets an operator back up; the record and GET /operations say who submitted it', async () => {
    const created = await call('POST', '/operations', as('operator'), {
      type: 'backup',
      globalRequest: true,
      storageLocation: location,
      snapshotTag: 'auth',
      createMissingBucket: true,
    });
    expect(created.status).toBe(201);
    const view = created.body as OperationView & { submittedBy?: string };
    expect(view.submittedBy).toBe('token:ci-bot');
    backupId = view.id;
    const done = await waitDone(backupId, as('viewer'));
    expect(done.errors).toEqual([]);
    expect(done.state).toBe('COMPLETED');
    expect((done as OperationView & { submittedBy?: string }).submittedBy).toBe('token:ci-bot');
    const listed = (await call('GET', '/operations?type=backup', as('viewer'))).body as Array<{ id: string; submittedBy?: string }>;
    expect(listed.find((op) => op.id === backupId)?.submittedBy).toBe('token:ci-bot');
  });

  it('keeps restore for admins: an operator gets 403, an admin gets past the guard', async () => {
    const restore = { type: 'restore', globalRequest: true, storageLocation: location, snapshotTag: 'auth', entities: 'ks1.t1' };
    const refused = await call('POST', '/operations', as('operator'), restore);
    expect(refused.status).toBe(403);
    expect(errorsOf(refused)[0].message).toBe('submitting a restore operation needs the admin role; token:ci-bot has operator');
    const accepted = await call('POST', '/operations', as('admin'), restore);
    // the guard let it through: whatever the restore makes of it, it is not an authentication answer
    expect([401, 403]).not.toContain(accepted.status);
    if (accepted.status === 201) expect((accepted.body as { submittedBy?: string }).submittedBy).toBe('token:root');
  });

  it('lets an operator cancel its own operation but only an admin cancel another’s', async () => {
    const own = await call('DELETE', `/operations/${backupId}`, as('operator'));
    expect(own.status).toBe(202);
    const admins = await call('POST', '/operations', as('admin'), flush);
    expect(admins.status).toBe(201);
    const id = (admins.body as OperationView).id;
    const refused = await call('DELETE', `/operations/${id}`, as('operator'));
    expect(refused.status).toBe(403);
    expect(errorsOf(refused)[0].message).toBe(
      'cancelling an operation submitted by token:root needs the admin role; token:ci-bot has operator',
    );
    expect((await call('DELETE', `/operations/${id}`, as('admin'))).status).toBe(202);
    expect((await call('POST', `/operations/${id}/resume`, as('operator'))).status).toBe(403);
    expect((await call('DELETE', '/nodes/some-host', as('operator'))).status).toBe(403);
  });

  it('takes a token added to the file without a restart, and refuses one removed from it', async () => {
    // made the documented way: the line (hash only) on stdout, the token once on stderr
    const made = spawnSync(process.execPath, [join(__dirname, '../../dist/apps/gateway/src/make-token.js'), 'newcomer', 'operator'], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(made.status).toBe(0);
    const newcomer = { line: made.stdout.trim(), token: made.stderr.trim().split('\n').at(-1) ?? '' };
    expect(newcomer.line).toMatch(/^newcomer operator sha256:[0-9a-f]{64}$/);
    expect(newcomer.token).toMatch(/^dae_/);
    expect(made.stdout).not.toContain(newcomer.token);
    expect((await call('GET', '/operations', { token: newcomer.token })).status).toBe(401);
    const lines = [tokens.viewer.line, tokens.admin.line, newcomer.line]; // ci-bot revoked
    writeFileSync(tokensFile, lines.join('\n') + '\n');
    const started = Date.now();
    let status = 0;
    while (Date.now() - started < 10_000 && status !== 200) {
      status = (await call('GET', '/operations', { token: newcomer.token })).status;
      if (status !== 200) await sleep(200);
    }
    expect(status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000); // re-read within the 1 s check interval, plus slack
    const revoked = await call('GET', '/operations', as('operator'));
    expect(revoked.status).toBe(401);
    expect(errorsOf(revoked)[0]).toEqual({ field: 'Authorization', message: expect.stringContaining('not known') });
  });

  it('authenticates a client certificate signed by the configured CA, with the role its CN maps to', async () => {
    const caller = { cert: certs.backupHost };
    expect((await call('GET', '/operations', caller)).status).toBe(200);
    const created = await call('POST', '/operations', caller, flush);
    expect(created.status).toBe(201);
    expect((created.body as { submittedBy?: string }).submittedBy).toBe('mtls:backup-host');
    expect((await call('POST', '/operations', caller, { ...flush, type: 'truncate' })).status).toBe(403);

    const stranger = await call('GET', '/operations', { cert: certs.stranger });
    expect(stranger.status).toBe(401);
    expect(errorsOf(stranger)[0]).toEqual({ field: 'client certificate', message: expect.stringContaining('not trusted') });
  });

  it('authenticates a JWT signed by a key of the JWKS, and refuses a wrong issuer, audience, expiry or key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'alice', iat: now, exp: now + 300, role: 'operator' };
    const good = signJwt(jwtKey, claims);
    expect((await call('GET', '/operations', { token: good })).status).toBe(200);
    const created = await call('POST', '/operations', { token: good }, flush);
    expect(created.status).toBe(201);
    expect((created.body as { submittedBy?: string }).submittedBy).toBe('jwt:alice');
    expect((await call('POST', '/operations', { token: good }, { ...flush, type: 'drain' })).status).toBe(403);

    const otherKey = createPrivateKey(
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }),
    );
    for (const [what, token] of [
      ['issuer', signJwt(jwtKey, { ...claims, iss: 'https://evil.test.invalid' })],
      ['audience', signJwt(jwtKey, { ...claims, aud: 'someone-else' })],
      ['expiry', signJwt(jwtKey, { ...claims, exp: now - 600 })],
      ['key', signJwt(otherKey, claims)],
    ]) {
      const reply = await call('GET', '/operations', { token });
      expect({ what, status: reply.status }).toEqual({ what, status: 401 });
      expect(errorsOf(reply)[0]).toEqual({ field: 'Authorization', message: expect.stringMatching(/^the JWT was refused: /) });
    }
  });

  it('logs every accepted request with who sent it, and never a token', async () => {
    const logs = readdirSync(join(system.baseDir, 'logs'))
      .map((name) => readFileSync(join(system.baseDir, 'logs', name), 'utf8'))
      .join('\n');
    expect(logs).toMatch(/POST \/operations 201 by token:ci-bot \(operator\)/);
    expect(logs).toMatch(/GET \/operations 200 by mtls:backup-host \(operator\)/);
    expect(logs).toMatch(/POST \/operations 201 by jwt:alice \(operator\)/);
    expect(logs).toMatch(/GET \/openapi\.json 200 by token:dashboard \(viewer\)/);
    expect(logs).toMatch(/refused POST \/operations from .*: 403 submitting a restore operation needs the admin role/);
    for (const { token } of Object.values(tokens)) expect(logs).not.toContain(token);
  });
});

import { ConfigError, ConfigReader } from '@daedalus/common';
import { GatewayConfig } from './gateway-config';

/** Some way to authenticate, without which the gateway refuses to start (tests of that pass their own). */
const WITH_TOKENS = { DAEDALUS_API_TOKENS_FILE: '/etc/daedalus/api-tokens' };
const load = (argv: string[], env: NodeJS.ProcessEnv = WITH_TOKENS) => new GatewayConfig(new ConfigReader(argv, env));
const problemsOf = (argv: string[], env: NodeJS.ProcessEnv = WITH_TOKENS): readonly string[] => {
  try {
    load(argv, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('GatewayConfig', () => {
  it('has the defaults it always had', () => {
    expect(load([])).toMatchObject({
      host: '127.0.0.1',
      port: 4567,
      maxBodyBytes: 262_144,
      nodeTimeoutMs: 30_000,
      nodeQueryTimeoutMs: 3_000,
    });
    expect(load([]).localNode).toBeUndefined();
    expect(load([]).nats.name).toBe('daedalus-gateway');
  });

  it('takes the flags the test harness and docker-compose give it', () => {
    const config = load([
      '--http-host',
      '0.0.0.0',
      '--http-port',
      '4568',
      '--node-timeout-ms',
      '10000',
      '--local-node',
      '127.0.0.1',
      '--node-query-timeout-ms',
      '5000',
    ]);
    expect(config).toMatchObject({ host: '0.0.0.0', port: 4568, nodeTimeoutMs: 10_000, localNode: '127.0.0.1', nodeQueryTimeoutMs: 5_000 });
  });

  it.each([['0'], ['65536'], ['http']])('refuses the port %s, naming the flag and its variable', (port) => {
    expect(problemsOf(['--http-port', port])).toEqual([
      expect.stringMatching(/^--http-port \(DAEDALUS_HTTP_PORT\) must be a (port number from 1 to 65535|whole number)/),
    ]);
  });

  it('refuses a NATS server list it cannot use, and TLS certificate without its key', () => {
    expect(problemsOf([], { ...WITH_TOKENS, NATS_SERVERS: 'nats://a:4222,http://b' })).toEqual([
      expect.stringMatching(/^--nats-servers \(NATS_SERVERS or NATS_URL\) must be comma-separated server URLs/),
    ]);
    expect(problemsOf([], { ...WITH_TOKENS, NATS_TLS_CERT: '/c.pem' })).toEqual([
      expect.stringMatching(/^--nats-tls-key \(NATS_TLS_KEY\) and NATS_TLS_CERT go together/),
    ]);
    expect(load([], { ...WITH_TOKENS, NATS_SERVERS: 'host:4222,tls://h2:4443' }).nats.servers).toEqual(['host:4222', 'tls://h2:4443']);
  });

  it('builds the NATS connection from the environment, and never prints its secrets', () => {
    const env = { ...WITH_TOKENS, NATS_USER: 'u', NATS_PASSWORD: 'pw-secret', NATS_TLS_CA: '/ca.pem', NATS_TOKEN: 'tok-secret' };
    expect(load([], env).nats).toMatchObject({ user: 'u', pass: 'pw-secret', token: 'tok-secret', tls: { caFile: '/ca.pem' } });
    const problems = problemsOf(['--nats-pasword', 'pw-secret', '--local-node', 'a', 'tok-secret'], env);
    expect(problems.join('\n')).not.toMatch(/secret/);
    expect(problems[0]).toBe('unknown flag --nats-pasword: NATS_PASSWORD has no flag, it is read only from the environment');
  });

  describe('authentication and HTTPS', () => {
    it('reads the auth and TLS flags', () => {
      const config = load(
        [
          '--anonymous-role',
          'viewer',
          '--tls-cert',
          '/c.pem',
          '--tls-key',
          '/k.pem',
          '--tls-client-ca',
          '/ca.pem',
          '--tls-require-client-cert',
          '--jwt-issuer',
          'https://idp',
          '--jwt-audience',
          'daedalus',
          '--jwt-jwks',
          'https://idp/jwks.json',
        ],
        {},
      );
      expect(config.auth).toMatchObject({ anonymousRole: 'viewer', jwtIssuer: 'https://idp', jwtRoleClaim: 'role' });
      expect(config.https).toMatchObject({ cert: '/c.pem', key: '/k.pem', clientCa: '/ca.pem', requireClientCert: true });
      expect(load([]).https.requireClientCert).toBe(false);
    });

    it('refuses to start with no way to authenticate', () => {
      expect(problemsOf([], {})).toEqual([
        expect.stringMatching(/^no way to authenticate: set --api-tokens-file, --jwt-jwks or --tls-client-ca/),
      ]);
      expect(problemsOf(['--anonymous-role', 'admin'], {})).toEqual([]);
    });

    it.each([
      [['--anonymous-role', 'root'], /^--anonymous-role \(DAEDALUS_ANONYMOUS_ROLE\) must be one of viewer, operator, admin/],
      [['--tls-cert', '/c.pem'], /^--tls-cert and --tls-key go together/],
      [['--tls-client-ca', '/ca.pem'], /^--tls-client-ca needs HTTPS/],
      [['--tls-require-client-cert'], /^--tls-require-client-cert needs --tls-client-ca/],
      [['--tls-client-roles-file', '/roles'], /^--tls-client-roles-file needs --tls-client-ca/],
      [['--jwt-issuer', 'https://idp'], /^--jwt-issuer, --jwt-audience and --jwt-jwks go together/],
      [['--jwt-issuer', 'i', '--jwt-audience', 'a', '--jwt-jwks', 'http://idp.example/jwks'], /^--jwt-jwks must be https:\/\//],
    ])('refuses %j, saying why', (argv, problem) => {
      expect(problemsOf(argv)).toEqual([expect.stringMatching(problem)]);
    });

    it('accepts a JWKS over plain http only from a loopback address', () => {
      expect(problemsOf(['--jwt-issuer', 'i', '--jwt-audience', 'a', '--jwt-jwks', 'http://127.0.0.1:8080/jwks'])).toEqual([]);
    });
  });
});

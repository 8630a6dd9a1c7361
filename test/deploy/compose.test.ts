/**
 * docker-compose.yml as docker-compose itself reads it (`docker-compose config`, Debian's package, installed by
 * scripts/ensure-system-deps.sh): valid, and the deployment the README promises — NATS with JetStream, two
 * coordinators, three Cassandra nodes each with its sidecar, MinIO with a bucket, the secrets, and no port
 * published beyond loopback.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/system';

interface ComposeService {
  image?: string;
  command?: string[] | string;
  network_mode?: string;
  ports?: Array<string | { host_ip?: string; published?: string | number; target?: number }>;
  secrets?: Array<string | { source: string }>;
  environment?: Record<string, string | null>;
  volumes?: Array<string | { source?: string; target: string }>;
  depends_on?: string[] | Record<string, { condition: string }>;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets: Record<string, { file: string }>;
}

const composeAvailable = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
if (!composeAvailable) {
  // only when scripts/ensure-system-deps.sh could not install Debian's docker-compose package
  console.warn('SKIPPED docker-compose.yml validation: docker-compose is not installed and could not be (apt-get install docker-compose)');
}
const describeCompose = composeAvailable ? describe : describe.skip;

describeCompose('docker-compose.yml', () => {
  let compose: ComposeFile;

  beforeAll(() => {
    // `config` validates against compose's schema and prints the file resolved (anchors, merges, defaults)
    const out = execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    compose = parse(out) as ComposeFile;
  });

  const services = () => Object.entries(compose.services);
  const secretNames = (s: ComposeService) => (s.secrets ?? []).map((x) => (typeof x === 'string' ? x : x.source));
  const args = (s: ComposeService) => (Array.isArray(s.command) ? s.command : (s.command ?? '').split(' '));

  it('runs NATS with JetStream', () => {
    expect(args(compose.services.nats)).toContain('-js');
  });

  it("serves the coordinators' and the agents' /metrics inside the network only (no published port)", () => {
    const withMetrics = services().filter(([, s]) => s.environment?.DAEDALUS_METRICS_PORT !== undefined);
    expect(withMetrics.map(([name]) => name).sort()).toEqual(['coordinator-1', 'coordinator-2', 'sidecar-1', 'sidecar-2', 'sidecar-3']);
    for (const [, s] of withMetrics) expect(s.environment?.DAEDALUS_METRICS_ADDRESS).toBe('0.0.0.0');
  });

  it('runs two coordinators, as two services, with the signing key', () => {
    const coordinators = services().filter(([, s]) => args(s)[0] === 'coordinator');
    expect(coordinators.map(([name]) => name).sort()).toEqual(['coordinator-1', 'coordinator-2']);
    for (const [, s] of coordinators) expect(secretNames(s)).toContain('signing-key');
  });

  it("runs three Cassandra nodes, each with a sidecar in the node's network namespace on its data", () => {
    for (const n of [1, 2, 3]) {
      const node = compose.services[`cassandra-${n}`];
      const sidecar = compose.services[`sidecar-${n}`];
      expect(node.image).toMatch(/^cassandra:/);
      expect(args(sidecar)[0]).toBe('sidecar');
      expect(sidecar.network_mode).toBe(`service:cassandra-${n}`);
      expect(args(sidecar)).toEqual(expect.arrayContaining(['--jmx-service', '127.0.0.1:7199', '--gateway', '--api-tokens-file']));
      const mounts = (sidecar.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`));
      expect(mounts.some((m) => m.startsWith(`cassandra-${n}-data:/var/lib/cassandra`))).toBe(true);
      expect(secretNames(sidecar).sort()).toEqual(['api-tokens', 'request-secrets-key', 's3-credentials', 'signing-key']);
      expect(sidecar.environment?.AWS_ENDPOINT_URL_S3).toBe('http://minio:9000');
    }
  });

  it('gives backups a bucket in MinIO', () => {
    expect(compose.services.minio.image).toMatch(/^minio\/minio/);
    expect(args(compose.services['minio-bucket']).join(' ')).toMatch(/mc mb --ignore-existing store\/daedalus/);
  });

  it('keeps every secret in a file of its own, none in the environment', () => {
    expect(Object.keys(compose.secrets).sort()).toEqual(
      ['api-tokens', 'minio-root-password', 'minio-root-user', 'request-secrets-key', 's3-credentials', 'signing-key'].sort(),
    );
    for (const [, s] of services()) {
      for (const [name, value] of Object.entries(s.environment ?? {})) {
        if (/SECRET|PASSWORD|TOKEN|KEY$/.test(name))
          expect({ name, value }).toEqual({ name, value: expect.stringMatching(/^\/run\/secrets\//) });
      }
    }
  });

  it('publishes no port beyond loopback', () => {
    const published = services().flatMap(([name, s]) => (s.ports ?? []).map((p) => ({ name, p })));
    expect(published.length).toBeGreaterThanOrEqual(5);
    for (const { name, p } of published) {
      const hostIp = typeof p === 'string' ? p.split(':')[0] : p.host_ip;
      expect({ name, hostIp }).toEqual({ name, hostIp: '127.0.0.1' });
    }
  });
});

import { BackupRequest, RestoreRequest } from '@daedalus/contracts';
import { EsopFlagError, esopRequest, FLAG_OF_FIELD, flagMessage, parseBandwidth, parseRename, REQUEST_BODIES } from './esop-requests';
import { restorePhases } from './local-operations';
import { tableIdFlags } from './local-node';

const LOCATION = 'file:///tmp/store/bucket';

function flagError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(EsopFlagError);
    return (error as Error).message;
  }
  throw new Error('no error');
}

describe('Esop flags → request', () => {
  it('maps every backup flag to its request field', () => {
    const request = esopRequest('backup', {
      storageLocation: LOCATION,
      snapshotTag: 'nightly',
      entities: 'shop.orders,shop.customers',
      duration: 'PT2H',
      bandwidth: '10MBPS',
      timeout: 3,
      concurrentConnections: 4,
      createMissingBucket: true,
      skipRefreshing: true,
      keepSnapshot: true,
      compression: 'zstd',
      compressionLevel: 5,
      skipBucketVerification: true,
      retryEnabled: true,
      retryInterval: 5,
      retryStrategy: 'LINEAR',
      retryMaxAttempts: 2,
    });
    expect(request).toBeInstanceOf(BackupRequest);
    expect(request).toMatchObject({
      type: 'backup',
      storageLocation: LOCATION,
      snapshotTag: 'nightly',
      entities: 'shop.orders,shop.customers',
      duration: 'PT2H',
      bandwidth: { value: 10, unit: 'MBPS' },
      timeout: 3,
      concurrentConnections: 4,
      createMissingBucket: true,
      skipRefreshing: true,
      keepSnapshot: true,
      compression: 'zstd',
      compressionLevel: 5,
      skipBucketVerification: true,
      retry: { enabled: true, interval: 5, strategy: 'LINEAR', maxAttempts: 2 },
    });
  });

  it('maps the restore flags, strategy and phase in any case', () => {
    const request = esopRequest('restore', {
      storageLocation: LOCATION,
      snapshotTag: 'nightly',
      restorationStrategyType: 'in_place',
      entities: 'shop',
      updateCassandraYaml: true,
      resolveHostIdFromTopology: true,
      configDirectory: '/etc/cassandra',
      restorationNoDeleteDownloads: true,
    });
    expect(request).toBeInstanceOf(RestoreRequest);
    expect(request).toMatchObject({
      restorationStrategyType: 'IN_PLACE',
      updateCassandraYaml: true,
      resolveHostIdFromTopology: true,
      cassandraConfigDirectory: '/etc/cassandra',
      noDeleteDownloads: true,
    });
    const phased = esopRequest('restore', {
      storageLocation: LOCATION,
      snapshotTag: 'x',
      restorationStrategyType: 'HARDLINKS',
      restorationPhaseType: 'import',
      importSourceDir: '/var/lib/cassandra/daedalus-restore/op',
      rename: ['shop.orders=shop.orders_copy'],
    });
    expect(phased).toMatchObject({
      restorationPhase: 'IMPORT',
      import: { sourceDir: '/var/lib/cassandra/daedalus-restore/op' },
      rename: { 'shop.orders': 'shop.orders_copy' },
    });
  });

  it('names the flag, never the request field, in a validation error', () => {
    const tag = flagError(() => esopRequest('backup', { storageLocation: LOCATION, snapshotTag: 'bad tag!' }));
    expect(tag).toContain('--snapshot-tag');
    expect(tag).not.toContain('snapshotTag');
    expect(flagError(() => esopRequest('backup', { storageLocation: LOCATION, compression: 'gzip' }))).toContain('--compression');
    expect(flagError(() => esopRequest('backup', { storageLocation: LOCATION, compressionLevel: 3 }))).toContain('--compression-level');
    const location = flagError(() => esopRequest('list', { storageLocation: 'ftp://x' }));
    expect(location).toContain('--storage-location');
    const strategy = flagError(() =>
      esopRequest('restore', { storageLocation: LOCATION, snapshotTag: 'x', restorationStrategyType: 'COPY' }),
    );
    expect(strategy).toContain('--restoration-strategy-type');
    const connections = flagError(() => esopRequest('backup', { storageLocation: LOCATION, concurrentConnections: 5000 }));
    expect(connections).toContain('--concurrent-connections');
    const phase = flagError(() =>
      esopRequest('restore', {
        storageLocation: LOCATION,
        snapshotTag: 'x',
        restorationStrategyType: 'IMPORT',
        restorationPhaseType: 'NOW',
      }),
    );
    expect(phase).toContain('--restoration-phase-type');
  });

  it('refuses what Daedalus does not do, naming the flag', () => {
    expect(flagError(() => esopRequest('list', { storageLocation: LOCATION, humanUnits: true }))).toContain('--human-units');
    expect(flagError(() => esopRequest('list', { storageLocation: LOCATION, insecureHttp: true }))).toContain('--insecure-http');
    expect(flagError(() => esopRequest('restore', { storageLocation: LOCATION, snapshotTag: 'x', restoreIntoNewCluster: true }))).toContain(
      '--restore-into-new-cluster',
    );
    expect(flagError(() => esopRequest('backup', { storageLocation: LOCATION, k8sSecretName: 'creds' }))).toContain('--k8s-secret-name');
    expect(flagError(() => esopRequest('restore', { storageLocation: LOCATION, snapshotTag: 'x', rename: ['shop.orders'] }))).toContain(
      '--rename',
    );
  });

  it('parses bandwidth and rename as Esop writes them', () => {
    expect(parseBandwidth('5 kbps')).toEqual({ value: 5, unit: 'KBPS' });
    expect(flagError(() => parseBandwidth('fast'))).toContain('--bandwidth');
    expect(parseRename(['a.b=a.c,a.d=a.e'])).toEqual({ 'a.b': 'a.c', 'a.d': 'a.e' });
  });

  it('tells a nested field by its flag', () => {
    expect(flagMessage({ field: 'proxySettings.proxyPort', message: 'proxyPort must not be greater than 65535' })).toBe(
      '--proxy-port must not be greater than 65535',
    );
    expect(flagMessage({ field: 'bandwidth.unit', message: 'unit must be one of BPS' })).toBe('--bandwidth must be one of BPS');
  });

  it('has a flag for every field a command body sets', () => {
    // every option given: each body field (and nested field) it produces must be told back by a flag
    const every = new Proxy({} as Record<string, unknown>, {
      get: (_target, key) =>
        key === 'bandwidth' ? '1MBPS' : key === 'rename' ? ['a.b=a.c'] : String(key).startsWith('k8s') ? undefined : 'x',
    });
    for (const command of Object.keys(REQUEST_BODIES) as Array<keyof typeof REQUEST_BODIES>) {
      const body: Record<string, unknown> = REQUEST_BODIES[command](every);
      for (const [field, value] of Object.entries(body).filter(([f]) => f !== 'type')) {
        const nested = typeof value === 'object' && value !== null && !Array.isArray(value) && field !== 'rename';
        const fields = nested ? Object.keys(value).map((sub) => `${field}.${sub}`) : [field];
        for (const f of fields) expect([command, f, FLAG_OF_FIELD[f]]).toEqual([command, f, expect.stringMatching(/^--/)]);
      }
    }
  });

  it('runs the restore phases a local restore needs', () => {
    const restore = (extra: Record<string, unknown>) =>
      esopRequest('restore', { storageLocation: LOCATION, snapshotTag: 'x', restorationStrategyType: 'IMPORT', ...extra });
    expect(
      restorePhases(esopRequest('restore', { storageLocation: LOCATION, snapshotTag: 'x', restorationStrategyType: 'IN_PLACE' })),
    ).toEqual(['IN_PLACE']);
    expect(restorePhases(restore({}))).toEqual(['INIT', 'DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP']);
    expect(restorePhases(restore({ restorationPhaseType: 'DOWNLOAD' }))).toEqual(['DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP']);
    expect(restorePhases(restore({ restorationPhaseType: 'CLEANUP' }))).toEqual(['CLEANUP']);
  });

  it('reads --table-id as keyspace.table=id', () => {
    expect(tableIdFlags(['shop.orders=0123456789abcdef0123456789abcdef'])).toEqual({ 'shop.orders': '0123456789abcdef0123456789abcdef' });
    expect(flagError(() => tableIdFlags(['shop.orders=xyz']))).toContain('--table-id');
  });
});

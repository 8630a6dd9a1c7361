import { AgentRoots, NodeRegistration, parseOperationRequest } from '@daedalus/contracts';
import { checkAgainstTargets, recheckWithLiveSchemas } from './target-check';
import { testRegistration } from '@daedalus/contracts/testing/registrations';

const ROOTS: AgentRoots = {
  fileStores: ['/srv/backups'],
  import: ['/var/lib/cassandra/data', '/var/lib/cassandra/daedalus-import'],
  staging: ['/var/lib/cassandra/daedalus-restore'],
  config: ['/etc/cassandra'],
  commitLog: ['/var/lib/cassandra'],
};

function node(index: number, roots: AgentRoots | null = ROOTS): NodeRegistration {
  return testRegistration({
    hostId: `00000000-0000-4000-8000-00000000000${index}`,
    keyspaces: { ks1: ['t1'] },
    ...(roots ? { roots } : {}),
  });
}

const check = (body: Record<string, unknown>, targets: NodeRegistration[]) =>
  checkAgainstTargets(parseOperationRequest({ globalRequest: true, ...body }), targets);
const restore = (extra: Record<string, unknown>) => ({ type: 'restore', snapshotTag: 's', storageLocation: 's3://b', ...extra });

describe('the gateway checks request directories against the targets registered roots', () => {
  it('accepts directories within the roots, and clouds stores (no local directory)', () => {
    expect(
      check({ type: 'import', keyspace: 'ks1', table: 't1', sourceDir: '/var/lib/cassandra/data/upload' }, [node(1), node(2)]),
    ).toEqual([]);
    expect(check(restore({ storageLocation: 'file:///srv/backups/bucket' }), [node(1)])).toEqual([]);
    expect(check(restore({ storageLocation: 'file:///srv/backups' }), [node(1)])).toEqual([]);
    expect(check(restore({ import: { sourceDir: '/var/lib/cassandra/daedalus-restore/mine' } }), [node(1)])).toEqual([]);
    expect(check(restore({ cassandraConfigDirectory: '/etc/cassandra' }), [node(1)])).toEqual([]);
    expect(check({ type: 'backup', storageLocation: 's3://bucket' }, [node(1)])).toEqual([]);
  });

  it('refuses each field outside its roots, naming it, the allowed roots and the flag', () => {
    expect(check({ type: 'import', keyspace: 'ks1', table: 't1', sourceDir: '/etc' }, [node(1)])).toEqual([
      {
        field: 'sourceDir',
        message:
          'sourceDir: /etc is outside the directories the agent allows for it (one of /var/lib/cassandra/data, /var/lib/cassandra/daedalus-import; set with --import-roots)',
      },
    ]);
    expect(check({ type: 'import', keyspace: 'ks1', table: 't1', tablePath: '/root' }, [node(1)]).map((e) => e.field)).toEqual([
      'tablePath',
    ]);
    expect(
      check(
        restore({
          storageLocation: 'file:///tmp/bucket',
          import: { sourceDir: '/var/lib/cassandra/data' },
          cassandraConfigDirectory: '/etc',
        }),
        [node(1)],
      ).map((e) => e.field),
    ).toEqual(['storageLocation', 'import.sourceDir', 'cassandraConfigDirectory']);
    expect(check({ type: 'list', storageLocation: 'file:///srv/backups2/bucket' }, [node(1)])).toEqual([
      {
        field: 'storageLocation',
        message:
          'storageLocation: /srv/backups2/bucket is outside the directories the agent allows for it (one of /srv/backups; set with --file-store-roots)',
      },
    ]);
  });

  it('names the nodes that refuse when several targets are judged', () => {
    const other = node(2, { ...ROOTS, fileStores: ['/mnt/store'] });
    const [error] = check(restore({ storageLocation: 'file:///srv/backups/bucket' }), [node(1), other]);
    expect(error.field).toBe('storageLocation');
    expect(error.message).toContain(`on node(s) ${other.hostId} (127.0.0.2)`);
    expect(error.message).toContain('one of /mnt/store');
  });

  it('leaves agents that registered no roots to their own check', () => {
    expect(check({ type: 'import', keyspace: 'ks1', table: 't1', sourceDir: '/etc' }, [node(1, null)])).toEqual([]);
  });

  it('keeps the refusal when the names are checked again against live schemas', () => {
    const request = parseOperationRequest({ type: 'import', keyspace: 'ks1', table: 't1', sourceDir: '/etc', globalRequest: true });
    expect(recheckWithLiveSchemas(request, [node(1)], new Map()).map((e) => e.field)).toEqual(['sourceDir']);
  });
});

import { NodeRegistration, parseOperationRequest } from '@daedalus/contracts';
import { checkAgainstTargets, LiveSchema, nodesToAskAgain, recheckWithLiveSchemas, targetsLackingNames } from './target-check';
import { testRegistration } from '@daedalus/contracts/testing/registrations';

function node(index: number, fields: Partial<NodeRegistration> = {}): NodeRegistration {
  return testRegistration({
    hostId: `00000000-0000-4000-8000-00000000000${index}`,
    keyspaces: { system: ['local'], ks1: ['t1', 't2'] },
    capabilities: { truncateEnabled: false },
    ...fields,
  });
}

const check = (body: Record<string, unknown>, targets: NodeRegistration[]) =>
  checkAgainstTargets(parseOperationRequest({ globalRequest: true, ...body }), targets);

describe('checkAgainstTargets', () => {
  it('accepts names every target has', () => {
    expect(check({ type: 'cleanup', keyspace: 'ks1', tables: ['t1', 't2'] }, [node(1), node(2)])).toEqual([]);
    expect(check({ type: 'refresh', keyspace: 'ks1', table: 't2' }, [node(1)])).toEqual([]);
    expect(check({ type: 'rebuild' }, [node(1)])).toEqual([]);
  });

  it('names the keyspace field for an unknown keyspace, and the nodes when only some lack it', () => {
    expect(check({ type: 'flush', keyspace: 'nope' }, [node(1), node(2)])).toEqual([
      { field: 'keyspace', message: 'keyspace nope does not exist' },
    ]);
    const lagging = node(2, { keyspaces: { system: ['local'] } });
    expect(check({ type: 'scrub', keyspace: 'ks1' }, [node(1), lagging])).toEqual([
      { field: 'keyspace', message: `keyspace ks1 does not exist on node(s) ${lagging.hostId} (127.0.0.2)` },
    ]);
    expect(check({ type: 'rebuild', keyspace: 'nope' }, [node(1)])).toEqual([
      { field: 'keyspace', message: 'keyspace nope does not exist' },
    ]);
  });

  it('names tables (list field) or table (single field) for unknown tables', () => {
    expect(check({ type: 'upgradesstables', keyspace: 'ks1', tables: ['t1', 'x', 'y'] }, [node(1)])).toEqual([
      { field: 'tables', message: 'table x does not exist in keyspace ks1' },
      { field: 'tables', message: 'table y does not exist in keyspace ks1' },
    ]);
    expect(check({ type: 'import', keyspace: 'ks1', table: 'x', sourceDir: '/tmp/x' }, [node(1)])).toEqual([
      { field: 'table', message: 'table x does not exist in keyspace ks1' },
    ]);
  });

  it('does not judge targets whose agent registered no schema', () => {
    expect(check({ type: 'flush', keyspace: 'nope' }, [node(1, { keyspaces: undefined })])).toEqual([]);
  });

  it('refuses a truncate when no target allows it, and accepts it when one does', () => {
    const refused = check({ type: 'truncate', keyspace: 'ks1', table: 't1' }, [node(1), node(2)]);
    expect(refused.map((e) => e.field)).toEqual(['type']);
    expect(refused[0].message).toContain('--enable-truncate');
    expect(
      check({ type: 'truncate', keyspace: 'ks1', table: 't1' }, [node(1), node(2, { capabilities: { truncateEnabled: true } })]),
    ).toEqual([]);
  });

  it('refuses a global decommission and accepts a local one', () => {
    expect(check({ type: 'decommission' }, [node(1), node(2)]).map((e) => e.field)).toEqual(['globalRequest']);
    expect(checkAgainstTargets(parseOperationRequest({ type: 'decommission', hostId: node(1).hostId }), [node(1)])).toEqual([]);
  });

  it('checks backup entities and restore targets (after rename) against the nodes', () => {
    const targets = [node(1), node(2)];
    const storage = { storageLocation: 'file:///tmp/backups/bucket' };
    expect(check({ type: 'backup', ...storage, entities: 'ks1.t1,ks1.t2' }, targets)).toEqual([]);
    expect(check({ type: 'backup', ...storage, entities: 'ks9' }, targets)).toEqual([
      { field: 'entities', message: 'keyspace ks9 does not exist' },
    ]);
    expect(check({ type: 'backup', ...storage, entities: 'ks1.t9' }, targets)).toEqual([
      { field: 'entities', message: 'table ks1.t9 does not exist' },
    ]);
    const restore = { type: 'restore', ...storage, snapshotTag: 'nightly' };
    // the source of a rename only has to be in the backup; the target must exist
    expect(check({ ...restore, entities: 'ks1.gone', rename: { 'ks1.gone': 'ks1.t2' } }, targets)).toEqual([]);
    expect(check({ ...restore, entities: 'ks1.t1', rename: { 'ks1.t1': 'ks1.t9' } }, targets)).toEqual([
      { field: 'rename', message: 'target table ks1.t9 does not exist' },
    ]);
  });
});

describe('confirming unknown names live', () => {
  const fresh = { ks1: ['t1', 't2', 'new'], system: ['local'] };
  const flush = parseOperationRequest({ type: 'flush', keyspace: 'ks1', tables: ['new'], globalRequest: true });

  it('asks nobody when every name is registered (the happy path has no extra round trip)', () => {
    expect(
      targetsLackingNames(parseOperationRequest({ type: 'flush', keyspace: 'ks1', tables: ['t1'], globalRequest: true }), [
        node(1),
        node(2),
      ]),
    ).toEqual([]);
    // nor nodes whose agent registers no schema, nor for problems that are not names
    expect(targetsLackingNames(flush, [node(1, { keyspaces: undefined })])).toEqual([]);
    expect(
      targetsLackingNames(parseOperationRequest({ type: 'truncate', keyspace: 'ks1', table: 't1', globalRequest: true }), [node(1)]),
    ).toEqual([]);
  });

  it('asks exactly the targets whose registration lacks a name', () => {
    const upToDate = node(2, { keyspaces: fresh });
    expect(targetsLackingNames(flush, [node(1), upToDate, node(3)]).map((t) => t.hostId)).toEqual([node(1).hostId, node(3).hostId]);
    const rename = parseOperationRequest({
      type: 'restore',
      storageLocation: 'file:///tmp/b',
      snapshotTag: 's',
      globalRequest: true,
      entities: 'ks1.t1',
      rename: { 'ks1.t1': 'ks1.new' },
    });
    expect(targetsLackingNames(rename, [node(1)]).map((t) => t.hostId)).toEqual([node(1).hostId]);
  });

  it('accepts a name the live schema has', () => {
    const live = new Map([
      [node(1).hostId, { ok: true as const, keyspaces: fresh }],
      [node(2).hostId, { ok: true as const, keyspaces: fresh }],
    ]);
    expect(recheckWithLiveSchemas(flush, [node(1), node(2)], live)).toEqual([]);
  });

  it('still refuses a name the live schema lacks too', () => {
    const live = new Map([[node(1).hostId, { ok: true as const, keyspaces: { ks1: ['t1'] } }]]);
    expect(recheckWithLiveSchemas(flush, [node(1)], live)).toEqual([
      { field: 'tables', message: 'table new does not exist in keyspace ks1' },
    ]);
  });

  it('refuses as before when a node did not answer, saying the schema could not be confirmed live', () => {
    const live = new Map([
      [node(1).hostId, { ok: true as const, keyspaces: fresh }],
      [node(2).hostId, { ok: false as const, reason: 'no answer from the agent' }],
    ]);
    expect(recheckWithLiveSchemas(flush, [node(1), node(2)], live)).toEqual([
      {
        field: 'tables',
        message: `table new does not exist in keyspace ks1 on node(s) ${node(2).hostId} (127.0.0.2) (the schema could not be confirmed live: ${node(2).hostId}: no answer from the agent)`,
      },
    ]);
  });

  it('asks again only the answering nodes still lacking a name that another target already has', () => {
    const lagging = { ok: true as const, keyspaces: { ks1: ['t1'] } };
    const has = { ok: true as const, keyspaces: fresh };
    expect(
      nodesToAskAgain(
        flush,
        [node(1), node(2)],
        new Map([
          [node(1).hostId, has],
          [node(2).hostId, lagging],
        ]),
      ).map((t) => t.hostId),
    ).toEqual([node(2).hostId]);
    // nobody has it: it does not exist, no point asking again
    expect(
      nodesToAskAgain(
        flush,
        [node(1), node(2)],
        new Map([
          [node(1).hostId, lagging],
          [node(2).hostId, lagging],
        ]),
      ),
    ).toEqual([]);
    // a node that did not answer is not asked again
    const silent = { ok: false as const, reason: 'timeout' };
    expect(
      nodesToAskAgain(
        flush,
        [node(1), node(2)],
        new Map<string, LiveSchema>([
          [node(1).hostId, has],
          [node(2).hostId, silent],
        ]),
      ),
    ).toEqual([]);
  });
});

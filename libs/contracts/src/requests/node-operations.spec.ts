import { ImportRequest, RebuildRequest } from './node-operations';
import { parseOperationRequest, RequestValidationError } from './registry';

function fieldsRejected(body: Record<string, unknown>): string[] {
  try {
    parseOperationRequest(body);
  } catch (error) {
    if (error instanceof RequestValidationError) return [...new Set(error.errors.map((e) => e.field))];
    throw error;
  }
  return [];
}

describe('node operation requests', () => {
  it('accepts every node operation type with its Icarus fields', () => {
    const bodies: Array<Record<string, unknown>> = [
      { type: 'cleanup', keyspace: 'ks', tables: ['t'], jobs: '2' },
      {
        type: 'scrub',
        keyspace: 'ks',
        disableSnapshot: 'true',
        skipCorrupted: false,
        noValidate: true,
        reinsertOverflowedTTL: false,
        jobs: 1,
      },
      { type: 'upgradesstables', keyspace: 'ks', includeAllSStables: true },
      { type: 'refresh', keyspace: 'ks', table: 't' },
      { type: 'truncate', keyspace: 'ks', table: 't' },
      { type: 'import', keyspace: 'ks', table: 't', sourceDir: '/var/lib/x', keepLevel: true, quick: 'false', copyData: true },
      { type: 'rebuild', keyspace: 'ks', sourceDC: 'dc1', specificTokens: [{ start: '-5', end: '7' }], specificSources: ['10.0.0.1'] },
      { type: 'rebuild' },
      { type: 'decommission', force: 'true' },
      { type: 'drain' },
    ];
    for (const body of bodies) expect({ body, rejected: fieldsRejected(body) }).toEqual({ body, rejected: [] });
  });

  it('needs a source directory for import, absolute and without ".."', () => {
    expect(fieldsRejected({ type: 'import', keyspace: 'ks', table: 't' })).toEqual(['sourceDir']);
    expect(fieldsRejected({ type: 'import', keyspace: 'ks', table: 't', sourceDir: 'relative/dir' })).toEqual(['sourceDir']);
    expect(fieldsRejected({ type: 'import', keyspace: 'ks', table: 't', sourceDir: '/a/../etc' })).toEqual(['sourceDir']);
    expect(fieldsRejected({ type: 'import', keyspace: 'ks', table: 't', tablePath: 'x' })).toEqual(['tablePath']);
    const viaTablePath = parseOperationRequest({ type: 'import', keyspace: 'ks', table: 't', tablePath: '/data/t' }) as ImportRequest;
    expect(viaTablePath.sourceDir).toBeUndefined();
    expect(viaTablePath.tablePath).toBe('/data/t');
  });

  it('wants a keyspace with specificTokens, as Cassandra does', () => {
    expect(fieldsRejected({ type: 'rebuild', specificTokens: [{ start: '1', end: '2' }] })).toEqual(['keyspace']);
    const request = parseOperationRequest({ type: 'rebuild', keyspace: '', sourceDC: '' }) as RebuildRequest;
    expect(request.keyspace).toBeUndefined();
  });
});

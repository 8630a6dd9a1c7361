import { FlushRequest } from './node-operations';
import {
  IMPLEMENTED_OPERATION_TYPES,
  OPERATION_REQUEST_TYPES,
  OperationType,
  parseOperationRequest,
  RequestValidationError,
} from './registry';

function rejection(body: unknown): RequestValidationError {
  try {
    parseOperationRequest(body);
  } catch (error) {
    if (error instanceof RequestValidationError) return error;
    throw error;
  }
  throw new Error('expected the request to be rejected');
}

describe('parseOperationRequest', () => {
  it('accepts a flush and returns a typed request', () => {
    const request = parseOperationRequest({ type: 'flush', keyspace: 'ks1', tables: ['t1', 't2'] });
    expect(request).toBeInstanceOf(FlushRequest);
    expect(request).toMatchObject({ type: 'flush', keyspace: 'ks1', tables: ['t1', 't2'] });
  });

  it('is lenient where Icarus clients rely on it', () => {
    const request = parseOperationRequest({
      type: 'FLUSH',
      keyspace: 'ks1',
      tables: 't1, t2',
      globalRequest: 'TRUE',
      dc: '',
      id: '',
    });
    expect(request).toMatchObject({ type: 'flush', tables: ['t1', 't2'], globalRequest: true });
    expect(request.dc).toBeUndefined();
    expect(request.id).toBeUndefined();
  });

  it.each([
    [null, 'body'],
    [[1, 2], 'body'],
    ['flush', 'body'],
    [{}, 'type'],
    [{ type: 42 }, 'type'],
  ])('rejects %p naming %s', (body, field) => {
    const error = rejection(body);
    expect(error.reason).toBe('invalid');
    expect(error.errors[0].field).toBe(field);
  });

  it('names an unknown type and lists the known ones', () => {
    const error = rejection({ type: 'explode' });
    expect(error.reason).toBe('unknown-type');
    expect(error.message).toContain('"explode" is not an operation type');
    expect(error.message).toContain('flush');
  });

  it('runs every type it recognises: none is answered "not supported yet" any more', () => {
    expect(Object.keys(OPERATION_REQUEST_TYPES).filter((type) => !IMPLEMENTED_OPERATION_TYPES.has(type as OperationType))).toEqual([]);
  });

  it.each([
    [{ type: 'flush' }, 'keyspace'],
    [{ type: 'flush', keyspace: 'bad-name' }, 'keyspace'],
    [{ type: 'flush', keyspace: 'x'.repeat(49) }, 'keyspace'],
    [{ type: 'flush', keyspace: 7 }, 'keyspace'],
    [{ type: 'flush', keyspace: 'ks', tables: [1] }, 'tables'],
    [{ type: 'flush', keyspace: 'ks', tables: ['a.b'] }, 'tables'],
    [{ type: 'flush', keyspace: 'ks', globalRequest: 'maybe' }, 'globalRequest'],
    [{ type: 'flush', keyspace: 'ks', hostId: 'not-a-uuid' }, 'hostId'],
    [{ type: 'flush', keyspace: 'ks', id: '123' }, 'id'],
    [{ type: 'flush', keyspace: 'ks', surprise: true }, 'surprise'],
  ])('rejects %p naming %s', (body, field) => {
    const error = rejection(body);
    expect(error.reason).toBe('invalid');
    expect(error.errors.map((e) => e.field)).toContain(field);
    expect(error.message).toContain(field);
  });

  it.each([
    [{ globalRequest: true, restorationPhase: 'IMPORT' }, 'restorationPhase'],
    [{ globalRequest: true, singlePhase: true }, 'singlePhase'],
    [{ globalRequest: true, singlePhase: true, restorationPhase: 'TRUNCATE' }, 'singlePhase'],
    [{ globalRequest: true, singlePhase: true, restorationPhase: 'CLEANUP' }, 'singlePhase'],
    [{ globalRequest: true, singlePhase: true, restorationPhase: 'IMPORT' }, 'import.sourceDir'],
    [{ singlePhase: true, restorationStrategyType: 'IN_PLACE' }, 'singlePhase'],
    [{ rename: { orders: 'orders2' } }, 'rename'],
    [{ rename: { 'shop.orders': 'other.orders' } }, 'rename'],
    [{ entities: 'shop.customers', rename: { 'shop.orders': 'shop.orders2' } }, 'rename'],
  ])('refuses a restore whose fields contradict each other: %p names %s', (fields, field) => {
    const error = rejection({ type: 'restore', storageLocation: 's3://bucket', snapshotTag: 'nightly', ...fields });
    expect(error.errors.map((e) => e.field)).toEqual([field]);
  });

  it.each([
    [{ restorationPhase: 'DOWNLOAD' }],
    [{ restorationPhase: 'download' }],
    [{ restorationPhase: 'INIT' }],
    [{ singlePhase: true, restorationPhase: 'DOWNLOAD' }],
    [{ singlePhase: 'true', restorationPhase: 'IMPORT', import: { sourceDir: '/var/lib/cassandra/staged' } }],
  ])('accepts a global restore an Icarus client sends: %p', (fields) => {
    const request = parseOperationRequest({
      type: 'restore',
      storageLocation: 's3://bucket',
      snapshotTag: 'nightly',
      globalRequest: true,
      ...fields,
    });
    expect(request).toMatchObject({ type: 'restore', globalRequest: true });
  });

  it('accepts a restore of a subset under another name, in any enum case', () => {
    const request = parseOperationRequest({
      type: 'restore',
      storageLocation: 's3://bucket',
      snapshotTag: 'nightly',
      globalRequest: 'true',
      restorationStrategyType: 'hardlinks',
      entities: 'shop.orders',
      rename: { 'shop.orders': 'shop.orders2' },
    });
    expect(request).toMatchObject({ restorationStrategyType: 'HARDLINKS', globalRequest: true });
  });
});

describe('fields Icarus or Esop have that Daedalus does not do', () => {
  const restore = { type: 'restore', storageLocation: 's3://bucket', snapshotTag: 'nightly', globalRequest: true };
  const list = { type: 'list', storageLocation: 's3://bucket' };
  const backup = { type: 'backup', storageLocation: 's3://bucket', globalRequest: true };

  it.each([
    [{ ...restore, newCluster: true }, 'newCluster'],
    [{ ...restore, restoreSystemKeyspace: 'true' }, 'restoreSystemKeyspace'],
    [{ ...restore, noDownloadData: true }, 'noDownloadData'],
    [{ ...restore, import: { type: 'bulk' } }, 'import.type'],
    [{ ...backup, skipRefreshing: false }, 'skipRefreshing'],
    [{ ...list, resolveNodes: true }, 'resolveNodes'],
    [{ ...list, humanUnits: true }, 'humanUnits'],
    [{ ...list, json: false }, 'json'],
    [{ ...list, toFile: '/tmp/list.json' }, 'toFile'],
    [{ ...list, cacheDir: '/tmp/cache' }, 'cacheDir'],
    [{ ...list, skipDownload: true }, 'skipDownload'],
    [{ ...list, timeout: 2 }, 'timeout'],
  ])('refuses %p with a 400 naming %s as not supported', (body, field) => {
    const error = rejection(body);
    expect(error.errors).toEqual([{ field, message: expect.stringContaining(`${field}: not supported`) }]);
  });

  it.each([
    [
      {
        ...restore,
        newCluster: false,
        restoreSystemKeyspace: false,
        noDownloadData: false,
        restoreSystemAuth: true,
        import: { type: 'import' },
      },
    ],
    [{ ...backup, skipRefreshing: true }],
    [{ ...list, resolveNodes: false, humanUnits: false, json: true, skipDownload: false }],
  ])('accepts the values that say what Daedalus does: %p', (body) => {
    expect(() => parseOperationRequest(body)).not.toThrow();
  });
});

import { NodeManifest } from '../repository/manifest';
import {
  checkManifestNames,
  identifierProblem,
  joinFileName,
  joinIdentifiers,
  manifestFileNameProblem,
  UnsafeNameError,
} from './manifest-names';

const COMMON = ['Data.db', 'CompressionInfo.db', 'Statistics.db', 'Filter.db', 'Digest.crc32', 'CRC.db', 'TOC.txt'];
const BIG = [...COMMON, 'Index.db', 'Summary.db'];
const BTI = [...COMMON, 'Partitions.db', 'Rows.db'];
const SAI = [
  'SAI+aa+GroupMeta.db',
  'SAI+aa+GroupComplete.db',
  'SAI+aa+TokenValues.db',
  'SAI+aa+by_name+Meta.db',
  'SAI+aa+by_name+TermsData.db',
];
const UUID_ID = '3gkq_0a1b_2c3d4e5f6g7h8i9j0k';

/** Every component file name Cassandra 4.0, 4.1 and 5.0 write (shared/reference/cassandra.md), with integer and UUID ids. */
const LEGAL = [
  ...BIG.map((c) => `nb-1-big-${c}`),
  ...BIG.map((c) => `nb-123456789-big-${c}`),
  ...BIG.map((c) => `oa-7-big-${c}`),
  ...BIG.map((c) => `oa-${UUID_ID}-big-${c}`),
  ...BTI.map((c) => `da-3-bti-${c}`),
  ...BTI.map((c) => `da-${UUID_ID}-bti-${c}`),
  ...SAI.map((c) => `oa-${UUID_ID}-big-${c}`),
  ...SAI.map((c) => `da-5-bti-${c}`),
  'nb-2-big-SI_by_city.db',
  // secondary-index SSTables, in their `.<index>/` directory as the backup names them
  ...BIG.map((c) => `.ix_name/nb-1-big-${c}`),
  ...BTI.map((c) => `.orders_by_customer/da-${UUID_ID}-bti-${c}`),
];

describe('manifest file names', () => {
  it.each(LEGAL)('%s is accepted', (name) => {
    expect(manifestFileNameProblem(name)).toBeUndefined();
    expect(joinFileName('/staging/ks/t', name)).toBe(`/staging/ks/t/${name}`);
  });

  it.each([
    ['../nb-1-big-Data.db', '".." segment'],
    ['..', '".." segment'],
    ['.ix/../../nb-1-big-Data.db', '".." segment'],
    ['./nb-1-big-Data.db', '".." segment'],
    ['/etc/passwd', 'absolute path'],
    ['/nb-1-big-Data.db', 'absolute path'],
    ['..\\nb-1-big-Data.db', 'backslash'],
    ['nb-1-big-Data.db\u0000x', 'control character'],
    ['nb-1-big-Data.db\n', 'control character'],
    ['', 'empty'],
    ['.ix//nb-1-big-Data.db', 'empty segment'],
    ['nb-1-big-Data.db/', 'empty segment'],
    ['.a/.b/nb-1-big-Data.db', 'more than one directory deep'],
    ['sub/nb-1-big-Data.db', 'not a secondary index directory'],
    ['.ix-x/nb-1-big-Data.db', 'not a secondary index directory'],
    [`.${'i'.repeat(300)}/nb-1-big-Data.db`, 'longer than 255 bytes'],
    [`nb-1-big-${'D'.repeat(260)}.db`, 'longer than 255 bytes'],
    ['manifest.json', 'not an SSTable component'],
    ['schema.cql', 'not an SSTable component'],
    ['nb-1-big-', 'not an SSTable component'],
    ['nb-1-big-Data', 'not an SSTable component'],
    ['nb-1-big-Data.db.part', 'not an SSTable component'],
    ['nb-1-xyz-Data.db', 'not an SSTable component'],
    ['NB-1-big-Data.db', 'not an SSTable component'],
    ['nb-1-big-.db', 'not an SSTable component'],
  ])('%j is refused (%s)', (name, problem) => {
    expect(manifestFileNameProblem(name)).toContain(problem);
    expect(() => joinFileName('/staging/ks/t', name)).toThrow(UnsafeNameError);
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 3, ['nb-1-big-Data.db'], { name: 'x' }])
      expect(manifestFileNameProblem(value)).toBe('it is not a string');
  });
});

describe('keyspace and table names', () => {
  it.each(['ks', 'orders_2024', 'A1', 'x'.repeat(48)])('%s is an identifier', (name) => {
    expect(identifierProblem(name)).toBeUndefined();
  });

  it.each(['', '..', '.', 'a/b', 'a\\b', '/abs', 'x'.repeat(49), 'a-b', 'a.b', 'a\u0000'])('%j is refused', (name) => {
    expect(identifierProblem(name)).toContain('not a Cassandra identifier');
    expect(() => joinIdentifiers('/staging', name, 't')).toThrow(UnsafeNameError);
    expect(() => joinIdentifiers('/staging', 'ks', name)).toThrow(UnsafeNameError);
  });
});

describe('checkManifestNames', () => {
  const sha = 'a'.repeat(64);
  const manifest = (tables: unknown[]): NodeManifest => ({ tables }) as unknown as NodeManifest;
  const table = (over: Record<string, unknown> = {}, file: Record<string, unknown> = {}) => ({
    keyspace: 'shop',
    table: 'orders',
    tableId: '0123456789abcdef0123456789abcdef',
    files: [{ key: 'c/dc/h/data/shop/orders/x/nb-1-big-Data.db', name: 'nb-1-big-Data.db', size: 10, sha256: sha, ...file }],
    ...over,
  });

  it('accepts a manifest as a backup writes it', () => {
    expect(() => checkManifestNames(manifest([table()]), 'm.json')).not.toThrow();
  });

  it.each([
    [{ keyspace: '../etc' }, {}, 'keyspace "../etc"'],
    [{ table: 'a/b' }, {}, 'table of keyspace shop "a/b"'],
    [{ tableId: '../../x' }, {}, 'table id of shop.orders'],
    [{}, { name: '../../../../tmp/evil-Data.db' }, 'file name in shop.orders "../../../../tmp/evil-Data.db": it has a "." or ".." segment'],
    [{}, { name: '/etc/cron.d/x' }, 'absolute path'],
    [{}, { size: -1 }, 'size of nb-1-big-Data.db'],
    [{}, { size: '10' }, 'size of nb-1-big-Data.db'],
    [{}, { sha256: 'zz' }, 'sha256 of nb-1-big-Data.db'],
    [{}, { key: '' }, 'object key of nb-1-big-Data.db'],
    [{ files: 'x' }, {}, 'files of shop.orders'],
  ])('refuses %j %j', (over, file, message) => {
    expect(() => checkManifestNames(manifest([table(over, file)]), 'm.json')).toThrow(message);
    expect(() => checkManifestNames(manifest([table(over, file)]), 'm.json')).toThrow('m.json is refused');
  });

  it('refuses a file listed twice and a manifest without a table list', () => {
    const twice = table();
    twice.files.push({ ...twice.files[0] });
    expect(() => checkManifestNames(manifest([twice]), 'm.json')).toThrow('it is listed twice');
    expect(() => checkManifestNames({} as NodeManifest, 'm.json')).toThrow('tables undefined: it is not a list');
  });
});

import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { localFileSystem as fs } from '../adapters/filesystem';
import { CassandraDataWalker } from './data-directories';
import { listSnapshot } from './snapshot-files';

const ID_A = '0123456789abcdef0123456789abcdef';
const ID_B = 'fedcba9876543210fedcba9876543210';

/** An SSTable as Cassandra writes it: Data.db, the Digest.crc32 of it, a TOC. */
async function sstable(dir: string, name: string, content: string, digest = true): Promise<void> {
  await fs.makeDirectory(dir);
  await fs.write(join(dir, `${name}-Data.db`), content);
  if (digest) await fs.write(join(dir, `${name}-Digest.crc32`), String(crc32(Buffer.from(content))));
  await fs.write(join(dir, `${name}-TOC.txt`), 'Data.db\nDigest.crc32\nTOC.txt\n');
}

describe('CassandraDataWalker', () => {
  const walker = new CassandraDataWalker(fs);
  let root: string;
  let data1: string;
  let data2: string;

  beforeEach(async () => {
    root = await fs.makeTemporaryDirectory('walker');
    data1 = join(root, 'data1');
    data2 = join(root, 'data2');
    await sstable(join(data1, 'ks', `t-${ID_A}`), 'nb-1-big', 'first');
    await sstable(join(data2, 'ks', `t-${ID_A}`), 'nb-2-big', 'second');
    await sstable(join(data1, 'ks', `t-${ID_A}`, '.by_value'), 'nb-1-big', 'index of first');
    await sstable(join(data1, 'ks', `u-${ID_B}`), 'nb-7-big', 'other table', false);
    await fs.write(join(data1, 'ks', 'not-a-table'), 'x');
    await fs.makeDirectory(join(data1, 'ks', 'backups'));
  });

  afterEach(() => fs.remove(root));

  it('finds the table directories of the keyspaces asked for in every data directory, by name and id', async () => {
    const found = await walker.tableDirectories([data1, data2], ['ks', 'absent']);
    expect(found.map((t) => [t.dataDir, t.keyspace, t.table, t.tableId])).toEqual([
      [data1, 'ks', 't', ID_A],
      [data1, 'ks', 'u', ID_B],
      [data2, 'ks', 't', ID_A],
    ]);
    expect(found[0].path).toBe(join(data1, 'ks', `t-${ID_A}`));
  });

  it('lists a directory’s files with size and inode, index subdirectories only when asked', async () => {
    const dir = join(data1, 'ks', `t-${ID_A}`);
    await fs.write(join(dir, 'manifest.json'), '{}');
    expect((await walker.files(dir)).map((f) => f.name)).toEqual([
      'manifest.json',
      'nb-1-big-Data.db',
      'nb-1-big-Digest.crc32',
      'nb-1-big-TOC.txt',
    ]);
    const components = await walker.components(dir, { indexes: true });
    expect(components.map((f) => f.name)).toEqual([
      'nb-1-big-Data.db',
      'nb-1-big-Digest.crc32',
      'nb-1-big-TOC.txt',
      '.by_value/nb-1-big-Data.db',
      '.by_value/nb-1-big-Digest.crc32',
      '.by_value/nb-1-big-TOC.txt',
    ]);
    expect(components[0]).toMatchObject({ size: 5, component: { sstable: 'nb-1-big', component: 'Data.db' } });
    expect(await walker.files(join(root, 'missing'))).toEqual([]);
  });

  it('fingerprints SSTables by Data.db size and digest (size and time without one), whatever they are called', async () => {
    const dir = join(data1, 'ks', `t-${ID_A}`);
    const moved = join(root, 'elsewhere');
    await sstable(moved, 'nb-40-big', 'first'); // the same content under another generation
    const here = await walker.fingerprints(dir);
    expect(here).toEqual(new Map([['nb-1-big', `5:c${crc32(Buffer.from('first')).toString(16).padStart(8, '0')}`]]));
    expect([...(await walker.fingerprints(moved)).values()]).toEqual([...here.values()]);
    const [undigested] = (await walker.fingerprints(join(data1, 'ks', `u-${ID_B}`))).values();
    expect(undigested).toMatch(/^11:s11t\d+$/);
    expect([...(await walker.fingerprintsIn([dir, join(data2, 'ks', `t-${ID_A}`)]))].length).toBe(2);
  });

  it('gives the integer generations in use and the names of files by inode (hard links found under their new name)', async () => {
    const dir = join(data1, 'ks', `t-${ID_A}`);
    expect((await walker.usedGenerations([dir, join(data2, 'ks', `t-${ID_A}`)])).sort()).toEqual([1, 1, 1, 2, 2, 2]);
    await fs.link(join(dir, 'nb-1-big-Data.db'), join(dir, 'nb-9-big-Data.db'));
    const byInode = await walker.namesByInode(dir);
    const inode = (await fs.stat(join(dir, 'nb-1-big-Data.db')))?.inode ?? '';
    expect(['nb-1-big-Data.db', 'nb-9-big-Data.db']).toContain(byInode.get(inode));
  });

  it("tells a dropped table's directory by its dropped-* snapshot", async () => {
    const dir = join(data1, 'ks', `t-${ID_A}`);
    expect(await walker.isDroppedTableDir(dir)).toBe(false);
    await fs.makeDirectory(join(dir, 'snapshots', 'truncated-1-t'));
    expect(await walker.snapshotTags(dir)).toEqual(['truncated-1-t']);
    expect(await walker.isDroppedTableDir(dir)).toBe(false);
    await fs.makeDirectory(join(dir, 'snapshots', 'dropped-2-t'));
    expect(await walker.isDroppedTableDir(dir)).toBe(true);
  });
});

describe('listSnapshot', () => {
  it('gathers a snapshot across data directories with index files, schema.cql, and an identity per SSTable', async () => {
    const root = await fs.makeTemporaryDirectory('snapshot-files');
    try {
      const data1 = join(root, 'data1');
      const data2 = join(root, 'data2');
      const snap1 = join(data1, 'ks', `t-${ID_A}`, 'snapshots', 'tag');
      const snap2 = join(data2, 'ks', `t-${ID_A}`, 'snapshots', 'tag');
      await sstable(snap1, 'nb-1-big', 'first');
      await sstable(join(snap1, '.by_value'), 'nb-3-big', 'index');
      await fs.write(join(snap1, 'manifest.json'), '{"files":[]}');
      await fs.write(join(snap1, 'schema.cql'), 'CREATE TABLE ks.t (key text PRIMARY KEY, value blob);');
      await sstable(snap2, 'nb-2-big', 'second', false);
      await sstable(join(data1, 'ks', `u-${ID_B}`, 'snapshots', 'tag'), 'nb-5-big', 'not asked for');

      const [table, ...others] = await listSnapshot([data1, data2], 'tag', [{ keyspace: 'ks', table: 't' }]);
      expect(others).toEqual([]);
      expect(table).toMatchObject({
        keyspace: 'ks',
        table: 't',
        tableId: ID_A,
        schemaCql: 'CREATE TABLE ks.t (key text PRIMARY KEY, value blob);',
      });
      const crc = (s: string) => `c${crc32(Buffer.from(s)).toString(16).padStart(8, '0')}`;
      expect(table.files.map((f) => [f.name, f.sstableDir, f.size])).toEqual([
        ['nb-1-big-Data.db', `nb-1-big-${crc('first')}`, 5],
        ['nb-1-big-Digest.crc32', `nb-1-big-${crc('first')}`, String(crc32(Buffer.from('first'))).length],
        ['nb-1-big-TOC.txt', `nb-1-big-${crc('first')}`, 29],
        ['.by_value/nb-3-big-Data.db', `.by_value/nb-3-big-${crc('index')}`, 5],
        ['.by_value/nb-3-big-Digest.crc32', `.by_value/nb-3-big-${crc('index')}`, String(crc32(Buffer.from('index'))).length],
        ['.by_value/nb-3-big-TOC.txt', `.by_value/nb-3-big-${crc('index')}`, 29],
        ['nb-2-big-Data.db', expect.stringMatching(/^nb-2-big-s6t\d+$/), 6],
        ['nb-2-big-TOC.txt', expect.stringMatching(/^nb-2-big-s6t\d+$/), 29],
      ]);
      expect(table.files[0].path).toBe(join(snap1, 'nb-1-big-Data.db'));
    } finally {
      await fs.remove(root);
    }
  });
});

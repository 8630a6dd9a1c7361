import { join } from 'node:path';
import { ImportRequest } from '@daedalus/contracts';
import { localFileSystem as fs } from '../adapters/filesystem';
import { ImportExecutor, importOptions } from './import.executor';
import { FakeCassandraNode } from './testing/fake-cassandra-node';
import { dataFiles, movingImport, namesIn, writeSSTable } from './testing/node-fixtures';
import { recordingContext } from './testing/recording-context';

function request(fields: Partial<ImportRequest>): ImportRequest {
  return Object.assign(new ImportRequest(), { keyspace: 'ks1', table: 't1', ...fields });
}

describe('importOptions', () => {
  it('turns Icarus "skip" flags into Cassandra "do" flags', () => {
    expect(importOptions(request({}))).toEqual({
      resetLevel: true,
      clearRepaired: true,
      verifySSTables: true,
      verifyTokens: true,
      invalidateCaches: true,
      extendedVerify: false,
      copyData: false,
    });
    expect(
      importOptions(
        request({ keepLevel: true, keepRepaired: true, noVerify: true, noVerifyTokens: true, noInvalidateCaches: true, copyData: true }),
      ),
    ).toEqual({
      resetLevel: false,
      clearRepaired: false,
      verifySSTables: false,
      verifyTokens: false,
      invalidateCaches: false,
      extendedVerify: false,
      copyData: true,
    });
    expect(importOptions(request({ extendedVerify: true }))).toMatchObject({ verifySSTables: true, extendedVerify: true });
  });

  it('quick skips every verification and the cache invalidation, as nodetool import --quick does', () => {
    expect(importOptions(request({ quick: true, extendedVerify: true }))).toMatchObject({
      verifySSTables: false,
      verifyTokens: false,
      invalidateCaches: false,
      extendedVerify: false,
    });
  });
});

describe('ImportExecutor', () => {
  let dir: string;
  let source: string;
  let live: string;
  let node: FakeCassandraNode;
  let executor: ImportExecutor;
  const run = (fields: Partial<ImportRequest>) => executor.execute(request(fields), recordingContext().context);

  beforeEach(async () => {
    dir = await fs.makeTemporaryDirectory('import-spec');
    source = join(dir, 'upload');
    live = join(dir, 'data', 'ks1', 't1-0123456789abcdef0123456789abcdef');
    await fs.makeDirectory(live);
    await writeSSTable(source, 1, 'first');
    await writeSSTable(source, 2, 'second');
    node = new FakeCassandraNode();
    node.dataPaths['ks1.t1'] = [live];
    node.loadEffect = async (keyspace, table, directories) => {
      await movingImport(live)(keyspace, table, directories);
      node.liveCounts['ks1.t1'] = (await dataFiles(live)).length;
    };
    executor = new ImportExecutor(
      node,
      () => join(dir, 'work'),
      () => 'host-1',
    );
  });

  afterEach(() => fs.remove(dir));

  it('imports a directory shaped <keyspace>/<table> as it is, and proves the SSTables are live', async () => {
    const shaped = join(dir, 'in', 'ks1', 't1');
    await writeSSTable(shaped, 7, 'seventh');
    const result = await run({ sourceDir: shaped });
    expect(result).toEqual({ sourceDir: shaped, sstables: 1 });
    expect(node.callsOf('importNewSSTables')).toEqual([['ks1', 't1', [shaped], importOptions(request({}))]]);
    expect(await dataFiles(live)).toHaveLength(1);
  });

  it('stages any other directory as <keyspace>/<table> (Cassandra 5.0 ignores others) and leaves the source as a direct import would', async () => {
    const result = await run({ sourceDir: source });
    const staged = join(source, '.daedalus-import', 'op-1.host-1', 'ks1', 't1');
    expect(result).toEqual({ sourceDir: source, sstables: 2, stagedIn: staged });
    expect(node.callsOf('importNewSSTables')[0][2]).toEqual([staged]);
    expect(await dataFiles(live)).toHaveLength(2);
    expect(await namesIn(source)).toEqual([]); // moved, as importNewSSTables without copyData does
  });

  it('keeps the source files with copyData', async () => {
    await run({ sourceDir: source, copyData: true });
    expect(await dataFiles(source)).toEqual(['nb-1-big-Data.db', 'nb-2-big-Data.db']);
  });

  it('takes tablePath when sourceDir is absent', async () => {
    await run({ tablePath: source });
    expect(node.callsOf('importNewSSTables')).toHaveLength(1);
  });

  it('fails, naming the table and where the files are, when the import had no effect (an empty failure list proves nothing)', async () => {
    node.loadEffect = undefined;
    await expect(run({ sourceDir: source })).rejects.toThrow(
      /import into ks1\.t1 had no effect: 2 of 2 SSTable\(s\) are not in ks1\.t1's live directories.*still in .*\.daedalus-import/,
    );
  });

  it('fails when the files reached the directory but Cassandra counts no live SSTable', async () => {
    node.loadEffect = movingImport(live);
    await expect(run({ sourceDir: source })).rejects.toThrow('Cassandra reports no live SSTables for ks1.t1');
  });

  it('does not import again what an earlier attempt of the same operation brought in (an agent restarted mid-import)', async () => {
    const shaped = join(dir, 'in', 'ks1', 't1');
    await writeSSTable(shaped, 7, 'seventh');
    node.loadEffect = async () => {
      for (const name of await namesIn(shaped)) await fs.copy(join(shaped, name), join(live, name.replace('-7-', '-107-')));
      node.liveCounts['ks1.t1'] = 1;
      if (node.callsOf('importNewSSTables').length === 1) throw new Error('agent killed'); // the first attempt dies after Cassandra took the files
    };
    await expect(run({ sourceDir: shaped, copyData: true })).rejects.toThrow('agent killed');
    await run({ sourceDir: shaped, copyData: true });
    expect(node.callsOf('importNewSSTables')).toHaveLength(1);
  });

  it("imports even when identical SSTables are live already, when it is the operation's first attempt", async () => {
    await run({ sourceDir: source, copyData: true });
    executor = new ImportExecutor(
      node,
      () => join(dir, 'work-2'),
      () => 'host-1',
    );
    await run({ sourceDir: source, copyData: true });
    expect(node.callsOf('importNewSSTables')).toHaveLength(2);
  });

  it('fails naming the directories Cassandra could not import, leaving the source as it was', async () => {
    node.failedImports = ['x'];
    await expect(run({ sourceDir: source })).rejects.toThrow('Cassandra could not import the SSTables of x into ks1.t1');
    const names = await namesIn(source);
    expect(names).toEqual(names.filter((n) => !n.startsWith('.')));
    expect(await dataFiles(source)).toHaveLength(2);
  });

  it('rejects an empty directory, a directory that is not on this node and unknown tables before calling Cassandra', async () => {
    await fs.makeDirectory(join(dir, 'empty'));
    await expect(run({ sourceDir: join(dir, 'empty') })).rejects.toThrow('holds no SSTables');
    await expect(run({ sourceDir: join(dir, 'missing') })).rejects.toThrow(
      `sourceDir ${join(dir, 'missing')} is not a directory on this node`,
    );
    await expect(run({ table: 'zz', sourceDir: source })).rejects.toThrow('table(s) zz do not exist');
    await expect(run({})).rejects.toThrow('import needs sourceDir');
    expect(node.callsOf('importNewSSTables')).toEqual([]);
  });
});

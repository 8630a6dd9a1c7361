import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImportRequest } from '@daedalus/contracts';
import { ImportExecutor, importOptions } from './import.executor';
import { FakeCassandraNode } from './testing/fake-cassandra-node';
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
  let node: FakeCassandraNode;
  let executor: ImportExecutor;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'import-spec-'));
    node = new FakeCassandraNode();
    executor = new ImportExecutor(node);
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('imports the source directory into the table', async () => {
    const result = await executor.execute(request({ sourceDir: dir }), recordingContext().context);
    expect(result).toEqual({ sourceDir: dir });
    expect(node.callsOf('importNewSSTables')).toEqual([['ks1', 't1', [dir], importOptions(request({}))]]);
  });

  it('takes tablePath when sourceDir is absent', async () => {
    await executor.execute(request({ tablePath: dir }), recordingContext().context);
    expect(node.callsOf('importNewSSTables')[0][2]).toEqual([dir]);
  });

  it('fails naming the directories Cassandra could not import', async () => {
    node.failedImports = [dir];
    await expect(executor.execute(request({ sourceDir: dir }), recordingContext().context)).rejects.toThrow(
      `Cassandra could not import the SSTables of ${dir} into ks1.t1`,
    );
  });

  it('rejects a directory that is not on this node, and unknown tables, before calling Cassandra', async () => {
    await expect(executor.execute(request({ sourceDir: join(dir, 'missing') }), recordingContext().context)).rejects.toThrow(
      `sourceDir ${join(dir, 'missing')} is not a directory on this node`,
    );
    await expect(executor.execute(request({ table: 'zz', sourceDir: dir }), recordingContext().context)).rejects.toThrow(
      'table(s) zz do not exist',
    );
    await expect(executor.execute(request({}), recordingContext().context)).rejects.toThrow('import needs sourceDir');
    expect(node.callsOf('importNewSSTables')).toEqual([]);
  });
});

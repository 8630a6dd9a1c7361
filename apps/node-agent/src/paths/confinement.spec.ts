import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfinedPath, RestoreRequest, parseOperationRequest } from '@daedalus/contracts';
import { confine, confineRequest, OutsideRootsError, resolveReal } from './confinement';

describe('root confinement', () => {
  let dir: string;
  let data: string;
  const at = (path: string, field = 'sourceDir'): ConfinedPath => ({ field, path, kind: 'import' });

  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'daedalus-confine-')));
    data = join(dir, 'data');
    mkdirSync(join(data, 'ks', 'upload'), { recursive: true });
    mkdirSync(join(dir, 'data2', 'x'), { recursive: true });
    mkdirSync(join(dir, 'elsewhere', 'secret'), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts the root itself, directories below it, and ones that do not exist yet', async () => {
    expect(await confine(at(data), [data])).toBe(data);
    expect(await confine(at(join(data, 'ks', 'upload')), [data])).toBe(join(data, 'ks', 'upload'));
    expect(await confine(at(join(data, 'new', 'deeper')), [data])).toBe(join(data, 'new', 'deeper'));
    expect(await confine(at(`${data}/`), [`${data}/`])).toBe(data);
  });

  it('refuses a sibling that shares the root as a prefix (/data vs /data2)', async () => {
    await expect(confine(at(join(dir, 'data2', 'x')), [data])).rejects.toThrow(
      `sourceDir: ${join(dir, 'data2', 'x')} is outside the directories the agent allows for it (one of ${data}; set with --import-roots)`,
    );
    await expect(confine(at(`${data}2`), [data])).rejects.toBeInstanceOf(OutsideRootsError);
  });

  it('refuses ".." that climbs out, and relative paths', async () => {
    await expect(confine(at(join(data, '..', 'elsewhere')), [data])).rejects.toThrow('is outside');
    await expect(confine(at(`${data}/ks/../../elsewhere`), [data])).rejects.toThrow('is outside');
    await expect(confine(at('relative/dir'), [data])).rejects.toThrow('sourceDir: relative/dir is not an absolute path');
  });

  it('refuses a symbolic link inside a root that points outside it, also through a directory that does not exist yet', async () => {
    symlinkSync(join(dir, 'elsewhere'), join(data, 'escape'));
    await expect(confine(at(join(data, 'escape')), [data])).rejects.toThrow(
      `(it resolves to ${join(dir, 'elsewhere')} through a symbolic link)`,
    );
    await expect(confine(at(join(data, 'escape', 'secret', 'not-yet')), [data])).rejects.toThrow('through a symbolic link');
    await expect(confine(at(join(data, 'escape', 'missing', 'deeper')), [data])).rejects.toThrow(
      `it resolves to ${join(dir, 'elsewhere', 'missing', 'deeper')}`,
    );
  });

  it('accepts a link that stays inside, and a root that is itself a link (judged by where both lead)', async () => {
    symlinkSync(join(data, 'ks'), join(data, 'inside'));
    expect(await confine(at(join(data, 'inside', 'upload')), [data])).toBe(join(data, 'ks', 'upload'));
    symlinkSync(data, join(dir, 'data-link'));
    expect(await confine(at(join(dir, 'data-link', 'ks')), [join(dir, 'data-link')])).toBe(join(data, 'ks'));
    // a path must be inside a root as written too (what the gateway checks), not only where it leads
    await expect(confine(at(join(data, 'ks')), [join(dir, 'data-link')])).rejects.toThrow('is outside');
  });

  it('refuses everything when no root is configured, naming the flag', async () => {
    await expect(confine({ field: 'storageLocation', path: join(dir, 'store'), kind: 'fileStores' }, [])).rejects.toThrow(
      'storageLocation: ' +
        join(dir, 'store') +
        ' is outside the directories the agent allows for it (none is configured; set with --file-store-roots)',
    );
  });

  it('resolveReal follows links of the nearest existing ancestor only', async () => {
    symlinkSync(join(dir, 'elsewhere'), join(data, 'link'));
    expect(await resolveReal(join(data, 'link', 'a', 'b'))).toBe(join(dir, 'elsewhere', 'a', 'b'));
    expect(await resolveReal('/no/such/dir/at/all')).toBe('/no/such/dir/at/all');
  });

  it("checks every directory of a request against its kind's roots, naming the field", async () => {
    const roots = {
      fileStores: [join(dir, 'store')],
      import: [data],
      staging: [join(dir, 'staging')],
      config: [join(dir, 'conf')],
      commitLog: [join(dir, 'cl')],
    };
    const restore = (extra: Record<string, unknown>) =>
      parseOperationRequest({
        type: 'restore',
        snapshotTag: 's',
        storageLocation: `file://${dir}/store/bucket`,
        ...extra,
      }) as RestoreRequest;
    await expect(confineRequest(restore({}), () => roots)).resolves.toBeUndefined();
    await expect(confineRequest(restore({ import: { sourceDir: join(dir, 'staging', 'x') } }), () => roots)).resolves.toBeUndefined();
    await expect(confineRequest(restore({ import: { sourceDir: data } }), () => roots)).rejects.toThrow('import.sourceDir:');
    await expect(confineRequest(restore({ cassandraConfigDirectory: '/etc' }), () => roots)).rejects.toThrow(
      'cassandraConfigDirectory: /etc',
    );
    await expect(confineRequest(restore({ storageLocation: `file://${dir}/elsewhere/bucket` }), () => roots)).rejects.toThrow(
      `storageLocation: ${dir}/elsewhere/bucket is outside`,
    );
    const s3 = parseOperationRequest({ type: 'restore', snapshotTag: 's', storageLocation: 's3://b' });
    // nothing to confine: the roots are not even read
    await expect(
      confineRequest(s3, () => {
        throw new Error('read');
      }),
    ).resolves.toBeUndefined();
    const imported = parseOperationRequest({ type: 'import', keyspace: 'ks', table: 't', tablePath: join(dir, 'elsewhere') });
    await expect(confineRequest(imported, () => roots)).rejects.toThrow('tablePath:');
  });
});

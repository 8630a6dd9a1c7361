/**
 * The CassandraNode contract: one suite every implementation must pass — JmxCassandraNode against simulated
 * Cassandra 4.0, 4.1 and 5.0 nodes (jmx-cassandra-node.test.ts, integration) and FakeCassandraNode
 * (fake-cassandra-node.spec.ts, unit) — so the fake the executors' unit specs use answers, refuses and changes
 * the data directories as the real node does. It checks what the agent relies on: the description and schema,
 * each table's live directories (DataPaths) and LiveSSTableCount, the refusals of unknown keyspaces and tables
 * (a JmxError of the kind and message the node gives), imports with their failure lists, refresh, truncate,
 * drop and re-create, and drain.
 *
 * The suite reads the data directories with node:fs itself, independently of the agent's own walker.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { JmxError } from '@daedalus/jmx';
import { CassandraNode, ImportOptions } from '../../apps/node-agent/src/cassandra/cassandra-node';

/** The test controls a target offers besides the node: what the simulator's test MBean does. */
export interface CassandraNodeWorld {
  createKeyspace(name: string): Promise<void>;
  createTable(keyspace: string, table: string): Promise<void>;
  dropTable(keyspace: string, table: string): Promise<void>;
  writeRows(keyspace: string, table: string, count: number, seed: number): Promise<unknown>;
}

export interface CassandraNodeTarget {
  node: CassandraNode;
  world: CassandraNodeWorld;
  /** the node's data_file_directories */
  dataDirectories: string[];
  /** "4.0", "4.1" or "5.0" */
  version: string;
  /** a directory the suite may write into (staging), on the data directories' filesystem */
  scratch: string;
  teardown(): Promise<void>;
}

const IMPORT: ImportOptions = {
  resetLevel: true,
  clearRepaired: true,
  verifySSTables: true,
  verifyTokens: false,
  invalidateCaches: true,
  extendedVerify: false,
  copyData: false,
};

const COMPONENT = /^([a-z]{2})-(\d+|[0-9a-z_]{28})-(big|bti)-(.+)$/;

/** SSTable component files directly in `dirs`, by path. */
function components(dirs: string[]): string[] {
  return dirs.flatMap((dir) => (existsSync(dir) ? readdirSync(dir).filter((n) => COMPONENT.test(n)) : []).map((n) => join(dir, n)));
}

const dataFiles = (dirs: string[]): string[] => components(dirs).filter((p) => p.endsWith('-Data.db'));

/** "<Data.db size>:<Digest.crc32>" of every SSTable in `dirs`: what survives the renaming an import does. */
function fingerprints(dirs: string[]): string[] {
  return dataFiles(dirs)
    .map((data) => `${statSync(data).size}:${readFileSync(data.replace(/Data\.db$/, 'Digest.crc32'), 'utf8').trim()}`)
    .sort();
}

/** Copies every component of the SSTables in `from` into `to` (created), as a backup restore stages them. */
function stageCopies(from: string[], to: string): string[] {
  mkdirSync(to, { recursive: true });
  for (const path of components(from)) copyFileSync(path, join(to, basename(path)));
  return readdirSync(to).sort();
}

async function refusal(promise: Promise<unknown>): Promise<JmxError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof JmxError) return error;
    throw new Error(`expected a JmxError, got ${String(error)}`);
  }
  throw new Error('expected the call to be refused, but it succeeded');
}

export function runCassandraNodeContract(name: string, setup: () => Promise<CassandraNodeTarget>): void {
  describe(`CassandraNode contract: ${name}`, () => {
    let target: CassandraNodeTarget;
    let node: CassandraNode;
    const ks = `contract_${randomBytes(3).toString('hex')}`;
    const staged = (label: string, table: string) => join(target.scratch, label, ks, table);
    const paths = (table: string) => node.tableDataPaths(ks, table);

    beforeAll(async () => {
      target = await setup();
      node = target.node;
      await target.world.createKeyspace(ks);
      for (const table of ['alpha', 'beta', 'gamma']) await target.world.createTable(ks, table);
    });

    afterAll(async () => {
      await target?.teardown();
    });

    it('describes itself consistently: host id, tokens, release, schema version, mode, and itself in the ring', async () => {
      const d = await node.describe();
      expect(d.hostId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(d.tokens.length).toBeGreaterThan(0);
      expect(d.tokens.every((t) => /^-?\d+$/.test(t))).toBe(true);
      expect(d.releaseVersion.startsWith(`${target.version}.`)).toBe(true);
      expect(await node.releaseVersion()).toBe(d.releaseVersion);
      expect(await node.schemaVersion()).toBe(d.schemaVersion);
      expect(d.operationMode).toBe('NORMAL');
      expect(await node.operationMode()).toBe('NORMAL');
      expect(await node.clusterNodes()).toContainEqual({ hostId: d.hostId, address: d.address, dc: d.dc, rack: d.rack, live: true });
    });

    it('lists the ring (itself included) and every token range of a replicated keyspace with replicas from it', async () => {
      const d = await node.describe();
      const members = await node.ringMembers();
      expect(members[d.hostId]).toBe(d.address);
      const replicated = await node.replicatedKeyspaces();
      expect(replicated).toContain(ks);
      expect(replicated).not.toContain('system');
      const ranges = await node.rangeReplicas(ks);
      expect(ranges.length).toBeGreaterThanOrEqual(d.tokens.length);
      for (const { range, replicas } of ranges) {
        expect(range.every((t) => /^-?\d+$/.test(t))).toBe(true);
        expect(replicas.length).toBeGreaterThan(0);
        for (const replica of replicas) expect(Object.keys(members)).toContain(replica);
      }
      // (start, end] ranges close the ring: every end is another range's start
      expect(ranges.map((r) => r.range[0]).sort()).toEqual(ranges.map((r) => r.range[1]).sort());
      for (const token of d.tokens) expect(ranges.map((r) => r.range[1])).toContain(token);
      await expect(node.rangeReplicas('no_such_keyspace')).rejects.toThrow(/Unknown keyspace no_such_keyspace/);
    });

    it('lists keyspaces and their sorted tables, the same way in one call or per keyspace, and nothing for an unknown keyspace', async () => {
      const keyspaces = await node.keyspaces();
      expect(keyspaces).toEqual(expect.arrayContaining(['system', ks]));
      expect(await node.tables(ks)).toEqual(['alpha', 'beta', 'gamma']);
      expect(await node.tables('no_such_keyspace')).toEqual([]);
      const schema = await node.schema();
      expect(Object.keys(schema).sort()).toEqual([...keyspaces].sort());
      for (const keyspace of keyspaces)
        expect({ keyspace, tables: schema[keyspace] }).toEqual({ keyspace, tables: await node.tables(keyspace) });
    });

    it('changes the schema version when the schema changes', async () => {
      const before = await node.schemaVersion();
      await target.world.createTable(ks, 'delta');
      expect(await node.schemaVersion()).not.toBe(before);
      expect(await node.tables(ks)).toContain('delta');
    });

    it('gives each table one live directory per data directory, named <table>-<id>, existing on disk', async () => {
      const alpha = await paths('alpha');
      expect(alpha).toHaveLength(target.dataDirectories.length);
      alpha.forEach((path, i) => {
        expect(dirname(path)).toBe(join(target.dataDirectories[i], ks));
        expect(basename(path)).toMatch(/^alpha-[0-9a-f]{32}$/);
        expect(existsSync(path)).toBe(true);
      });
      expect(new Set(alpha.map((p) => basename(p))).size).toBe(1);
      expect(basename((await paths('beta'))[0]).slice('beta-'.length)).not.toBe(basename(alpha[0]).slice('alpha-'.length));
      expect(await node.liveSSTableCount(ks, 'alpha')).toBe(0);
    });

    it('has no table MBean (kind not-found) for a table or keyspace that does not exist', async () => {
      for (const [keyspace, table] of [
        [ks, 'nope'],
        ['no_such_keyspace', 'alpha'],
      ]) {
        expect((await refusal(node.tableDataPaths(keyspace, table))).kind).toBe('not-found');
        expect((await refusal(node.liveSSTableCount(keyspace, table))).kind).toBe('not-found');
        expect((await refusal(node.importNewSSTables(keyspace, table, [target.scratch], IMPORT))).kind).toBe('not-found');
      }
    });

    it('flushes written rows into one SSTable in a live directory and counts it live; an empty memtable flushes nothing', async () => {
      await target.world.writeRows(ks, 'alpha', 50, 1);
      await node.flush(ks, ['alpha']);
      expect(await node.liveSSTableCount(ks, 'alpha')).toBe(1);
      expect(dataFiles(await paths('alpha'))).toHaveLength(1);
      await node.flush(ks, []);
      expect(await node.liveSSTableCount(ks, 'alpha')).toBe(1);
      await target.world.writeRows(ks, 'alpha', 30, 2);
      await node.flush(ks, []); // every table of the keyspace
      expect(await node.liveSSTableCount(ks, 'alpha')).toBe(2);
      expect(dataFiles(await paths('alpha'))).toHaveLength(2);
    });

    it('refuses flush, cleanup, scrub and upgradesstables of an unknown keyspace or table, naming it', async () => {
      const scrub = { disableSnapshot: true, skipCorrupted: false, checkData: true, reinsertOverflowedTTL: false, jobs: 0 };
      // one at a time: a refusal is only caught once its call is awaited
      const calls = (keyspace: string, tables: string[]): Array<() => Promise<unknown>> => [
        () => node.flush(keyspace, tables),
        () => node.cleanup(keyspace, tables, 0),
        () => node.scrub(keyspace, tables, scrub),
        () => node.upgradeSSTables(keyspace, tables, { excludeCurrentVersion: false, jobs: 0 }),
      ];
      for (const call of calls('no_such_keyspace', [])) {
        expect(await refusal(call())).toMatchObject({ kind: 'remote', message: 'Keyspace no_such_keyspace does not exist' });
      }
      for (const call of calls(ks, ['alpha', 'nope'])) {
        expect(await refusal(call())).toMatchObject({ kind: 'remote', message: `Unknown table 'nope' in keyspace '${ks}'` });
      }
    });

    it('cleans up, scrubs and upgrades a table with status SUCCESSFUL (0), keeping its SSTables live', async () => {
      const scrub = { disableSnapshot: true, skipCorrupted: false, checkData: true, reinsertOverflowedTTL: false, jobs: 0 };
      expect(await node.cleanup(ks, ['alpha'], 0)).toBe(0);
      expect(await node.scrub(ks, ['alpha'], scrub)).toBe(0);
      expect(await node.upgradeSSTables(ks, ['alpha'], { excludeCurrentVersion: false, jobs: 0 })).toBe(0);
      expect(await node.liveSSTableCount(ks, 'alpha')).toBeGreaterThan(0);
      expect(await node.liveSSTableCount(ks, 'alpha')).toBe(dataFiles(await paths('alpha')).length);
    });

    it('imports staged SSTables: they move into the live directories under new names, same fingerprints, counted live', async () => {
      const source = await paths('alpha');
      const dir = staged('moved', 'beta');
      stageCopies(source, dir);
      const expected = fingerprints([dir]);
      expect(expected.length).toBeGreaterThan(0);
      expect(await node.importNewSSTables(ks, 'beta', [dir], IMPORT)).toEqual([]);
      expect(readdirSync(dir)).toEqual([]);
      expect(await node.liveSSTableCount(ks, 'beta')).toBe(expected.length);
      expect(fingerprints(await paths('beta'))).toEqual(expected);
    });

    it('keeps the staged files with copyData', async () => {
      const dir = staged('copied', 'gamma');
      const names = stageCopies(await paths('alpha'), dir);
      expect(await node.importNewSSTables(ks, 'gamma', [dir], { ...IMPORT, copyData: true })).toEqual([]);
      expect(readdirSync(dir).sort()).toEqual(names);
      expect(await node.liveSSTableCount(ks, 'gamma')).toBe(dataFiles([dir]).length);
    });

    it('returns a directory holding a corrupt SSTable as failed, leaving it untouched, and imports the others', async () => {
      const bad = staged('bad', 'delta');
      const good = staged('good', 'delta');
      stageCopies(await paths('alpha'), bad);
      stageCopies(await paths('alpha'), good);
      const [data] = dataFiles([bad]);
      const bytes = readFileSync(data);
      bytes[bytes.length - 1] ^= 0xff; // same size, other content: Digest.crc32 no longer matches
      writeFileSync(data, bytes);
      const badFiles = readdirSync(bad).sort();
      expect(await node.importNewSSTables(ks, 'delta', [bad, good], IMPORT)).toEqual([bad]);
      expect(readdirSync(bad).sort()).toEqual(badFiles);
      expect(readdirSync(good)).toEqual([]);
      expect(await node.liveSSTableCount(ks, 'delta')).toBe(dataFiles([bad]).length);
    });

    it('reports no failure and changes nothing for a directory without SSTables', async () => {
      const empty = staged('empty', 'delta');
      mkdirSync(empty, { recursive: true });
      const before = await node.liveSSTableCount(ks, 'delta');
      expect(await node.importNewSSTables(ks, 'delta', [empty], IMPORT)).toEqual([]);
      expect(await node.liveSSTableCount(ks, 'delta')).toBe(before);
    });

    it('refuses a source directory that does not exist, naming it', async () => {
      const missing = staged('missing', 'delta');
      expect(await refusal(node.importNewSSTables(ks, 'delta', [missing], IMPORT))).toMatchObject({
        kind: 'remote',
        message: `Directory ${missing} does not exist`,
      });
    });

    it('imports from a directory not shaped <keyspace>/<table> on 4.x; 5.0 takes nothing from it and reports no failure', async () => {
      const flat = join(target.scratch, 'flat');
      const names = stageCopies(await paths('alpha'), flat);
      const before = await node.liveSSTableCount(ks, 'delta');
      expect(await node.importNewSSTables(ks, 'delta', [flat], IMPORT)).toEqual([]);
      if (target.version.startsWith('5.')) {
        expect(readdirSync(flat).sort()).toEqual(names);
        expect(await node.liveSSTableCount(ks, 'delta')).toBe(before);
      } else {
        expect(readdirSync(flat)).toEqual([]);
        expect(await node.liveSSTableCount(ks, 'delta')).toBe(before + dataFiles(await paths('alpha')).length);
      }
    });

    it("loads SSTables dropped into the table's own directory (refresh), and refuses an unknown keyspace or table", async () => {
      const [live] = await paths('beta');
      const before = await node.liveSSTableCount(ks, 'beta');
      const [data] = dataFiles(await paths('alpha'));
      const prefix = basename(data).replace(/Data\.db$/, '');
      const [version, , format] = prefix.split('-');
      for (const path of components([dirname(data)]).filter((p) => basename(p).startsWith(prefix))) {
        copyFileSync(path, join(live, `${version}-9000-${format}-${basename(path).slice(prefix.length)}`));
      }
      await node.loadNewSSTables(ks, 'beta');
      expect(await node.liveSSTableCount(ks, 'beta')).toBe(before + 1);
      expect(await refusal(node.loadNewSSTables('no_such_keyspace', 'beta'))).toMatchObject({
        kind: 'remote',
        message: 'Unknown keyspace no_such_keyspace',
      });
      expect(await refusal(node.loadNewSSTables(ks, 'nope'))).toMatchObject({
        kind: 'remote',
        message: `Unknown keyspace/cf pair (${ks}.nope)`,
      });
    });

    it('truncates: no live SSTable left, and a truncated-<millis>-<table> snapshot keeps them (memtable included)', async () => {
      await target.world.writeRows(ks, 'beta', 20, 3);
      const before = await node.liveSSTableCount(ks, 'beta');
      expect(before).toBeGreaterThan(0);
      await node.truncate(ks, 'beta');
      expect(await node.liveSSTableCount(ks, 'beta')).toBe(0);
      const dirs = await paths('beta');
      expect(dataFiles(dirs)).toEqual([]);
      const snapshots = dirs.flatMap((dir) =>
        existsSync(join(dir, 'snapshots')) ? readdirSync(join(dir, 'snapshots')).map((tag) => join(dir, 'snapshots', tag)) : [],
      );
      expect(new Set(snapshots.map((s) => basename(s))).size).toBe(1);
      expect(basename(snapshots[0])).toMatch(/^truncated-\d+-beta$/);
      expect(dataFiles(snapshots)).toHaveLength(before + 1); // the memtable was flushed into the snapshot
      expect(await refusal(node.truncate('no_such_keyspace', 'beta'))).toMatchObject({
        kind: 'remote',
        message: 'Keyspace no_such_keyspace does not exist',
      });
      expect(await refusal(node.truncate(ks, 'nope'))).toMatchObject({ kind: 'remote', message: `Unknown keyspace/cf pair (${ks}.nope)` });
    });

    it('gives a dropped and re-created table a new live directory; the old one stays, holding a dropped-* snapshot', async () => {
      const old = await paths('alpha');
      await target.world.dropTable(ks, 'alpha');
      expect(await node.tables(ks)).not.toContain('alpha');
      expect((await refusal(node.tableDataPaths(ks, 'alpha'))).kind).toBe('not-found');
      await target.world.createTable(ks, 'alpha');
      const renewed = await paths('alpha');
      expect(renewed).toHaveLength(old.length);
      renewed.forEach((path, i) => expect(path).not.toBe(old[i]));
      expect(await node.liveSSTableCount(ks, 'alpha')).toBe(0);
      expect(old.every((dir) => existsSync(dir))).toBe(true);
      expect(dataFiles(old)).toEqual([]);
      const tags = old.flatMap((dir) => (existsSync(join(dir, 'snapshots')) ? readdirSync(join(dir, 'snapshots')) : []));
      expect(tags.length).toBeGreaterThan(0);
      expect(tags.every((tag) => /^dropped-\d+-alpha$/.test(tag))).toBe(true);
    });

    it('refuses a rebuild from an unknown datacenter or of an unknown keyspace, naming it', async () => {
      expect(await refusal(node.rebuild({ sourceDc: 'nowhere' }))).toMatchObject({
        kind: 'remote',
        message: expect.stringMatching(/^Provided datacenter 'nowhere' is not a valid datacenter, available datacenters are: .*dc1/),
      });
      expect(await refusal(node.rebuild({ keyspace: 'no_such_keyspace' }))).toMatchObject({
        kind: 'remote',
        message: 'Unknown keyspace no_such_keyspace',
      });
    });

    it('lists no compaction when idle; stopping one that is not running is fine', async () => {
      expect(await node.compactions()).toEqual([]);
      await node.stopCompaction('COMPACTION');
    });

    it('drains: memtables flushed, mode DRAINED, a second drain changes nothing', async () => {
      await target.world.writeRows(ks, 'gamma', 10, 4);
      const before = await node.liveSSTableCount(ks, 'gamma');
      await node.drain();
      expect(await node.operationMode()).toBe('DRAINED');
      expect(await node.liveSSTableCount(ks, 'gamma')).toBe(before + 1);
      await node.drain();
      expect(await node.operationMode()).toBe('DRAINED');
    });
  });
}

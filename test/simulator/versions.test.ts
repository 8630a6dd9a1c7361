/**
 * One single-node simulator per Cassandra version (5.0 with the bti format and UUID SSTable ids): the MBean
 * surface compared with reference fixtures written from shared/reference/cassandra.md, signature fidelity
 * (a method the version lacks fails as JMX does), SSTable naming, the snapshot operations whose shape
 * differs between versions (manifest.json, getSnapshotDetails, clearSnapshot, ttl), importNewSSTables (5.0 sees
 * only directories shaped .../<keyspace>/<table>/), loadNewSSTables, and the order in which scrub hands its
 * checkData/reinsertOverflowedTTL flags to the table (swapped on 4.x).
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { JmxError, jmxArgs, JmxValue } from '@daedalus/jmx';
import { makeTempDir, ProcessGroup, removeDir, waitFor } from '../support/processes';
import {
  CassandraVersionFlag,
  COMPACTION_MANAGER,
  SimulatedCluster,
  SimulatedNode,
  SNITCH_INFO,
  startSimulatedCluster,
  STORAGE_SERVICE,
  tableBean,
  tableMetric,
} from '../support/simulator';

const VERSIONS: CassandraVersionFlag[] = ['4.0', '4.1', '5.0'];
const KS = 'app';
const TABLE = 'events';

interface BeanFixture {
  className: string;
  attributes: string[];
  operations: string[];
}

async function failure(p: Promise<unknown>): Promise<JmxError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof JmxError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

function snapshotDir(node: SimulatedNode, tag: string): string {
  const ksDir = join(node.dataDirs[0], KS);
  const tableDir = readdirSync(ksDir).find((d) => d.startsWith(`${TABLE}-`));
  if (!tableDir) throw new Error('table directory missing');
  return join(ksDir, tableDir, 'snapshots', tag);
}

describe.each(VERSIONS)('Cassandra %s simulator', (version) => {
  let dir: string;
  let group: ProcessGroup;
  let cluster: SimulatedCluster;
  let node: SimulatedNode;
  const ss = (op: string, args: Parameters<SimulatedNode['jmx']['invoke']>[2]): Promise<JmxValue> =>
    node.jmx.invoke(STORAGE_SERVICE, op, args);

  beforeAll(async () => {
    dir = makeTempDir(`sim-v${version}`);
    group = new ProcessGroup(dir);
    cluster = await startSimulatedCluster({
      version,
      group,
      baseDir: dir,
      count: 1,
      sstableFormat: version === '5.0' ? 'bti' : 'big',
      uuidSSTableIds: version === '5.0',
      snapshotMinTtlSeconds: 1,
      snapshotCleanupPeriodSeconds: 1,
    });
    node = cluster.nodes[0];
    await node.sim.createKeyspace(KS);
    await node.sim.createTable(KS, TABLE);
  });

  afterAll(async () => {
    await cluster?.close();
    await group?.stopAll();
    if (dir) removeDir(dir);
  });

  it('exposes exactly the MBean surface of the reference fixture', async () => {
    const fixture = JSON.parse(readFileSync(join(__dirname, 'reference', `mbeans-${version}.json`), 'utf8')) as Record<string, BeanFixture>;
    const beans: Record<string, string> = {
      'org.apache.cassandra.db:type=StorageService': STORAGE_SERVICE,
      'org.apache.cassandra.db:type=EndpointSnitchInfo': SNITCH_INFO,
      'org.apache.cassandra.db:type=Tables,keyspace=K,table=T': tableBean(KS, TABLE),
      'org.apache.cassandra.db:type=CompactionManager': COMPACTION_MANAGER,
      'org.apache.cassandra.metrics:type=Table,keyspace=K,scope=T,name=LiveSSTableCount': tableMetric(KS, TABLE, 'LiveSSTableCount'),
    };
    for (const [key, objectName] of Object.entries(beans)) {
      const d = await node.jmx.describe(objectName);
      expect({
        className: d.className,
        attributes: d.attributes.map((a) => `${a.type} ${a.name}${a.writable ? ' (writable)' : ''}`).sort(),
        operations: d.operations.map((o) => `${o.returnType} ${o.name}(${o.params.join(', ')})`).sort(),
      }).toEqual(fixture[key]);
    }
  });

  it('has the version-specific members cassandra.md lists, and lacks the others', async () => {
    const d = await node.jmx.describe(STORAGE_SERVICE);
    const ops = new Set(d.operations.map((o) => `${o.name}(${o.params.join(',')})`));
    const attrs = new Set(d.attributes.map((a) => a.name));
    const has41 = version !== '4.0';
    const has50 = version === '5.0';
    expect(ops.has('getSnapshotDetails(java.util.Map)')).toBe(has41);
    expect(ops.has('upgradeSSTables(java.lang.String,boolean,long,int,[Ljava.lang.String;)')).toBe(has41);
    expect(ops.has('clearSnapshot(java.util.Map,java.lang.String,[Ljava.lang.String;)')).toBe(has50);
    expect(ops.has('rebuild(java.lang.String,java.lang.String,java.lang.String,java.lang.String,boolean)')).toBe(has50);
    expect(attrs.has('HostIdMap')).toBe(!has50);
    for (const always of [
      'takeSnapshot(java.lang.String,java.util.Map,[Ljava.lang.String;)',
      'clearSnapshot(java.lang.String,[Ljava.lang.String;)',
      'truncate(java.lang.String,java.lang.String)',
      'forceKeyspaceFlush(java.lang.String,[Ljava.lang.String;)',
      'forceKeyspaceCleanup(int,java.lang.String,[Ljava.lang.String;)',
      'scrub(boolean,boolean,boolean,boolean,int,java.lang.String,[Ljava.lang.String;)',
      'upgradeSSTables(java.lang.String,boolean,int,[Ljava.lang.String;)',
      'decommission(boolean)',
      'drain()',
      'rebuild(java.lang.String,java.lang.String,java.lang.String,java.lang.String)',
      'getTokens(java.lang.String)',
      'loadNewSSTables(java.lang.String,java.lang.String)',
    ]) {
      expect(ops).toContain(always);
    }
    for (const a of [
      'ClusterName',
      'LocalHostId',
      'SchemaVersion',
      'ReleaseVersion',
      'OperationMode',
      'Keyspaces',
      'NonSystemKeyspaces',
      'Tokens',
      'LiveNodesWithPort',
      'UnreachableNodesWithPort',
      'JoiningNodesWithPort',
      'LeavingNodesWithPort',
      'MovingNodesWithPort',
      'TokenToEndpointWithPortMap',
      'EndpointWithPortToHostId',
      'HostIdToEndpointWithPort',
      'IncrementalBackupsEnabled',
      'Drained',
      'SnapshotDetails',
    ]) {
      expect(attrs).toContain(a);
    }
    const table = await node.jmx.describe(tableBean(KS, TABLE));
    const importParams = table.operations
      .filter((o) => o.name === 'importNewSSTables')
      .map((o) => o.params.length)
      .sort((a, b) => a - b);
    expect(importParams).toEqual(has50 ? [8, 10] : [8]);
    expect(await node.jmx.getAttribute(STORAGE_SERVICE, 'ReleaseVersion')).toBe(
      { '4.0': '4.0.14', '4.1': '4.1.7', '5.0': '5.0.2' }[version],
    );
  });

  it('refuses a method the version lacks exactly as JMX does', async () => {
    // a getter with no arguments is an attribute, never an operation
    expect((await failure(ss('getClusterName', []))).kind).toBe('signature');
    if (version === '4.0') {
      expect((await failure(ss('getSnapshotDetails', [jmxArgs.map({})]))).kind).toBe('signature');
    }
    if (version !== '5.0') {
      const e = await failure(ss('clearSnapshot', [{ type: 'java.util.Map', value: {} }, jmxArgs.string('x'), jmxArgs.stringArray([])]));
      expect(e.kind).toBe('signature');
      const rebuild5 = [null, null, null, null].map((v) => jmxArgs.string(v)).concat([jmxArgs.bool(false)]);
      expect((await failure(ss('rebuild', rebuild5))).kind).toBe('signature');
    } else {
      const e = await failure(node.jmx.getAttribute(STORAGE_SERVICE, 'HostIdMap'));
      expect(['signature', 'not-found']).toContain(e.kind);
      expect(e.message).toMatch(/HostIdMap/);
    }
  });

  it('names SSTables the way this version writes them', async () => {
    await node.sim.writeRows(KS, TABLE, 200, 1);
    await ss('forceKeyspaceFlush', [jmxArgs.string(KS), jmxArgs.stringArray([TABLE])]);
    const [data] = await node.sim.liveSSTables(KS, TABLE);
    const name = basename(data);
    const tableDir = join(data, '..');
    if (version === '5.0') {
      expect(name).toMatch(/^da-[0-9a-z]{4}_[0-9a-z]{4}_[0-9a-z]{18}-bti-Data\.db$/);
      const prefix = name.replace('Data.db', '');
      const files = readdirSync(tableDir)
        .filter((f) => f.startsWith(prefix))
        .map((f) => f.slice(prefix.length))
        .sort();
      expect(files).toEqual([
        'CompressionInfo.db',
        'Data.db',
        'Digest.crc32',
        'Filter.db',
        'Partitions.db',
        'Rows.db',
        'Statistics.db',
        'TOC.txt',
      ]);
      expect(statSync(join(tableDir, `${prefix}Rows.db`)).size).toBe(0);
      expect(statSync(join(tableDir, `${prefix}Partitions.db`)).size).toBeGreaterThan(0);
    } else {
      expect(name).toBe('nb-1-big-Data.db');
    }
  });

  it('takeSnapshot hard-links the SSTables and writes the manifest and schema.cql of this version', async () => {
    await ss('takeSnapshot', [jmxArgs.string('snap1'), jmxArgs.map({}), jmxArgs.stringArray([KS])]);
    const snap = snapshotDir(node, 'snap1');
    const [data] = await node.sim.liveSSTables(KS, TABLE);
    const linked = join(snap, basename(data));
    expect(statSync(linked).ino).toBe(statSync(data).ino);
    expect(statSync(data).nlink).toBeGreaterThanOrEqual(2);
    const manifest = JSON.parse(readFileSync(join(snap, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    const keys = {
      '4.0': ['files'],
      '4.1': ['files', 'created_at', 'expires_at'],
      '5.0': ['files', 'created_at', 'expires_at', 'ephemeral'],
    };
    expect(Object.keys(manifest)).toEqual(keys[version]);
    expect(manifest.files).toEqual([basename(data)]);
    if (version !== '4.0') {
      expect(Date.parse(String(manifest.created_at))).toBeGreaterThan(Date.now() - 60_000);
      expect(manifest.expires_at).toBeNull();
    }
    if (version === '5.0') expect(manifest.ephemeral).toBe(false);
    const tableId = basename(join(snap, '..', '..')).split('-')[1];
    const schema = readFileSync(join(snap, 'schema.cql'), 'utf8');
    expect(schema).toContain(`CREATE TABLE IF NOT EXISTS ${KS}.${TABLE} (`);
    expect(schema.replace(/-/g, '')).toContain(`WITH ID = ${tableId}`);
  });

  it('fails like Cassandra on a repeated tag, in both entity forms', async () => {
    const again = await failure(ss('takeSnapshot', [jmxArgs.string('snap1'), jmxArgs.map({}), jmxArgs.stringArray([KS])]));
    expect(again.message).toContain('Snapshot snap1 already exists');
    const tableForm = await failure(
      ss('takeSnapshot', [jmxArgs.string('snap1'), jmxArgs.map({}), jmxArgs.stringArray([`${KS}.${TABLE}`])]),
    );
    expect(tableForm.message).toContain('already exists');
    const unknown = await failure(ss('takeSnapshot', [jmxArgs.string('s9'), jmxArgs.map({}), jmxArgs.stringArray(['nope'])]));
    expect(unknown.message).toMatch(/Keyspace nope does not exist/);
  });

  it('honours skipFlush: unflushed rows stay out of the snapshot', async () => {
    await node.sim.writeRows(KS, TABLE, 10, 2);
    const before = (await node.sim.liveSSTables(KS, TABLE)).length;
    await ss('takeSnapshot', [jmxArgs.string('noflush'), jmxArgs.map({ skipFlush: 'true' }), jmxArgs.stringArray([`${KS}.${TABLE}`])]);
    expect(await node.sim.liveSSTables(KS, TABLE)).toHaveLength(before);
    const manifest = JSON.parse(readFileSync(join(snapshotDir(node, 'noflush'), 'manifest.json'), 'utf8')) as { files: string[] };
    expect(manifest.files).toHaveLength(before);
    await ss('takeSnapshot', [jmxArgs.string('flushed'), jmxArgs.map({}), jmxArgs.stringArray([`${KS}.${TABLE}`])]);
    expect(await node.sim.liveSSTables(KS, TABLE)).toHaveLength(before + 1);
  });

  it('reports snapshot details as an attribute in 4.0 and an operation from 4.1', async () => {
    const details = (
      version === '4.0'
        ? await node.jmx.getAttribute(STORAGE_SERVICE, 'SnapshotDetails')
        : await ss('getSnapshotDetails', [jmxArgs.map({})])
    ) as Record<string, Array<Record<string, string>>>;
    expect(Object.keys(details)).toEqual(expect.arrayContaining(['snap1', 'noflush', 'flushed']));
    const row = details.snap1.find((r) => r['Keyspace name'] === KS);
    expect(row).toBeDefined();
    const columns = ['Snapshot name', 'Keyspace name', 'Column family name', 'True size', 'Size on disk'];
    if (version !== '4.0') columns.push('Creation time', 'Expiration time');
    if (version === '5.0') columns.push('Ephemeral');
    expect(Object.keys(row ?? {}).sort()).toEqual([...columns].sort());
    expect(row?.['Column family name']).toBe(TABLE);
    expect(row?.['Size on disk']).toMatch(/^[\d.]+ (bytes|KiB|MiB)$/);
  });

  it('clears snapshots with the clearSnapshot forms of this version', async () => {
    await ss('clearSnapshot', [jmxArgs.string('noflush'), jmxArgs.stringArray([KS])]);
    expect(() => statSync(snapshotDir(node, 'noflush'))).toThrow();
    expect(statSync(snapshotDir(node, 'snap1')).isDirectory()).toBe(true);
    if (version === '5.0') {
      const opts = (v: Record<string, string>) => ({ type: 'java.util.Map', value: v });
      // nothing is older than a day: nothing goes
      await ss('clearSnapshot', [opts({ older_than: '1d' }), jmxArgs.string(''), jmxArgs.stringArray([KS])]);
      expect(statSync(snapshotDir(node, 'snap1')).isDirectory()).toBe(true);
      await ss('clearSnapshot', [
        opts({ older_than_timestamp: new Date(Date.now() + 60_000).toISOString() }),
        jmxArgs.string('snap1'),
        jmxArgs.stringArray([]),
      ]);
      expect(() => statSync(snapshotDir(node, 'snap1'))).toThrow();
    } else {
      await ss('clearSnapshot', [jmxArgs.string('snap1'), jmxArgs.stringArray([])]);
      expect(() => statSync(snapshotDir(node, 'snap1'))).toThrow();
    }
    // an empty tag clears every snapshot of the keyspace
    await ss('clearSnapshot', [jmxArgs.string(''), jmxArgs.stringArray([KS])]);
    expect(() => statSync(snapshotDir(node, 'flushed'))).toThrow();
  });

  it(version === '4.0' ? 'ignores ttl (4.0 has none)' : 'expires a snapshot taken with a ttl', async () => {
    // 5 s, not 2 s: the snapshot (cleanup period 1 s) must still exist when its manifest is read just below,
    // and a stalled JMX answer on a loaded machine could take longer than 2 s to come back
    await ss('takeSnapshot', [jmxArgs.string('short'), jmxArgs.map({ ttl: '5s' }), jmxArgs.stringArray([KS])]);
    const manifest = JSON.parse(readFileSync(join(snapshotDir(node, 'short'), 'manifest.json'), 'utf8')) as Record<string, unknown>;
    if (version === '4.0') {
      expect(manifest.expires_at).toBeUndefined();
      return;
    }
    expect(Date.parse(String(manifest.expires_at)) - Date.parse(String(manifest.created_at))).toBe(5000);
    await waitFor(
      'the expired snapshot to be cleared',
      () => {
        try {
          statSync(snapshotDir(node, 'short'));
          return false;
        } catch {
          return true;
        }
      },
      30_000,
    );
    const tooShort = await failure(ss('takeSnapshot', [jmxArgs.string('bad'), jmxArgs.map({ ttl: 'soon' }), jmxArgs.stringArray([KS])]));
    expect(tooShort.message).toMatch(/Invalid duration: soon/);
  });

  it('truncates and restores through importNewSSTables with the signature of this version', async () => {
    await node.sim.writeRows(KS, TABLE, 50, 3);
    await ss('takeSnapshot', [jmxArgs.string('before-truncate'), jmxArgs.map({}), jmxArgs.stringArray([KS])]);
    const expected = await node.sim.checksum(KS, TABLE);
    const snap = snapshotDir(node, 'before-truncate');
    const staging = join(dir, 'staging');
    mkdirSync(staging);
    for (const f of readdirSync(snap).filter((x) => /-(big|bti)-/.test(x))) copyFileSync(join(snap, f), join(staging, f));
    await ss('truncate', [jmxArgs.string(KS), jmxArgs.string(TABLE)]);
    expect(await node.sim.rowCount(KS, TABLE)).toBe(0);
    const flags = (n: number) => Array.from({ length: n }, (_, i) => jmxArgs.bool(i === 2));
    const importFrom = (d: string) =>
      node.jmx.invoke(tableBean(KS, TABLE), 'importNewSSTables', [jmxArgs.set([d]), ...flags(version === '5.0' ? 9 : 7)]);
    if (version === '5.0') {
      // 5.0 sees nothing in a directory not shaped .../<keyspace>/<table>/, and still reports no failure
      expect(await importFrom(staging)).toEqual([]);
      expect(await node.sim.rowCount(KS, TABLE)).toBe(0);
      expect(readdirSync(staging).length).toBeGreaterThan(0);
      expect(node.process.output()).toContain(`No new SSTables were found for ${KS}/${TABLE}`);
      const shaped = join(dir, 'restore', KS, TABLE);
      mkdirSync(shaped, { recursive: true });
      for (const f of readdirSync(staging)) renameSync(join(staging, f), join(shaped, f));
      expect(await importFrom(shaped)).toEqual([]);
      expect(readdirSync(shaped)).toEqual([]);
    } else {
      expect(await importFrom(staging)).toEqual([]);
      expect(readdirSync(staging)).toEqual([]);
    }
    expect(await node.sim.checksum(KS, TABLE)).toBe(expected);
  });

  it("loadNewSSTables still loads from the table's own directories", async () => {
    const live = await node.sim.liveSSTables(KS, TABLE);
    const tableDir = join(live[0], '..');
    const copied = join(dir, 'reload');
    mkdirSync(copied);
    for (const data of live) {
      const prefix = basename(data).replace('Data.db', '');
      for (const f of readdirSync(tableDir).filter((x) => x.startsWith(prefix))) copyFileSync(join(tableDir, f), join(copied, f));
    }
    const sum = await node.sim.checksum(KS, TABLE);
    await ss('truncate', [jmxArgs.string(KS), jmxArgs.string(TABLE)]);
    expect(await node.sim.rowCount(KS, TABLE)).toBe(0);
    for (const f of readdirSync(copied)) copyFileSync(join(copied, f), join(tableDir, f));
    await ss('loadNewSSTables', [jmxArgs.string(KS), jmxArgs.string(TABLE)]);
    expect(await node.sim.checksum(KS, TABLE)).toBe(sum);
  });

  it(
    version === '5.0'
      ? 'scrub hands checkData and reinsertOverflowedTTL to the table in order, and has no short form'
      : 'scrub hands checkData and reinsertOverflowedTTL to the table swapped, in every form (upstream bug)',
    async () => {
      await node.sim.writeRows(KS, TABLE, 20, 9);
      await ss('forceKeyspaceFlush', [jmxArgs.string(KS), jmxArgs.stringArray([TABLE])]);
      const sum = await node.sim.checksum(KS, TABLE);
      const reinsertLogs = () => (node.process.output().match(/Starting scrub with reinsert overflowed TTL option/g) ?? []).length;
      const b = jmxArgs.bool;
      const target = [jmxArgs.string(KS), jmxArgs.stringArray([TABLE])];
      const swapped = version !== '5.0';
      const asReceived = (checkData: boolean, reinsert: boolean) =>
        swapped ? `checkData=${reinsert},reinsertOverflowedTTL=${checkData}` : `checkData=${checkData},reinsertOverflowedTTL=${reinsert}`;

      let before = reinsertLogs();
      await ss('scrub', [b(true), b(false), b(true), b(false), jmxArgs.int(0), ...target]);
      expect(await node.sim.lastScrubOptions()).toBe(asReceived(true, false));
      // the node says so when the flag the table got is true: on 4.x, for checkData=true
      if (swapped) expect(reinsertLogs()).toBeGreaterThan(before);
      else expect(reinsertLogs()).toBe(before);

      before = reinsertLogs();
      await ss('scrub', [b(true), b(false), b(false), b(true), jmxArgs.int(0), ...target]);
      expect(await node.sim.lastScrubOptions()).toBe(asReceived(false, true));
      if (swapped) expect(reinsertLogs()).toBe(before);
      else expect(reinsertLogs()).toBeGreaterThan(before);

      // the deprecated forms route through the 7-argument one (reinsertOverflowedTTL false)
      await ss('scrub', [b(true), b(false), b(true), jmxArgs.int(0), ...target]);
      expect(await node.sim.lastScrubOptions()).toBe(asReceived(true, false));
      await ss('scrub', [b(true), b(false), b(false), ...target]);
      expect(await node.sim.lastScrubOptions()).toBe(asReceived(false, false));
      if (swapped) {
        await ss('scrub', [b(true), b(false), ...target]);
        expect(await node.sim.lastScrubOptions()).toBe(asReceived(true, false));
      } else {
        expect((await failure(ss('scrub', [b(true), b(false), ...target]))).kind).toBe('signature');
      }
      expect(await node.sim.checksum(KS, TABLE)).toBe(sum);
    },
  );
});

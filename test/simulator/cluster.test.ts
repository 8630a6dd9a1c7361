/**
 * A two-node 4.1 cluster: start-up contract (READY line, cassandra.yaml), membership through the cluster dir,
 * StorageService attributes, EndpointSnitchInfo, flush writing real SSTables, checksum/rowCount, restart
 * keeping identity, crash + commit log replay, and a peer going down.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { jmxArgs } from '@daedalus/jmx';
import { makeTempDir, ProcessGroup, removeDir, waitFor } from '../support/processes';
import { SimulatedCluster, SNITCH_INFO, startSimulatedCluster, STORAGE_SERVICE } from '../support/simulator';

describe('simulated cluster (Cassandra 4.1)', () => {
  let dir: string;
  let group: ProcessGroup;
  let cluster: SimulatedCluster;

  beforeAll(async () => {
    dir = makeTempDir('sim-cluster');
    group = new ProcessGroup(dir);
    cluster = await startSimulatedCluster({
      version: '4.1',
      group,
      baseDir: dir,
      nodes: [
        { dc: 'dc1', rack: 'r1' },
        { dc: 'dc2', rack: 'r2' },
      ],
      clusterName: 'Sim Cluster',
      numTokens: 4,
    });
  });

  afterAll(async () => {
    await cluster?.close();
    await group?.stopAll();
    if (dir) removeDir(dir);
  });

  const ss = (i: number, attr: string) => cluster.nodes[i].jmx.getAttribute(STORAGE_SERVICE, attr);

  it('prints the READY line and writes cassandra.yaml the agent can read', () => {
    const [n1] = cluster.nodes;
    expect(n1.process.output()).toMatch(
      new RegExp(`^SIMULATOR READY hostId=${n1.hostId} jmx=127\\.0\\.0\\.1:${n1.jmxPort} address=127\\.0\\.0\\.1$`, 'm'),
    );
    const yaml = readFileSync(join(n1.configDir, 'cassandra.yaml'), 'utf8');
    expect(yaml).toContain("cluster_name: 'Sim Cluster'");
    expect(yaml).toContain(`data_file_directories:\n    - ${n1.dataDirs[0]}\n`);
    expect(yaml).toContain(`commitlog_directory: ${n1.commitLogDir}`);
    expect(yaml).toMatch(/^num_tokens: 4$/m);
    expect(yaml).toMatch(/^storage_port: 7000$/m);
    expect(yaml).toMatch(/^auto_snapshot: true$/m);
    expect(yaml).toMatch(/^uuid_sstable_identifiers_enabled: false$/m);
    const archiving = readFileSync(join(n1.configDir, 'commitlog_archiving.properties'), 'utf8');
    expect(archiving).toMatch(/^archive_command=$/m);
    expect(archiving).toMatch(/^restore_point_in_time=$/m);
  });

  it('serves the StorageService identity attributes', async () => {
    const [n1, n2] = cluster.nodes;
    expect(await ss(0, 'ClusterName')).toBe('Sim Cluster');
    expect(await ss(0, 'LocalHostId')).toBe(n1.hostId);
    expect(await ss(1, 'LocalHostId')).toBe(n2.hostId);
    expect(await ss(0, 'ReleaseVersion')).toBe('4.1.7');
    expect(await ss(0, 'OperationMode')).toBe('NORMAL');
    const tokens = await ss(0, 'Tokens');
    expect(Array.isArray(tokens) && tokens.length).toBe(4);
    expect(await ss(0, 'Keyspaces')).toEqual(
      expect.arrayContaining(['system', 'system_schema', 'system_auth', 'system_distributed', 'system_traces']),
    );
    // like Cassandra, the replicated system keyspaces count as non-system here
    expect(await ss(0, 'NonSystemKeyspaces')).toEqual(['system_auth', 'system_distributed', 'system_traces']);
  });

  it('publishes membership: both nodes live, maps of tokens and host ids agree on every node', async () => {
    const [n1, n2] = cluster.nodes;
    for (const i of [0, 1]) {
      expect(await ss(i, 'LiveNodesWithPort')).toEqual(['127.0.0.1:7000', '127.0.0.2:7000']);
      expect(await ss(i, 'UnreachableNodesWithPort')).toEqual([]);
      expect(await ss(i, 'EndpointWithPortToHostId')).toEqual({
        '127.0.0.1:7000': n1.hostId,
        '127.0.0.2:7000': n2.hostId,
      });
      expect(await ss(i, 'HostIdToEndpointWithPort')).toEqual({
        [n1.hostId]: '127.0.0.1:7000',
        [n2.hostId]: '127.0.0.2:7000',
      });
    }
    const ring = (await ss(0, 'TokenToEndpointWithPortMap')) as Record<string, string>;
    expect(Object.keys(ring)).toHaveLength(8);
    const own = (await ss(0, 'Tokens')) as string[];
    for (const t of own) expect(ring[t]).toBe('127.0.0.1:7000');
    expect(await cluster.nodes[1].jmx.invoke(STORAGE_SERVICE, 'getTokens', [jmxArgs.string('127.0.0.1')])).toEqual(own);
  });

  it('answers EndpointSnitchInfo for itself and for peers', async () => {
    const jmx = cluster.nodes[0].jmx;
    expect(await jmx.getAttribute(SNITCH_INFO, 'Datacenter')).toBe('dc1');
    expect(await jmx.getAttribute(SNITCH_INFO, 'Rack')).toBe('r1');
    expect(await jmx.invoke(SNITCH_INFO, 'getDatacenter', [jmxArgs.string('127.0.0.2')])).toBe('dc2');
    expect(await jmx.invoke(SNITCH_INFO, 'getRack', [jmxArgs.string('127.0.0.2')])).toBe('r2');
  });

  it('shares the schema: a table created on one node exists on both, with one schema version', async () => {
    const [n1, n2] = cluster.nodes;
    const before = await ss(0, 'SchemaVersion');
    await n1.sim.createKeyspace('shop', { class: 'NetworkTopologyStrategy', dc1: '1', dc2: '1' });
    await n1.sim.createTable('shop', 'orders');
    const version = await cluster.waitForSchemaAgreement();
    expect(version).not.toBe(before);
    expect(await ss(1, 'NonSystemKeyspaces')).toContain('shop');
    await waitFor(
      'table MBean on node 2',
      async () => (await n2.jmx.queryNames('org.apache.cassandra.db:type=Tables,keyspace=shop,*')).length === 1,
    );
    expect(await n2.jmx.queryNames('org.apache.cassandra.db:type=ColumnFamilies,keyspace=shop,*')).toEqual([
      'org.apache.cassandra.db:type=ColumnFamilies,keyspace=shop,columnfamily=orders',
    ]);
    await expect(n2.sim.createTable('shop', 'orders')).rejects.toThrow(/already existing table/);
  });

  it('flush turns pending rows into a complete SSTable whose Digest.crc32 is the CRC32 of Data.db', async () => {
    const n1 = cluster.nodes[0];
    await n1.sim.writeRows('shop', 'orders', 500, 7);
    // rows in the memtable are not durable files yet: they are not counted
    expect(await n1.sim.rowCount('shop', 'orders')).toBe(0);
    expect(await n1.sim.memtableRows('shop', 'orders')).toBe(500);
    await n1.jmx.invoke(STORAGE_SERVICE, 'forceKeyspaceFlush', [jmxArgs.string('shop'), jmxArgs.stringArray(['orders'])]);
    expect(await n1.sim.rowCount('shop', 'orders')).toBe(500);
    const [dataFile] = await n1.sim.liveSSTables('shop', 'orders');
    expect(basename(dataFile)).toBe('nb-1-big-Data.db');
    const tableDir = join(dataFile, '..');
    expect(basename(tableDir)).toMatch(/^orders-[0-9a-f]{32}$/);
    expect(join(tableDir, '..')).toBe(join(n1.dataDirs[0], 'shop'));
    const files = readdirSync(tableDir)
      .filter((f) => f.startsWith('nb-1-big-'))
      .sort();
    const components = ['CompressionInfo.db', 'Data.db', 'Digest.crc32', 'Filter.db', 'Index.db', 'Statistics.db', 'Summary.db', 'TOC.txt'];
    expect(files).toEqual(components.map((c) => `nb-1-big-${c}`));
    const toc = readFileSync(join(tableDir, 'nb-1-big-TOC.txt'), 'utf8').trim().split('\n').sort();
    expect(toc).toEqual(components);
    const data = readFileSync(dataFile);
    expect(statSync(dataFile).size).toBeGreaterThan(500 * 50);
    expect(readFileSync(join(tableDir, 'nb-1-big-Digest.crc32'), 'utf8')).toBe(String(crc32(data)));
    // the other node holds none of these rows: rows are node-local
    expect(await cluster.nodes[1].sim.rowCount('shop', 'orders')).toBe(0);
  });

  it('checksum is the same for the same content, whatever the SSTable layout', async () => {
    const [n1, n2] = cluster.nodes;
    await n2.sim.writeRows('shop', 'orders', 300, 7);
    await n2.jmx.invoke(STORAGE_SERVICE, 'forceKeyspaceFlush', [jmxArgs.string('shop'), jmxArgs.stringArray([])]);
    await n2.sim.writeRows('shop', 'orders', 500, 7); // overlaps the first 300 keys with identical values
    await n2.jmx.invoke(STORAGE_SERVICE, 'forceKeyspaceFlush', [jmxArgs.string('shop'), jmxArgs.stringArray([])]);
    expect(await n2.sim.liveSSTables('shop', 'orders')).toHaveLength(2);
    expect(await n2.sim.rowCount('shop', 'orders')).toBe(500);
    const sum = await n1.sim.checksum('shop', 'orders');
    expect(sum).toMatch(/^[0-9a-f]{64}$/);
    expect(await n2.sim.checksum('shop', 'orders')).toBe(sum);
    expect(sum).not.toBe(createHash('sha256').digest('hex'));
    // a newer write of a key wins over the older one
    await n2.sim.writeRow('shop', 'orders', 'key-7-00000001', 'changed');
    await n2.jmx.invoke(STORAGE_SERVICE, 'forceKeyspaceFlush', [jmxArgs.string('shop'), jmxArgs.stringArray([])]);
    expect(await n2.sim.readRow('shop', 'orders', 'key-7-00000001')).toBe('changed');
    expect(await n2.sim.rowCount('shop', 'orders')).toBe(500);
    expect(await n2.sim.checksum('shop', 'orders')).not.toBe(sum);
  });

  it('maps each token range to its replicas as getRangeToEndpointWithPortMap does, ranges wrapping around the ring', async () => {
    const ranges = (await cluster.nodes[0].jmx.invoke(STORAGE_SERVICE, 'getRangeToEndpointWithPortMap', [
      jmxArgs.string('shop'),
    ])) as Record<string, string[]>;
    const ring = Object.keys((await ss(0, 'TokenToEndpointWithPortMap')) as Record<string, string>)
      .map(BigInt)
      .sort((a, b) => (a < b ? -1 : 1))
      .map(String);
    // Map<List<String>, List<String>>: the JMX bridge writes each key as Java's "[start, end]"
    const expected = ring.map((end, i) => `[${ring[(i + ring.length - 1) % ring.length]}, ${end}]`);
    expect(Object.keys(ranges).sort()).toEqual(expected.sort());
    // NetworkTopologyStrategy dc1: 1, dc2: 1 on one node per dc: both nodes replicate every range
    for (const replicas of Object.values(ranges)) expect([...replicas].sort()).toEqual(['127.0.0.1:7000', '127.0.0.2:7000']);
    const legacy = (await cluster.nodes[1].jmx.invoke(STORAGE_SERVICE, 'getRangeToEndpointMap', [jmxArgs.string('shop')])) as Record<
      string,
      string[]
    >;
    expect(Object.values(legacy)[0].sort()).toEqual(['127.0.0.1', '127.0.0.2']);
    await expect(cluster.nodes[0].jmx.invoke(STORAGE_SERVICE, 'getRangeToEndpointWithPortMap', [jmxArgs.string('nope')])).rejects.toThrow(
      /Unknown keyspace nope/,
    );
  });

  it('keeps its identity over a restart and replays the commit log after a crash', async () => {
    const n1 = cluster.nodes[0];
    await n1.sim.writeRows('shop', 'orders', 50, 99);
    const before = await n1.sim.rowCount('shop', 'orders');
    await n1.sim.crash();
    await n1.process.exited;
    await cluster.restartNode(n1);
    expect(await ss(0, 'LocalHostId')).toBe(n1.hostId);
    // the 50 unflushed rows came back from the commit log and were flushed at start-up
    expect(await n1.sim.rowCount('shop', 'orders')).toBe(before + 50);
  });

  it('sees a stopped peer as unreachable, and live again after it restarts', async () => {
    const n2 = cluster.nodes[1];
    await cluster.stopNode(n2, 'SIGKILL');
    await waitFor(
      'node 2 unreachable',
      async () => {
        const down = (await ss(0, 'UnreachableNodesWithPort')) as string[];
        return down.length === 1 && down[0] === '127.0.0.2:7000';
      },
      30_000,
    );
    expect(await ss(0, 'LiveNodesWithPort')).toEqual(['127.0.0.1:7000']);
    // still in the ring while down
    expect(Object.keys((await ss(0, 'EndpointWithPortToHostId')) as Record<string, string>)).toHaveLength(2);
    await cluster.restartNode(n2);
    await waitFor('node 2 live again', async () => ((await ss(0, 'LiveNodesWithPort')) as string[]).length === 2, 30_000);
  });
});

/**
 * The agent's JmxCassandraNode against simulated Cassandra 4.0, 4.1 and 5.0 nodes, whose MBeans have exactly
 * the signatures of each release: every node operation must pick the form its version has (upgradeSSTables
 * with or without maxSSTableTimestamp, rebuild with 4 or 5 arguments, importNewSSTables with 8 or 10).
 * A wrong signature fails with a JMX signature error, so each call succeeding and doing its work is the proof.
 * Then the CassandraNode contract suite (the one FakeCassandraNode passes too) on one node of each version with
 * two data directories.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { JmxBridgeClient } from '@daedalus/jmx';
import { JmxCassandraNode } from '../../apps/node-agent/src/cassandra/jmx-cassandra-node';
import { makeTempDir, ProcessGroup, removeDir } from '../support/processes';
import { CassandraVersionFlag, SimulatedCluster, SimulatedNode, startSimulatedCluster } from '../support/simulator';
import { runCassandraNodeContract } from './cassandra-node-contract';

const RELEASES: Record<CassandraVersionFlag, string> = { '4.0': '4.0.14', '4.1': '4.1.7', '5.0': '5.0.2' };
const IMPORT_OPTIONS = {
  resetLevel: true,
  clearRepaired: true,
  verifySSTables: true,
  verifyTokens: true,
  invalidateCaches: true,
  extendedVerify: false,
  copyData: false,
};

describe.each(['4.0', '4.1', '5.0'] as const)('JmxCassandraNode on Cassandra %s', (version) => {
  let dir: string;
  let group: ProcessGroup;
  let cluster: SimulatedCluster;
  let n1: SimulatedNode;
  let n2: SimulatedNode;
  let node1: JmxCassandraNode;
  let node2: JmxCassandraNode;

  beforeAll(async () => {
    dir = makeTempDir(`agent-jmx-${version}`);
    group = new ProcessGroup(dir);
    cluster = await startSimulatedCluster({ version, group, baseDir: dir, count: 2 });
    [n1, n2] = cluster.nodes;
    node1 = new JmxCassandraNode(new JmxBridgeClient({ host: '127.0.0.1', port: n1.jmxPort }));
    node2 = new JmxCassandraNode(new JmxBridgeClient({ host: '127.0.0.1', port: n2.jmxPort }));
    await n1.sim.createKeyspace('ks', { class: 'NetworkTopologyStrategy', dc1: '2' });
    for (const table of ['t', 'u']) await n1.sim.createTable('ks', table);
    await cluster.waitForSchemaAgreement();
    await n1.sim.writeRows('ks', 't', 120, 1);
    await n1.sim.writeRows('ks', 'u', 80, 2);
  });

  afterAll(async () => {
    await Promise.all([node1, node2].map((n) => n?.close().catch(() => undefined)));
    await cluster?.close();
    await group?.stopAll();
    if (dir) removeDir(dir);
  });

  it('reads the release, the schema and an idle CompactionManager', async () => {
    expect(await node1.releaseVersion()).toBe(RELEASES[version]);
    const schema = await node1.schema();
    expect(schema.ks).toEqual(['t', 'u']);
    expect(Object.keys(schema)).toContain('system');
    expect(await node1.compactions()).toEqual([]);
  });

  it('flushes, then cleanup, scrub and upgradesstables (all SSTables) rewrite with status SUCCESSFUL', async () => {
    await node1.flush('ks', []);
    const sum = await n1.sim.checksum('ks', 't');
    let before = await n1.sim.liveSSTables('ks', 't');
    expect(before.length).toBeGreaterThan(0);
    expect(await node1.cleanup('ks', ['t'], 0)).toBe(0);
    expect(
      await node1.scrub('ks', ['t'], {
        disableSnapshot: true,
        skipCorrupted: false,
        checkData: true,
        reinsertOverflowedTTL: false,
        jobs: 0,
      }),
    ).toBe(0);
    // 4.x swaps the two flags on their way to the table; the agent swaps them first, so the table gets what was asked
    expect(await n1.sim.lastScrubOptions()).toBe('checkData=true,reinsertOverflowedTTL=false');
    expect(
      await node1.scrub('ks', ['t'], {
        disableSnapshot: true,
        skipCorrupted: false,
        checkData: false,
        reinsertOverflowedTTL: true,
        jobs: 0,
      }),
    ).toBe(0);
    expect(await n1.sim.lastScrubOptions()).toBe('checkData=false,reinsertOverflowedTTL=true');
    let after = await n1.sim.liveSSTables('ks', 't');
    expect(after.some((f) => before.includes(f))).toBe(false);
    before = after;
    expect(await node1.upgradeSSTables('ks', ['t'], { excludeCurrentVersion: false, jobs: 0 })).toBe(0);
    after = await n1.sim.liveSSTables('ks', 't');
    expect(after.some((f) => before.includes(f))).toBe(false);
    expect(await n1.sim.checksum('ks', 't')).toBe(sum);
  });

  it('imports a staged SSTable with the importNewSSTables form of the version, and refreshes a dropped-in one', async () => {
    const [dataFile] = await n1.sim.liveSSTables('ks', 'u');
    const prefix = basename(dataFile).replace(/Data\.db$/, '');
    // shaped <keyspace>/<table>: Cassandra 5.0 ignores SSTables in any other directory
    const staging = join(dir, 'staging', 'ks', 'u');
    mkdirSync(staging, { recursive: true });
    for (const f of readdirSync(dirname(dataFile)).filter((x) => x.startsWith(prefix)))
      copyFileSync(join(dirname(dataFile), f), join(staging, f));
    expect(await node2.importNewSSTables('ks', 'u', [staging], IMPORT_OPTIONS)).toEqual([]);
    expect(await n2.sim.rowCount('ks', 'u')).toBe(80);
    // the live directories and live SSTable count the agent proves loads with
    const dataPaths = await node2.tableDataPaths('ks', 'u');
    expect(dataPaths).toHaveLength(n2.dataDirs.length);
    expect(dataPaths.every((path, i) => dirname(path) === join(n2.dataDirs[i], 'ks') && /^u-[0-9a-f]{32}$/.test(basename(path)))).toBe(
      true,
    );
    expect(await node2.liveSSTableCount('ks', 'u')).toBe((await n2.sim.liveSSTables('ks', 'u')).length);

    // refresh: the same SSTable dropped into table t's own directory under an unused generation
    const [imported] = await n2.sim.liveSSTables('ks', 'u');
    const importedPrefix = basename(imported).replace(/Data\.db$/, '');
    const [release, , format] = importedPrefix.split('-');
    const ksDir = join(n2.dataDirs[0], 'ks');
    const tableDir = join(ksDir, readdirSync(ksDir).find((n) => n.startsWith('t-')) ?? 'missing');
    for (const f of readdirSync(dirname(imported)).filter((x) => x.startsWith(importedPrefix))) {
      copyFileSync(join(dirname(imported), f), join(tableDir, `${release}-700-${format}-${f.slice(importedPrefix.length)}`));
    }
    await node2.loadNewSSTables('ks', 't');
    expect(await n2.sim.rowCount('ks', 't')).toBe(80);
  });

  it('rebuilds from the other node with the rebuild form of the version', async () => {
    await node2.rebuild({ sourceDc: 'dc1', keyspace: 'ks' });
    // node 1's 120 rows of t arrive beside the 80 refreshed ones
    expect(await n2.sim.rowCount('ks', 't')).toBe(120 + 80);
    expect(await n2.sim.rowCount('ks', 'u')).toBe(80);
  });

  it('truncates cluster-wide, then drains', async () => {
    await node1.truncate('ks', 'u');
    expect(await n1.sim.rowCount('ks', 'u')).toBe(0);
    expect(await n2.sim.rowCount('ks', 'u')).toBe(0);
    await node2.drain();
    expect(await node2.operationMode()).toBe('DRAINED');
    expect((await node1.clusterNodes()).find((n) => n.hostId === n2.hostId)).toMatchObject({ dc: 'dc1', rack: 'rack1' });
  });
});

for (const version of ['4.0', '4.1', '5.0'] as const) {
  runCassandraNodeContract(`JmxCassandraNode on simulated Cassandra ${version}`, async () => {
    const dir = makeTempDir(`agent-contract-${version}`);
    const group = new ProcessGroup(dir);
    try {
      const cluster = await startSimulatedCluster({ version, group, baseDir: dir, nodes: [{ dataDirCount: 2 }] });
      const [sim] = cluster.nodes;
      const node = new JmxCassandraNode(new JmxBridgeClient({ host: '127.0.0.1', port: sim.jmxPort }));
      return {
        node,
        world: sim.sim,
        dataDirectories: sim.dataDirs,
        version,
        scratch: join(dir, 'scratch'),
        teardown: async () => {
          await node.close().catch(() => undefined);
          await cluster.close();
          await group.stopAll();
          removeDir(dir);
        },
      };
    } catch (error) {
      await group.stopAll();
      throw error;
    }
  });
}

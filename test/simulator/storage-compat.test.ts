/**
 * 5.0's storage_compatibility_mode: real 5.0.2 ships CASSANDRA_4, which writes `nb` big SSTables; UPGRADING
 * does too; NONE writes `oa`; bti is `da` whatever the mode. upgradesstables' "current version" follows the
 * mode. The flag is refused before 5.0.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { jmxArgs } from '@daedalus/jmx';
import { makeTempDir, ProcessGroup, removeDir } from '../support/processes';
import {
  ensureSimulatorBuilt,
  SimulatedCluster,
  SimulatedNode,
  startSimulatedCluster,
  STORAGE_SERVICE,
  tableBean,
} from '../support/simulator';

const KS = 'sc';
const TABLE = 't';
type Mode = 'CASSANDRA_4' | 'UPGRADING' | 'NONE' | undefined;

describe('Cassandra 5.0 storage_compatibility_mode', () => {
  let dir: string;
  let group: ProcessGroup;
  const clusters: SimulatedCluster[] = [];
  const nodes = new Map<string, SimulatedNode>();
  let stagings = 0;

  const versions = async (node: SimulatedNode) =>
    (await node.sim.liveSSTables(KS, TABLE)).map((f) => basename(f).split('-').slice(0, 3).join('-').replace(/-\d+-/, '-N-')).sort();
  const flushRows = async (node: SimulatedNode, seed: number) => {
    await node.sim.writeRows(KS, TABLE, 20, seed);
    await node.jmx.invoke(STORAGE_SERVICE, 'forceKeyspaceFlush', [jmxArgs.string(KS), jmxArgs.stringArray([TABLE])]);
  };
  const upgrade = (node: SimulatedNode, excludeCurrentVersion: boolean) =>
    node.jmx.invoke(STORAGE_SERVICE, 'upgradeSSTables', [
      jmxArgs.string(KS),
      jmxArgs.bool(excludeCurrentVersion),
      jmxArgs.long(Number.MAX_SAFE_INTEGER),
      jmxArgs.int(0),
      jmxArgs.stringArray([TABLE]),
    ]);
  /** Copies one live SSTable of `from` into a directory shaped .../<ks>/<table> and imports it into `to`. */
  const transfer = async (from: SimulatedNode, to: SimulatedNode) => {
    const [data] = await from.sim.liveSSTables(KS, TABLE);
    const prefix = basename(data).replace('Data.db', '');
    const staging = join(dir, `staging-${++stagings}`, KS, TABLE);
    mkdirSync(staging, { recursive: true });
    for (const f of readdirSync(dirname(data)).filter((x) => x.startsWith(prefix))) copyFileSync(join(dirname(data), f), join(staging, f));
    const args = [jmxArgs.set([staging]), ...Array.from({ length: 9 }, () => jmxArgs.bool(false))];
    expect(await to.jmx.invoke(tableBean(KS, TABLE), 'importNewSSTables', args)).toEqual([]);
  };

  beforeAll(async () => {
    dir = makeTempDir('sim-compat');
    group = new ProcessGroup(dir);
    const modes: Array<[string, Mode, 'big' | 'bti']> = [
      ['default', undefined, 'big'],
      ['upgrading', 'UPGRADING', 'big'],
      ['none', 'NONE', 'big'],
      ['bti', undefined, 'bti'],
    ];
    for (const [name, mode, format] of modes) {
      const cluster = await startSimulatedCluster({
        version: '5.0',
        group,
        baseDir: join(dir, name),
        count: 1,
        storageCompatibilityMode: mode,
        sstableFormat: format,
      });
      clusters.push(cluster);
      const node = cluster.nodes[0];
      nodes.set(name, node);
      await node.sim.createKeyspace(KS);
      await node.sim.createTable(KS, TABLE);
    }
  });

  afterAll(async () => {
    await Promise.all(clusters.map((c) => c.close()));
    await group?.stopAll();
    if (dir) removeDir(dir);
  });

  const node = (name: string): SimulatedNode => {
    const n = nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  };

  it('writes the mode into cassandra.yaml, CASSANDRA_4 unless told otherwise', () => {
    const yaml = (name: string) => readFileSync(join(node(name).configDir, 'cassandra.yaml'), 'utf8');
    expect(yaml('default')).toMatch(/^storage_compatibility_mode: CASSANDRA_4$/m);
    expect(yaml('upgrading')).toMatch(/^storage_compatibility_mode: UPGRADING$/m);
    expect(yaml('none')).toMatch(/^storage_compatibility_mode: NONE$/m);
  });

  it('flushes nb big SSTables in CASSANDRA_4 and UPGRADING, oa in NONE, da bti in any mode', async () => {
    for (const name of ['default', 'upgrading', 'none', 'bti']) await flushRows(node(name), 1);
    expect(await versions(node('default'))).toEqual(['nb-N-big']);
    expect(await versions(node('upgrading'))).toEqual(['nb-N-big']);
    expect(await versions(node('none'))).toEqual(['oa-N-big']);
    expect(await versions(node('bti'))).toEqual(['da-N-bti']);
    const [data] = await node('default').sim.liveSSTables(KS, TABLE);
    expect(basename(data)).toBe('nb-1-big-Data.db');
  });

  it('upgradesstables in CASSANDRA_4 mode treats nb as current and rewrites an imported oa SSTable to nb', async () => {
    const n = node('default');
    await transfer(node('none'), n);
    expect(await versions(n)).toEqual(['nb-N-big', 'oa-N-big']);
    const sum = await n.sim.checksum(KS, TABLE);
    const nb = (await n.sim.liveSSTables(KS, TABLE)).filter((f) => basename(f).startsWith('nb-'));
    await upgrade(n, true);
    const after = await n.sim.liveSSTables(KS, TABLE);
    expect(await versions(n)).toEqual(['nb-N-big', 'nb-N-big']);
    // the nb one was current: left alone
    expect(after).toEqual(expect.arrayContaining(nb));
    expect(await n.sim.checksum(KS, TABLE)).toBe(sum);
  });

  it('upgradesstables in NONE mode treats oa as current and rewrites an imported nb SSTable to oa', async () => {
    const n = node('none');
    await transfer(node('default'), n);
    expect(await versions(n)).toEqual(['nb-N-big', 'oa-N-big']);
    const oa = (await n.sim.liveSSTables(KS, TABLE)).filter((f) => basename(f).startsWith('oa-'));
    await upgrade(n, true);
    expect(await versions(n)).toEqual(['oa-N-big', 'oa-N-big']);
    expect(await n.sim.liveSSTables(KS, TABLE)).toEqual(expect.arrayContaining(oa));
  });

  it('refuses the flag before 5.0, and an unknown mode', () => {
    const classes = ensureSimulatorBuilt();
    const run = (version: string, mode: string) => {
      try {
        execFileSync(
          'java',
          [
            '-cp',
            classes,
            'daedalus.sim.CassandraSimulator',
            '--version',
            version,
            '--home',
            join(dir, 'x'),
            '--cluster-dir',
            join(dir, 'xc'),
            '--storage-compatibility-mode',
            mode,
          ],
          { stdio: 'pipe', timeout: 30_000 },
        );
      } catch (e) {
        const err = e as { status: number; stderr: Buffer };
        return { status: err.status, stderr: err.stderr.toString() };
      }
      return { status: 0, stderr: '' };
    };
    expect(run('4.1', 'CASSANDRA_4')).toEqual({ status: 2, stderr: expect.stringContaining('only in Cassandra 5.0') });
    expect(run('5.0', 'CASSANDRA_3')).toEqual({ status: 2, stderr: expect.stringContaining('CASSANDRA_4, UPGRADING or NONE') });
  });
});

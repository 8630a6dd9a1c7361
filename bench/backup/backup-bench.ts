/**
 * `npm run bench -- backup [--gib 2] [--sstables 250]`: full backup of one generated node (about 2 GiB in
 * about 2,000 SSTable components) through the whole system — gateway, coordinator, agent, JMX snapshot —
 * to the S3 emulator and to the file store, printed beside `rclone copy --transfers 8` and `cp -r` of the
 * same snapshot in the same run; then a no-change re-backup; and the agent's peak memory (VmHWM).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, ProcessGroup, removeDir } from '../../test/support/processes';
import { DaedalusSystem, OperationView } from '../../test/support/system';
import { S3RVER_KEY, startEmulator } from '../../test/storage/emulators';

interface Row {
  target: string;
  tool: string;
  what: string;
  seconds: number;
  mbPerSecond: number;
  note?: string;
}

function option(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
}

function peakRssMb(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : NaN;
}

function timed(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function backup(system: DaedalusSystem, storageLocation: string, tag: string): Promise<{ seconds: number; op: OperationView }> {
  const start = process.hrtime.bigint();
  const created = await system.post('/operations', {
    type: 'backup',
    globalRequest: true,
    storageLocation,
    snapshotTag: tag,
    createMissingBucket: true,
    concurrentConnections: 8,
  });
  if (created.status !== 201) throw new Error(`backup refused: ${JSON.stringify(created.body)}`);
  const op = await system.waitForOperation((created.body as OperationView).id, undefined, 30 * 60_000);
  if (op.state !== 'COMPLETED') throw new Error(`backup ${op.state}: ${JSON.stringify(op.errors)}`);
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, op };
}

export async function runBackupBench(args: string[]): Promise<void> {
  const gib = option(args, 'gib', 2);
  const sstables = option(args, 'sstables', 250); // 8 components each (big format): 2,000 files
  const dir = makeTempDir('bench-backup');
  const emulators = new ProcessGroup(dir);
  let system: DaedalusSystem | undefined;
  const rows: Row[] = [];
  try {
    const s3 = await startEmulator('s3', emulators, join(dir, 's3'));
    const env = s3.env;
    system = await DaedalusSystem.start({ nodes: 1, coordinators: 1, baseDir: join(dir, 'system'), env });
    const [node] = system.nodes;
    await system.createTables('bench', ['data']);
    const bytesEach = Math.round((gib * 1024 ** 3) / sstables);
    console.log(`generating ${sstables} SSTables of ${(bytesEach / 1024 ** 2).toFixed(1)} MiB on the simulated node ...`);
    await system.simOf(node).generateSSTables('bench', 'data', sstables, bytesEach);

    // The baselines copy the same files a backup reads: a snapshot of the table.
    const tableDir = execFileSync('bash', ['-c', `ls -d ${join(node.home, 'data/data/bench')}/data-*`])
      .toString()
      .trim();
    execFileSync('bash', ['-c', `mkdir -p ${tableDir}/snapshots/baseline && ln ${tableDir}/*-*-* ${tableDir}/snapshots/baseline/`]);
    const snapshotDir = join(tableDir, 'snapshots', 'baseline');
    const files = Number(
      execFileSync('bash', ['-c', `ls ${snapshotDir} | wc -l`])
        .toString()
        .trim(),
    );
    const bytes = Number(execFileSync('du', ['-sb', snapshotDir]).toString().split('\t')[0]);
    const mb = bytes / 1e6;
    console.log(`snapshot: ${files} files, ${(bytes / 1024 ** 3).toFixed(2)} GiB`);
    execFileSync('sync');

    const s3Run = await backup(system, 's3://bench', 'bench-s3');
    rows.push({
      target: 's3rver',
      tool: 'daedalus',
      what: 'full backup (snapshot+upload+manifest)',
      seconds: s3Run.seconds,
      mbPerSecond: mb / s3Run.seconds,
    });

    if (spawnSync('which', ['rclone']).status === 0) {
      const rcloneEnv: NodeJS.ProcessEnv = {
        ...process.env,
        RCLONE_CONFIG_EMU_TYPE: 's3',
        RCLONE_CONFIG_EMU_PROVIDER: 'Other',
        RCLONE_CONFIG_EMU_ENDPOINT: s3.endpoint,
        RCLONE_CONFIG_EMU_ACCESS_KEY_ID: S3RVER_KEY,
        RCLONE_CONFIG_EMU_SECRET_ACCESS_KEY: S3RVER_KEY,
        RCLONE_CONFIG_EMU_FORCE_PATH_STYLE: 'true',
      };
      delete rcloneEnv.AWS_CA_BUNDLE;
      execFileSync('rclone', ['mkdir', 'emu:rclone-bench'], { env: rcloneEnv });
      const seconds = timed(() =>
        execFileSync('rclone', ['copy', '--transfers', '8', snapshotDir, 'emu:rclone-bench/snap'], { env: rcloneEnv }),
      );
      rows.push({ target: 's3rver', tool: 'rclone copy --transfers 8', what: 'copy of the snapshot', seconds, mbPerSecond: mb / seconds });
    } else {
      console.log('rclone not installed (apt-get install rclone): skipping that baseline');
    }

    const fileRoot = join(dir, 'filestore');
    const fileRun = await backup(system, `file://${fileRoot}/bucket`, 'bench-file');
    rows.push({
      target: 'file store',
      tool: 'daedalus',
      what: 'full backup (snapshot+upload+manifest)',
      seconds: fileRun.seconds,
      mbPerSecond: mb / fileRun.seconds,
      note: 'fsync per file',
    });
    const cpSeconds = timed(() => execFileSync('cp', ['-r', snapshotDir, join(dir, 'cp-copy')]));
    rows.push({
      target: 'file store',
      tool: 'cp -r',
      what: 'copy of the snapshot',
      seconds: cpSeconds,
      mbPerSecond: mb / cpSeconds,
      note: 'no fsync, no hashing',
    });

    const again = await backup(system, 's3://bench', 'bench-again');
    const uploaded = Object.values((again.op.response as { UPLOAD: Record<string, { totals: { uploadedBytes: number } }> }).UPLOAD)[0]
      .totals.uploadedBytes;
    rows.push({
      target: 's3rver',
      tool: 'daedalus',
      what: 'no-change re-backup',
      seconds: again.seconds,
      mbPerSecond: mb / again.seconds,
      note: `${uploaded} bytes uploaded`,
    });

    console.log(
      `\nbackup of one node: ${files} files, ${(bytes / 1024 ** 3).toFixed(2)} GiB (2 shared cores; emulator and client on the same machine)\n`,
    );
    console.log('| target | tool | what | seconds | MB/s | note |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows)
      console.log(`| ${r.target} | ${r.tool} | ${r.what} | ${r.seconds.toFixed(1)} | ${r.mbPerSecond.toFixed(0)} | ${r.note ?? ''} |`);
    console.log(`\nnode agent peak RSS (VmHWM): ${peakRssMb(system.agents[0].pid)} MB`);
  } finally {
    await system?.stop();
    await emulators.stopAll();
    removeDir(dir);
  }
}

/**
 * `npm run bench -- verify [--gib 2] [--sstables 250]`: a full verify (every object read back and re-hashed) of
 * a 2 GiB one-node backup in the file store, through the whole system, beside `sha256sum` of the same objects;
 * then the same on s3rver beside `rclone check --download` when rclone is installed. The agent's peak memory is
 * measured over each verify alone: its high-water mark is reset (/proc/<pid>/clear_refs) before the verify.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, ProcessGroup, removeDir } from '../../test/support/processes';
import { DaedalusSystem, OperationView } from '../../test/support/system';
import { S3RVER_KEY, startEmulator } from '../../test/storage/emulators';

const CLUSTER = 'daedalus-test';

function option(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
}

function memoryMb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : NaN;
}

/** Resets the process's peak RSS to its current RSS (Linux: writing 5 to clear_refs), so VmHWM covers what follows. */
function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

function timed(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function submit(system: DaedalusSystem, body: Record<string, unknown>): Promise<{ seconds: number; op: OperationView }> {
  const start = process.hrtime.bigint();
  const created = await system.post('/operations', { globalRequest: true, concurrentConnections: 8, ...body });
  if (created.status !== 201) throw new Error(`${String(body.type)} refused: ${JSON.stringify(created.body)}`);
  const op = await system.waitForOperation((created.body as OperationView).id, undefined, 30 * 60_000);
  if (op.state !== 'COMPLETED') throw new Error(`${String(body.type)} ${op.state}: ${JSON.stringify(op.errors)}`);
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, op };
}

interface Row {
  target: string;
  tool: string;
  seconds: number;
  mbPerSecond: number;
  peakRssMb?: number;
  note?: string;
}

export async function runVerifyBench(args: string[]): Promise<void> {
  const gib = option(args, 'gib', 2);
  const sstables = option(args, 'sstables', 250);
  const dir = makeTempDir('bench-verify');
  const emulators = new ProcessGroup(dir);
  let system: DaedalusSystem | undefined;
  const rows: Row[] = [];
  try {
    const s3 = await startEmulator('s3', emulators, join(dir, 's3'));
    system = await DaedalusSystem.start({ nodes: 1, coordinators: 1, baseDir: join(dir, 'system'), env: s3.env });
    const [node] = system.nodes;
    const agentPid = system.agents[0].pid;
    await system.createTables('bench', ['data']);
    const bytesEach = Math.round((gib * 1024 ** 3) / sstables);
    console.log(`generating ${sstables} SSTables of ${(bytesEach / 1024 ** 2).toFixed(1)} MiB on the simulated node ...`);
    await system.simOf(node).generateSSTables('bench', 'data', sstables, bytesEach);

    const fileRoot = join(dir, 'filestore');
    const fileLocation = `file://${fileRoot}/bucket`;
    const backup = await submit(system, { type: 'backup', storageLocation: fileLocation, snapshotTag: 'bench', createMissingBucket: true });
    const backupName = Object.values((backup.op.response as { UPLOAD: Record<string, { backupName: string }> }).UPLOAD)[0].backupName;
    const dataDir = join(fileRoot, 'bucket', CLUSTER, 'dc1', node.hostId, 'data');
    const bytes = Number(execFileSync('du', ['-sb', dataDir]).toString().split('\t')[0]);
    const files = Number(
      execFileSync('bash', ['-c', `find ${dataDir} -type f | wc -l`])
        .toString()
        .trim(),
    );
    const mb = bytes / 1e6;
    console.log(`backup ${backupName}: ${files} objects, ${(bytes / 1024 ** 3).toFixed(2)} GiB`);
    console.log(
      `agent RSS before the verifies: ${memoryMb(agentPid, 'VmRSS')} MB (peak so far, the backup's: ${memoryMb(agentPid, 'VmHWM')} MB)`,
    );

    execFileSync('sync');
    resetPeak(agentPid);
    const fileVerify = await submit(system, { type: 'verify', storageLocation: fileLocation, backupName, mode: 'full' });
    const verified = (fileVerify.op.response as { verifiedBytes: number } | Record<string, { verifiedBytes: number }>) ?? {};
    const verifiedBytes = 'verifiedBytes' in verified ? verified.verifiedBytes : Object.values(verified)[0]?.verifiedBytes;
    rows.push({
      target: 'file store',
      tool: 'daedalus verify full',
      seconds: fileVerify.seconds,
      mbPerSecond: mb / fileVerify.seconds,
      peakRssMb: memoryMb(agentPid, 'VmHWM'),
      note: `${verifiedBytes} bytes re-hashed, 8 connections`,
    });
    // again without resetting the peak: a peak that held over twice the bytes read does not grow with them
    const again = await submit(system, { type: 'verify', storageLocation: fileLocation, backupName, mode: 'full' });
    rows.push({
      target: 'file store',
      tool: 'daedalus verify full, again',
      seconds: again.seconds,
      mbPerSecond: mb / again.seconds,
      peakRssMb: memoryMb(agentPid, 'VmHWM'),
      note: 'peak over both verifies (twice the bytes)',
    });
    const sumSeconds = timed(() =>
      execFileSync('bash', ['-c', `find ${dataDir} -type f -print0 | xargs -0 -P 8 -n 50 sha256sum > /dev/null`]),
    );
    rows.push({
      target: 'file store',
      tool: 'sha256sum (8 parallel)',
      seconds: sumSeconds,
      mbPerSecond: mb / sumSeconds,
      note: 'page cache warm',
    });

    const s3Backup = await submit(system, {
      type: 'backup',
      storageLocation: 's3://bench-verify',
      snapshotTag: 'bench-s3',
      createMissingBucket: true,
    });
    const s3Name = Object.values((s3Backup.op.response as { UPLOAD: Record<string, { backupName: string }> }).UPLOAD)[0].backupName;
    resetPeak(agentPid);
    const s3Verify = await submit(system, { type: 'verify', storageLocation: 's3://bench-verify', backupName: s3Name, mode: 'full' });
    rows.push({
      target: 's3rver',
      tool: 'daedalus verify full',
      seconds: s3Verify.seconds,
      mbPerSecond: mb / s3Verify.seconds,
      peakRssMb: memoryMb(agentPid, 'VmHWM'),
    });
    if (spawnSync('which', ['rclone']).status === 0) {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        RCLONE_CONFIG_EMU_TYPE: 's3',
        RCLONE_CONFIG_EMU_PROVIDER: 'Other',
        RCLONE_CONFIG_EMU_ENDPOINT: s3.endpoint,
        RCLONE_CONFIG_EMU_ACCESS_KEY_ID: S3RVER_KEY,
        RCLONE_CONFIG_EMU_SECRET_ACCESS_KEY: S3RVER_KEY,
        RCLONE_CONFIG_EMU_FORCE_PATH_STYLE: 'true',
      };
      delete env.AWS_CA_BUNDLE;
      const remote = `emu:bench-verify/${CLUSTER}/dc1/${node.hostId}/data`;
      // a baseline that fails is reported in the table, not allowed to lose the measurements taken before it
      try {
        const seconds = timed(() =>
          execFileSync('rclone', ['check', '--download', '--checkers', '8', dataDir, remote], { env, stdio: 'pipe' }),
        );
        rows.push({ target: 's3rver', tool: 'rclone check --download --checkers 8', seconds, mbPerSecond: mb / seconds });
      } catch (error) {
        const reason =
          String((error as { stderr?: Buffer }).stderr ?? error)
            .trim()
            .split('\n')
            .pop() ?? '';
        console.log(`rclone check failed, no rclone baseline: ${reason.slice(0, 200)}`);
      }
    } else {
      console.log('rclone not installed (apt-get install rclone): skipping that baseline');
    }

    console.log(`\nfull verify of one node: ${files} objects, ${(bytes / 1024 ** 3).toFixed(2)} GiB (2 shared cores)\n`);
    console.log('| target | tool | seconds | MB/s | agent peak RSS during it (MB) | note |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(
        `| ${r.target} | ${r.tool} | ${r.seconds.toFixed(1)} | ${r.mbPerSecond.toFixed(0)} | ${r.peakRssMb ?? '—'} | ${r.note ?? ''} |`,
      );
    }
  } finally {
    await system?.stop();
    await emulators.stopAll();
    removeDir(dir);
  }
}

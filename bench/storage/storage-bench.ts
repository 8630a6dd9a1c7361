/**
 * Storage benchmark (not a test): upload and download N files of M MiB through each emulator with
 * libs/storage (8 at a time), then `rclone copy --transfers 8` to the same emulator in the same run,
 * and one large object streamed up and down to show memory stays flat. Prints MB/s (10^6 bytes) and
 * the peak RSS of the client process of each phase (from /usr/bin/time).
 *
 *   npm run bench -- storage [--files 100] [--mib 10] [--big-mib 1024] [--targets s3,azure,gcs] [--no-rclone]
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, promises as fs } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { makeTempDir, ProcessGroup, removeDir } from '../../test/support/processes';
import { startTarget, TargetName } from './targets';
import { WorkerTask } from './lib-worker';

const ROOT = join(__dirname, '..', '..');
const MIB = 1024 * 1024;

interface Options {
  files: number;
  mib: number;
  bigMib: number;
  concurrency: number;
  targets: TargetName[];
  rclone: boolean;
}

interface Row {
  target: string;
  tool: string;
  phase: string;
  seconds: number;
  bytes: number;
  peakRssMb?: number;
  note?: string;
}

function parseOptions(args: string[]): Options {
  const value = (name: string, fallback: string): string => {
    const index = args.indexOf(`--${name}`);
    return index >= 0 && args[index + 1] ? args[index + 1] : fallback;
  };
  const targets = value('targets', 's3,azure,gcs')
    .split(',')
    .filter((t): t is TargetName => ['s3', 'azure', 'gcs'].includes(t));
  return {
    files: Number(value('files', '100')),
    mib: Number(value('mib', '10')),
    bigMib: Number(value('big-mib', '1024')),
    concurrency: Number(value('concurrency', '8')),
    targets,
    rclone: !args.includes('--no-rclone'),
  };
}

/** Runs a command to completion under /usr/bin/time; returns wall seconds, peak RSS and stdout. */
export async function measured(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ seconds: number; peakRssMb?: number; cpuSeconds?: number; stdout: string }> {
  const timed = existsSync('/usr/bin/time');
  const started = process.hrtime.bigint();
  const child = spawn(timed ? '/usr/bin/time' : command, timed ? ['-f', 'maxrss_kb=%M cpu_s=%U+%S', command, ...args] : args, {
    env,
    cwd: ROOT,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(timer);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`${command} ${args.slice(0, 3).join(' ')} failed (${code}): ${stderr.slice(-2000)}`);
  const rss = /maxrss_kb=(\d+)/.exec(stderr);
  const cpu = /cpu_s=([\d.]+)\+([\d.]+)/.exec(stderr);
  return {
    seconds,
    peakRssMb: rss ? Number(rss[1]) / 1024 : undefined,
    cpuSeconds: cpu ? Number(cpu[1]) + Number(cpu[2]) : undefined,
    stdout,
  };
}

export async function generateFiles(dir: string, count: number, size: number): Promise<WorkerTask['files']> {
  const files: WorkerTask['files'] = [];
  for (let i = 0; i < count; i++) {
    const path = join(dir, `file-${String(i).padStart(4, '0')}.bin`);
    const hash = createHash('sha256');
    const out = createWriteStream(path);
    for (let written = 0; written < size; written += MIB) {
      const chunk = randomBytes(Math.min(MIB, size - written));
      hash.update(chunk);
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    files.push({ path, key: `lib/file-${String(i).padStart(4, '0')}.bin`, size, sha256: hash.digest('hex') });
  }
  return files;
}

async function libPhase(
  mode: WorkerTask['mode'],
  task: Omit<WorkerTask, 'mode'>,
  env: Record<string, string>,
): Promise<{ seconds: number; bytes: number; peakRssMb?: number }> {
  const result = await measured(
    'node',
    ['-r', 'ts-node/register/transpile-only', join(__dirname, 'lib-worker.ts'), JSON.stringify({ ...task, mode })],
    { ...process.env, ...env },
    30 * 60_000,
  );
  const line = result.stdout.trim().split('\n').pop() ?? '{}';
  const parsed = JSON.parse(line) as { seconds: number; bytes: number };
  // Transfer time as measured inside the worker (excludes node/ts-node start-up).
  return { seconds: parsed.seconds, bytes: parsed.bytes, peakRssMb: result.peakRssMb };
}

function rcloneEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.AWS_CA_BUNDLE; // rclone refuses to start with a CA bundle it cannot use for plain http
  return env;
}

function printTable(rows: Row[]): void {
  const header = ['target', 'tool', 'phase', 'seconds', 'MB/s', 'peak RSS MB', 'note'];
  const lines = rows.map((r) => [
    r.target,
    r.tool,
    r.phase,
    r.seconds.toFixed(1),
    (r.bytes / 1e6 / r.seconds).toFixed(0),
    r.peakRssMb === undefined ? 'n/a' : r.peakRssMb.toFixed(0),
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(format(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const line of lines) console.log(format(line));
}

export async function runStorageBench(args: string[]): Promise<void> {
  const options = parseOptions(args);
  const work = makeTempDir('bench-storage');
  const rows: Row[] = [];
  const hasRclone = options.rclone && existsSync('/usr/bin/rclone');
  if (options.rclone && !hasRclone) console.log('rclone not found (apt-get install -y rclone): rclone rows skipped');
  try {
    const sourceDir = join(work, 'source');
    await fs.mkdir(sourceDir);
    console.log(`generating ${options.files} x ${options.mib} MiB in ${sourceDir} ...`);
    const files = await generateFiles(sourceDir, options.files, options.mib * MIB);
    const totalBytes = files.reduce((sum, f) => sum + f.size, 0);

    for (const name of options.targets) {
      const group = new ProcessGroup(work);
      try {
        const target = await startTarget(name, group, work);
        console.log(`${target.label} started (pid ${target.pid})`);
        const downloadDir = join(work, `${name}-download`);
        await fs.mkdir(downloadDir);
        const task = { location: target.location, concurrency: options.concurrency, files, downloadDir, bigBytes: options.bigMib * MIB };
        const phase = async (label: string, mode: WorkerTask['mode']): Promise<void> => {
          const result = await libPhase(mode, task, target.env);
          rows.push({ target: target.label, tool: 'libs/storage', phase: label, ...result });
          console.log(`  libs/storage ${label}: ${result.seconds.toFixed(1)} s`);
        };
        await phase(`upload ${options.files} x ${options.mib} MiB`, 'upload');
        await phase(`download ${options.files} x ${options.mib} MiB`, 'download');
        await fs.rm(downloadDir, { recursive: true, force: true });
        await fs.mkdir(downloadDir);

        if (hasRclone) {
          const env = rcloneEnv(target.rcloneEnv);
          const common = ['--transfers', String(options.concurrency), '--checkers', String(options.concurrency), '-q'];
          const up = await measured('rclone', ['copy', sourceDir, `${target.rcloneBucket}/rclone`, ...common], env, 30 * 60_000);
          rows.push({
            target: target.label,
            tool: 'rclone 1.60',
            phase: `upload ${options.files} x ${options.mib} MiB`,
            seconds: up.seconds,
            bytes: totalBytes,
            peakRssMb: up.peakRssMb,
          });
          console.log(`  rclone upload: ${up.seconds.toFixed(1)} s`);
          const down = await measured('rclone', ['copy', `${target.rcloneBucket}/rclone`, downloadDir, ...common], env, 30 * 60_000);
          rows.push({
            target: target.label,
            tool: 'rclone 1.60',
            phase: `download ${options.files} x ${options.mib} MiB`,
            seconds: down.seconds,
            bytes: totalBytes,
            peakRssMb: down.peakRssMb,
          });
          console.log(`  rclone download: ${down.seconds.toFixed(1)} s`);
          await fs.rm(downloadDir, { recursive: true, force: true });
        }

        if (options.bigMib > 0) {
          const big = await libPhase('big', task, target.env);
          rows.push({
            target: target.label,
            tool: 'libs/storage',
            phase: `1 x ${options.bigMib} MiB up+down`,
            ...big,
            note: 'unknown length, verified',
          });
          console.log(`  libs/storage big object: ${big.seconds.toFixed(1)} s`);
        }
      } catch (error) {
        console.log(`${name}: ${error instanceof Error ? error.message : String(error)}`);
        rows.push({
          target: name,
          tool: '-',
          phase: 'FAILED',
          seconds: 1,
          bytes: 0,
          note: error instanceof Error ? error.message.slice(0, 120) : String(error),
        });
      } finally {
        await group.stopAll();
        await fs.rm(join(work, `${name}-data`), { recursive: true, force: true });
      }
    }
    console.log('');
    console.log(
      `client and emulator share ${cpus().length} cores; libs/storage times exclude node start-up, rclone times include its start-up`,
    );
    printTable(rows);
  } finally {
    removeDir(work);
  }
}

/**
 * `npm run bench -- datapath [--files 2000] [--mib 1] [--runs 3] [--concurrency 8] [--cpu-prof <dir>]`: the agent's data path
 * beside its baselines, interleaved in one run (ours, baseline, ours, baseline, ...) so a machine shared with
 * other work loads both alike:
 * - restore download: the agent's downloadFiles (size + sha256 verified on every byte) from s3rver, beside
 *   `rclone copy --transfers N` of the same objects;
 * - file-store backup: the agent's uploadSnapshot into a file:// store (every object hashed, fsynced and
 *   renamed before it returns), beside `cp -r` + `sync` of the same files.
 * Ours runs from dist/ in its own plain-node process; its peak RSS comes from /usr/bin/time. Ratios are ours /
 * baseline's seconds; min / median / max over the runs. Writes bench/datapath/RESULTS.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { makeTempDir, ProcessGroup, removeDir } from '../../test/support/processes';
import { generateFiles, measured } from '../storage/storage-bench';
import { startTarget } from '../storage/targets';
import { DatapathTask } from './datapath-worker';

const ROOT = join(__dirname, '..', '..');
const WORKER = join(ROOT, 'dist', 'bench', 'datapath', 'datapath-worker.js');
const MIB = 1024 * 1024;

function option(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
}

interface Sample {
  ours: number;
  baseline: number;
  oursRssMb?: number;
  baselineRssMb?: number;
  /** user + system CPU seconds: ours of the measured phase (all threads), the baseline's of its whole command */
  oursCpu?: number;
  baselineCpu?: number;
  /** 1-minute load average when the run started */
  load: number;
}

interface Measurement {
  seconds: number;
  cpuSeconds?: number;
  peakRssMb?: number;
}

/** One interleaved run: ours beside the baseline, with the load it started under. */
function sampleOf(mine: Measurement, base: Measurement, load: number): Sample {
  return {
    ours: mine.seconds,
    baseline: base.seconds,
    oursRssMb: mine.peakRssMb,
    baselineRssMb: base.peakRssMb,
    oursCpu: mine.cpuSeconds,
    baselineCpu: base.cpuSeconds,
    load,
  };
}

/** `--cpu-prof <dir>`: each of our worker processes writes a V8 CPU profile there (open in Chrome DevTools). */
let cpuProfileDir: string | undefined;
let taskDir = '';

async function ours(task: DatapathTask, env: NodeJS.ProcessEnv): Promise<{ seconds: number; cpuSeconds: number; peakRssMb?: number }> {
  const profiling = cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : [];
  // the task names 2,000 files: too long for one argument, so it goes in a file
  const taskFile = join(taskDir, 'task.json');
  writeFileSync(taskFile, JSON.stringify(task));
  const result = await measured('node', [...profiling, WORKER, taskFile], env, 30 * 60_000);
  const parsed = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as { seconds: number; cpuSeconds: number };
  return { seconds: parsed.seconds, cpuSeconds: parsed.cpuSeconds, peakRssMb: result.peakRssMb };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const spread = (values: number[]) => `${Math.min(...values).toFixed(2)} / ${median(values).toFixed(2)} / ${Math.max(...values).toFixed(2)}`;

function describe(title: string, oursName: string, baseName: string, samples: Sample[]): string[] {
  const lines = [
    `### ${title}`,
    '',
    `| run | load | ${oursName} s | ${baseName} s | ratio | ours CPU s | baseline CPU s | ours peak RSS MB | baseline peak RSS MB |`,
    '|---|---|---|---|---|---|---|---|---|',
  ];
  samples.forEach((s, i) =>
    lines.push(
      `| ${i + 1} | ${s.load.toFixed(1)} | ${s.ours.toFixed(1)} | ${s.baseline.toFixed(1)} | ${(s.ours / s.baseline).toFixed(2)} | ${s.oursCpu?.toFixed(1) ?? 'n/a'} | ${s.baselineCpu?.toFixed(1) ?? 'n/a'} | ${s.oursRssMb?.toFixed(0) ?? 'n/a'} | ${s.baselineRssMb?.toFixed(0) ?? 'n/a'} |`,
    ),
  );
  lines.push(
    '',
    `ratio min / median / max: **${spread(samples.map((s) => s.ours / s.baseline))}**; CPU ratio ${spread(samples.map((s) => (s.oursCpu ?? NaN) / (s.baselineCpu ?? NaN)))}; ours peak RSS max ${Math.max(...samples.map((s) => s.oursRssMb ?? NaN)).toFixed(0)} MB`,
    '',
  );
  return lines;
}

export async function runDatapathBench(args: string[]): Promise<void> {
  const count = option(args, 'files', 2000);
  const mib = option(args, 'mib', 1);
  const runs = option(args, 'runs', 3);
  const concurrency = option(args, 'concurrency', 8);
  const profileIndex = args.indexOf('--cpu-prof');
  cpuProfileDir = profileIndex >= 0 ? args[profileIndex + 1] : undefined;
  const work = makeTempDir('bench-datapath');
  taskDir = work;
  const group = new ProcessGroup(work);
  const out: string[] = [];
  try {
    const source = join(work, 'source');
    await fs.mkdir(source);
    console.log(`generating ${count} x ${mib} MiB in ${source} ...`);
    const files = await generateFiles(source, count, mib * MIB);
    const gib = (count * mib) / 1024;
    const load = loadavg()[0].toFixed(1);

    // restore download from s3rver
    const hasRclone = spawnSync('which', ['rclone']).status === 0;
    if (!hasRclone) console.log('rclone not installed (apt-get install -y rclone): restore comparison skipped');
    else {
      const s3 = await startTarget('s3', group, work);
      const env = { ...process.env, ...s3.env };
      const rcloneEnv: NodeJS.ProcessEnv = { ...process.env, ...s3.rcloneEnv };
      delete rcloneEnv.AWS_CA_BUNDLE;
      console.log('uploading the objects with rclone ...');
      execFileSync('rclone', ['mkdir', `${s3.rcloneBucket}`], { env: rcloneEnv });
      execFileSync('rclone', ['copy', '--transfers', String(concurrency), source, `${s3.rcloneBucket}/lib`], { env: rcloneEnv });
      const samples: Sample[] = [];
      for (let run = 0; run < runs; run++) {
        const dir = join(work, 'restore');
        await fs.mkdir(dir);
        const runLoad = loadavg()[0];
        const mine = await ours({ mode: 'restore', location: s3.location, concurrency, files, dir, prefix: 'lib/' }, env);
        await fs.rm(dir, { recursive: true });
        await fs.mkdir(dir);
        const base = await measured(
          'rclone',
          ['copy', '--transfers', String(concurrency), '--checkers', String(concurrency), `${s3.rcloneBucket}/lib`, dir],
          rcloneEnv,
          30 * 60_000,
        );
        await fs.rm(dir, { recursive: true });
        samples.push(sampleOf(mine, base, runLoad));
        console.log(`  restore run ${run + 1}: ours ${mine.seconds.toFixed(1)} s, rclone ${base.seconds.toFixed(1)} s`);
      }
      out.push(
        ...describe(
          `Restore download: ${count} objects, ${gib.toFixed(2)} GiB from s3rver, ${concurrency} at a time`,
          'downloadFiles',
          'rclone copy',
          samples,
        ),
      );
      await group.stopAll();
    }

    // file-store backup
    const samples: Sample[] = [];
    for (let run = 0; run < runs; run++) {
      const store = join(work, 'store');
      const runLoad = loadavg()[0];
      const mine = await ours(
        { mode: 'file-backup', location: `file://${store}/bucket`, concurrency, files, dir: '', prefix: 'lib/' },
        process.env,
      );
      await fs.rm(store, { recursive: true });
      const copy = join(work, 'copy');
      const base = await measured('bash', ['-c', `cp -r ${source} ${copy} && sync`], process.env, 30 * 60_000);
      await fs.rm(copy, { recursive: true });
      samples.push(sampleOf(mine, base, runLoad));
      console.log(`  file-store run ${run + 1}: ours ${mine.seconds.toFixed(1)} s, cp -r + sync ${base.seconds.toFixed(1)} s`);
    }
    out.push(
      ...describe(
        `File-store backup: ${count} files, ${gib.toFixed(2)} GiB, ${concurrency} at a time`,
        'uploadSnapshot',
        'cp -r + sync',
        samples,
      ),
    );

    const header = [
      '# Data-path benchmark',
      '',
      `\`npm run bench -- datapath --files ${count} --mib ${mib} --runs ${runs}\`, ${new Date().toISOString()}, Node ${process.version},`,
      `${cpus().length} cores shared with other work (load average ${load} when it started): runs interleave ours and the baseline.`,
      'Our seconds are measured inside the worker (no node start-up); the baselines are whole commands (rclone',
      'includes its start-up, `cp -r` includes the final `sync`). CPU: user + system seconds (ours: the measured phase,',
      'from process.cpuUsage; baselines: the whole command, from /usr/bin/time). Peak RSS from /usr/bin/time.',
      '',
    ];
    const text = [...header, ...out].join('\n');
    console.log(`\n${text}`);
    writeFileSync(join(__dirname, 'RESULTS.md'), `${text}\n`);
  } finally {
    await group.stopAll();
    removeDir(work);
  }
}

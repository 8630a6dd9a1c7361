/**
 * One measured phase of the data-path benchmark, run from dist/ in its own plain-node process (no ts-node), so
 * its peak RSS is what the agent's code costs:
 *   node dist/bench/datapath/datapath-worker.js <file holding the json task>
 * `restore`: the agent's downloadFiles (size + sha256 verified on every byte) from the store into `dir`.
 * `file-backup`: the agent's uploadSnapshot of `files` into a file:// store (hashed, durable before it returns).
 * Prints one JSON line: {seconds, cpuSeconds (user + system of the phase, all threads), bytes, files}.
 */
import { openBackend } from '@daedalus/storage';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { downloadFiles } from '../../apps/node-agent/src/repository/downloader';
import { uploadSnapshot } from '../../apps/node-agent/src/repository/uploader';
import { InFlightUploads } from '../../apps/node-agent/src/repository/in-flight-uploads';

export interface DatapathTask {
  mode: 'restore' | 'file-backup';
  location: string;
  concurrency: number;
  files: Array<{ path: string; key: string; size: number; sha256: string }>;
  /** restore: where the files are written */
  dir: string;
  /** file-backup: the prefix the keys share */
  prefix: string;
}

async function main(): Promise<void> {
  const task = JSON.parse(readFileSync(process.argv[2], 'utf8')) as DatapathTask;
  const backend = openBackend(task.location, { concurrency: task.concurrency });
  await backend.ensureBucket({ create: true });
  const signal = new AbortController().signal;
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  let bytes = 0;
  if (task.mode === 'restore') {
    const items = task.files.map((f) => ({
      file: { key: f.key, name: basename(f.path), size: f.size, sha256: f.sha256 },
      path: join(task.dir, basename(f.path)),
    }));
    const result = await downloadFiles(backend, items, {
      concurrency: task.concurrency,
      signal,
      onProgress: () => undefined,
      reserveBytes: 0,
    });
    bytes = result.fetchedBytes;
    if (result.fetchedFiles !== task.files.length) throw new Error(`fetched ${result.fetchedFiles} of ${task.files.length} files`);
  } else {
    const items = task.files.map((f) => ({
      key: f.key,
      file: { path: f.path, name: basename(f.path), size: f.size, sstableDir: 'bench' },
    }));
    const outcomes = await uploadSnapshot(backend, items, {
      prefix: task.prefix,
      concurrency: task.concurrency,
      signal,
      known: new Map(),
      inFlight: new InFlightUploads(),
      onProgress: () => undefined,
    });
    for (const f of task.files) {
      const outcome = outcomes.get(f.key);
      if (outcome?.sha256 !== f.sha256 || !outcome.uploaded) throw new Error(`${f.key}: not stored as generated`);
      bytes += outcome.size;
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  await backend.close();
  console.log(JSON.stringify({ seconds, cpuSeconds, bytes, files: task.files.length }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});

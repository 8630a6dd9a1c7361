/**
 * One measured phase of the storage benchmark, run in its own process so its peak RSS is its own:
 *   lib-worker.ts <json task>
 * Prints one JSON line: {seconds, bytes, objects}.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { mapConcurrent } from '../../libs/common/src/map-concurrent';
import { openBackend } from '../../libs/storage/src/index';
import { generatedStream, sha256OfStream } from '../../test/storage/support';

export interface WorkerTask {
  mode: 'upload' | 'download' | 'big';
  location: string;
  concurrency: number;
  /** upload: files to send; download: keys to fetch into downloadDir. */
  files: Array<{ path: string; key: string; size: number; sha256: string }>;
  downloadDir: string;
  bigBytes: number;
}

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2] ?? '{}') as WorkerTask;
  const backend = openBackend(task.location, {
    concurrency: task.concurrency,
    s3: process.env.BENCH_S3_CONDITIONAL === 'check-first' ? { conditionalWrites: 'check-first' } : {},
  });
  await backend.ensureBucket({ create: true });
  const started = process.hrtime.bigint();
  let bytes = 0;
  if (task.mode === 'upload') {
    await mapConcurrent(task.files, task.concurrency, undefined, async (file) => {
      const result = await backend.put(file.key, () => createReadStream(file.path), { size: file.size, sha256: file.sha256 });
      bytes += result.size;
    });
  } else if (task.mode === 'download') {
    await mapConcurrent(task.files, task.concurrency, undefined, async (file) => {
      const stream = await backend.get(file.key, { expected: { size: file.size, sha256: file.sha256 } });
      await pipeline(stream, createWriteStream(join(task.downloadDir, file.key.replace(/\//g, '_'))));
      bytes += file.size;
    });
  } else {
    // One object far larger than any buffer: generated on the fly, unknown length, then read back and hashed.
    const uploaded = await backend.put('big/object', () => generatedStream(task.bigBytes, 99));
    const downloaded = await sha256OfStream(
      await backend.get('big/object', { expected: { size: uploaded.size, sha256: uploaded.sha256 } }),
    );
    if (downloaded.sha256 !== uploaded.sha256) throw new Error('big object came back different');
    bytes = uploaded.size * 2;
    await backend.delete('big/object');
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await backend.close();
  console.log(JSON.stringify({ seconds, bytes, objects: task.files.length }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

/**
 * Benchmark dispatcher: `npm run bench -- [name...] [options]`. With no name, runs all.
 * Each benchmark receives the remaining arguments. Afterwards bench/RESULTS.md gathers every benchmark's
 * RESULTS.md (see combined-results.ts).
 */
import { writeCombinedResults } from './combined-results';
import { runBackupBench } from './backup/backup-bench';
import { runIdleBench } from './idle/idle-bench';
import { runSubmitBench } from './submit/submit-bench';
import { runDatapathBench } from './datapath/datapath-bench';
import { runStorageBench } from './storage/storage-bench';
import { runVerifyBench } from './verify/verify-bench';
import { runScaleBench } from './scale/scale-bench';
import { runCompressionBench } from './compression/compression-bench';

type Bench = (args: string[]) => Promise<void>;

const BENCHMARKS: Record<string, Bench> = {
  storage: runStorageBench,
  backup: runBackupBench,
  verify: runVerifyBench,
  idle: runIdleBench,
  submit: runSubmitBench,
  datapath: runDatapathBench,
  scale: runScaleBench,
  compression: runCompressionBench,
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const names = args.filter((arg) => arg in BENCHMARKS);
  const rest = args.filter((arg) => !(arg in BENCHMARKS));
  const unknown = rest.filter((arg, i) => !arg.startsWith('--') && !(rest[i - 1] ?? '').startsWith('--'));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
    process.exit(2);
  }
  const startedAt = new Date();
  const ran: string[] = [];
  for (const name of names.length > 0 ? names : Object.keys(BENCHMARKS)) {
    console.log(`== ${name} ==`);
    await BENCHMARKS[name](rest);
    ran.push(name);
  }
  console.log(`combined results: ${writeCombinedResults(__dirname, Object.keys(BENCHMARKS), ran, startedAt)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});

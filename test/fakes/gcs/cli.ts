/**
 * Runs the GCS fake as a process:
 *   node -r ts-node/register/transpile-only test/fakes/gcs/cli.ts [--port P] [--host H] [--dir DIR]
 * Prints "gcs-fake listening on <url>" once ready; stops on SIGTERM/SIGINT.
 */
import { startGcsFake } from './server';

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<void> {
  const fake = await startGcsFake({
    host: argument('host'),
    port: argument('port') ? Number(argument('port')) : undefined,
    dir: argument('dir'),
  });
  console.log(`gcs-fake listening on ${fake.url} (data in ${fake.dir})`);
  const stop = (): void => {
    fake.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..', '..');
const SDKS: Record<string, RegExp> = {
  aws: /[\\/]node_modules[\\/]@aws-sdk[\\/]/,
  azure: /[\\/]node_modules[\\/]@azure[\\/]/,
  gcs: /[\\/]node_modules[\\/]@google-cloud[\\/]/,
};

/**
 * In one fresh Node process: imports @daedalus/storage, then opens each location in turn; gives the cloud SDKs
 * loaded after the import and after each opening.
 */
function sdksLoadedStepByStep(locations: string[]): string[][] {
  const entry = join(ROOT, 'libs', 'storage', 'src', 'index.ts');
  const script =
    `const storage = require(${JSON.stringify(entry)});` +
    'const steps = [Object.keys(require.cache)];' +
    `for (const location of ${JSON.stringify(locations)}) { storage.openBackend(location); steps.push(Object.keys(require.cache)); }` +
    'process.stdout.write(JSON.stringify(steps));';
  const output = execFileSync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', join(ROOT, 'scripts', 'register-paths.js'), '-e', script],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' },
    },
  );
  return (JSON.parse(output) as string[][]).map((loaded) =>
    Object.keys(SDKS).filter((name) => loaded.some((path) => SDKS[name].test(path))),
  );
}

describe('cloud SDKs', () => {
  it('are loaded only when a backend of their provider is opened, each only its own', () => {
    const steps = sdksLoadedStepByStep(['file:///tmp/daedalus-sdks-spec/bucket', 's3://bucket', 'gcp://bucket', 'azure://container']);
    expect(steps).toEqual([
      [], // importing the library
      [], // a file store
      ['aws'],
      ['aws', 'gcs'],
      ['aws', 'azure', 'gcs'],
    ]);
  });
});

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const CLOUD_SDK = /[\\/]node_modules[\\/](@aws-sdk|@smithy|@azure|@google-cloud|google-auth-library|gaxios)[\\/]/;

/** The modules a fresh Node process loads for `require('@daedalus/contracts')` (sources, through ts-node). */
function modulesLoadedByContracts(): string[] {
  const entry = join(ROOT, 'libs', 'contracts', 'src', 'index.ts');
  const script =
    'const before = new Set(Object.keys(require.cache));' +
    `require(${JSON.stringify(entry)});` +
    'process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((k) => !before.has(k))));';
  const output = execFileSync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', join(ROOT, 'scripts', 'register-paths.js'), '-e', script],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') } },
  );
  return JSON.parse(output) as string[];
}

describe('loading the public protocol', () => {
  it('loads no cloud SDK (contracts import storage location parsing by path, not the storage barrel)', () => {
    const loaded = modulesLoadedByContracts();
    expect(loaded.some((path) => path.includes(join('libs', 'contracts', 'src', 'naming.ts')))).toBe(true);
    expect(loaded.filter((path) => CLOUD_SDK.test(path))).toEqual([]);
    expect(loaded.filter((path) => path.includes(join('libs', 'storage', 'src'))).sort()).toEqual([
      join(ROOT, 'libs', 'storage', 'src', 'features.ts'),
      join(ROOT, 'libs', 'storage', 'src', 'location.ts'),
    ]);
  });
});

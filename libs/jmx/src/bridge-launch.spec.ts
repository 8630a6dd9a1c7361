import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot, resolveBridgeCommand } from './bridge-launch';

describe('resolveBridgeCommand', () => {
  const root = findRepoRoot();
  const source = join(root, 'libs', 'jmx', 'java', 'JmxBridge.java');
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'daedalus-jmx-launch-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the repository root by its package.json', () => {
    expect(findRepoRoot(join(root, 'libs', 'jmx', 'src'))).toBe(root);
  });

  it('uses compiled classes when they are at least as new as the source', () => {
    const classes = join(dir, 'fresh');
    mkdirSync(classes);
    writeFileSync(join(classes, 'JmxBridge.class'), '');
    const warnings: string[] = [];
    const command = resolveBridgeCommand({ bridgeClassDir: classes, javaBin: '/opt/jdk/bin/java' }, (m) => warnings.push(m));
    expect(command.command).toBe('/opt/jdk/bin/java');
    expect(command.args.slice(-3)).toEqual(['-cp', classes, 'JmxBridge']);
    expect(warnings).toEqual([]);
  });

  it('falls back to the source launcher when classes are missing or stale', () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(resolveBridgeCommand({ bridgeClassDir: empty, jvmArgs: ['-Dx=1'] }, () => undefined).args.slice(-2)).toEqual(['-Dx=1', source]);
    const stale = join(dir, 'stale');
    mkdirSync(stale);
    writeFileSync(join(stale, 'JmxBridge.class'), '');
    utimesSync(join(stale, 'JmxBridge.class'), new Date(0), new Date(0));
    const warnings: string[] = [];
    expect(resolveBridgeCommand({ bridgeClassDir: stale }, (m) => warnings.push(m)).args.at(-1)).toBe(source);
    expect(warnings[0]).toContain('older than');
  });
});

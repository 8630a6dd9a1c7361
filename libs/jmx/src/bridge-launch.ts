/** Where the bridge program lives and how to start it: compiled classes when current, else the source launcher. */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { JmxError } from './jmx-client';

export interface BridgeCommand {
  command: string;
  args: string[];
}

export interface BridgeLaunchOptions {
  javaBin?: string;
  /** Folder holding JmxBridge.class; default `<repo>/dist/java/bridge` (built by `node scripts/build-java.js`). */
  bridgeClassDir?: string;
  /** Extra JVM flags placed before the class or source file. */
  jvmArgs?: string[];
}

/**
 * A small heap and the C1 compiler only: the bridge moves a few JSON lines, and starting fast matters more
 * than peak throughput. OOM must end the process so the client notices and starts a fresh one.
 */
export const DEFAULT_JVM_ARGS: readonly string[] = [
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-Xms16m',
  '-Xmx128m',
  '-XX:+ExitOnOutOfMemoryError',
];

/** The nearest folder at or above `start` that holds a package.json (the repository root). */
export function findRepoRoot(start: string = __dirname): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new JmxError('bridge', `no package.json found above ${start}`);
    dir = parent;
  }
}

function modifiedAt(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

export function resolveBridgeCommand(options: BridgeLaunchOptions, warn: (message: string) => void): BridgeCommand {
  const root = findRepoRoot();
  const java = options.javaBin ?? 'java';
  const jvmArgs = [...DEFAULT_JVM_ARGS, ...(options.jvmArgs ?? [])];
  const classDir = options.bridgeClassDir ?? join(root, 'dist', 'java', 'bridge');
  const source = join(root, 'libs', 'jmx', 'java', 'JmxBridge.java');
  const classTime = modifiedAt(join(classDir, 'JmxBridge.class'));
  const sourceTime = modifiedAt(source);
  if (classTime !== undefined && (sourceTime === undefined || classTime >= sourceTime)) {
    return { command: java, args: [...jvmArgs, '-cp', classDir, 'JmxBridge'] };
  }
  if (sourceTime === undefined) {
    throw new JmxError('bridge', `JMX bridge not found: neither ${classDir}/JmxBridge.class nor ${source}`);
  }
  if (classTime !== undefined) {
    warn(`${classDir}/JmxBridge.class is older than ${source}; using the source launcher (run node scripts/build-java.js)`);
  }
  return { command: java, args: [...jvmArgs, source] };
}

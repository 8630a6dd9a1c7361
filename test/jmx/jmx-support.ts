/** Shared pieces of the JMX bridge integration tests: compiling the Java programs, the fixture, log capture. */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { JmxError, JmxErrorKind, JmxLogger } from '@daedalus/jmx';
import { ManagedProcess, ProcessGroup } from '../support/processes';

const run = promisify(execFile);

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const BRIDGE_SOURCE = join(REPO_ROOT, 'libs', 'jmx', 'java', 'JmxBridge.java');
export const FIXTURE_SOURCE = join(__dirname, 'fixtures', 'JmxFixture.java');
export const TEST_BEAN = 'org.daedalus.test:type=TestService';
export const OTHER_BEAN = 'org.daedalus.test:type=Other,name=second';

/**
 * Compiles bridge and fixture into separate folders, so the bridge cannot load the fixture's classes
 * (as with Cassandra, whose exception classes the bridge does not have). Classes start ~3x faster than sources.
 */
export async function compileJava(dir: string): Promise<{ bridgeClasses: string; fixtureClasses: string }> {
  const bridgeClasses = join(dir, 'bridge-classes');
  const fixtureClasses = join(dir, 'fixture-classes');
  // One javac run is ~0.7 s cheaper than two; the fixture's classes are moved out afterwards.
  await run('javac', ['-encoding', 'UTF-8', '--release', '17', '-d', bridgeClasses, BRIDGE_SOURCE, FIXTURE_SOURCE], {
    timeout: 60_000,
  });
  mkdirSync(fixtureClasses);
  for (const name of readdirSync(bridgeClasses)) {
    if (name.startsWith('JmxFixture')) renameSync(join(bridgeClasses, name), join(fixtureClasses, name));
  }
  return { bridgeClasses, fixtureClasses };
}

/**
 * Stops fixtures with a short bound. ProcessGroup.kill leaves its wait timer running for the whole bound
 * (it is not cleared when the process exits), which would hold jest open after the last test.
 */
export async function stopFixtures(group: ProcessGroup, fixtures: ManagedProcess[]): Promise<void> {
  await Promise.all(fixtures.map((f) => group.kill(f, 'SIGTERM', 500)));
  await group.stopAll();
}

export async function startFixture(
  group: ProcessGroup,
  name: string,
  fixtureClasses: string,
  port: number,
  extraArgs: string[] = [],
): Promise<ManagedProcess> {
  const fixture = group.start(name, 'java', [
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-cp',
    fixtureClasses,
    'JmxFixture',
    '--port',
    String(port),
    ...extraArgs,
  ]);
  // waitForOutput polls until its timeout even when the process has exited; stop at the exit instead.
  const exited = fixture.exited.then((code) => {
    throw new Error(`${name} exited with ${code} before READY:\n${fixture.output().slice(-4_000)}`);
  });
  await Promise.race([group.waitForOutput(fixture, /READY port=\d+/, 30_000), exited]);
  exited.catch(() => undefined); // it will reject when the fixture is stopped later; nobody waits for that
  return fixture;
}

export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** Command line and environment of a live process, as the OS shows them to anyone on the machine. */
export function processInfo(pid: number): { cmdline: string; environ: string } {
  const read = (file: string): string => readFileSync(`/proc/${pid}/${file}`).toString('utf8').replace(/\0/g, ' ');
  return { cmdline: read('cmdline'), environ: read('environ') };
}

export class LogCapture implements JmxLogger {
  readonly lines: string[] = [];
  log(message: string): void {
    this.lines.push(message);
  }
  warn(message: string): void {
    this.lines.push(message);
  }
  text(): string {
    return this.lines.join('\n');
  }
}

export async function jmxFailure(promise: Promise<unknown>): Promise<JmxError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof JmxError) return error;
    throw error;
  }
  throw new Error('expected the JMX call to fail');
}

export async function expectJmxError(promise: Promise<unknown>, kind: JmxErrorKind): Promise<JmxError> {
  const error = await jmxFailure(promise);
  if (error.kind !== kind) throw new Error(`expected kind ${kind}, got ${error.kind}: ${error.message}`);
  return error;
}

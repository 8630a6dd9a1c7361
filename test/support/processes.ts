/**
 * Process helpers for integration tests: free ports, private temp dirs, child processes that are
 * always stopped by PID (also when a test fails), and bounded waits.
 */
import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, createWriteStream, WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Ports this test process already handed out (see freePort). */
const handedOut = new Set<number>();

/**
 * A loopback port nobody listens on right now. The probe socket is closed before the caller's child process
 * binds the port (often seconds later, after a JVM start), and the kernel may offer a just-closed port again:
 * never hand the same port out twice in one test file, or two of its processes could race for it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await probeFreePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port that this test file has not handed out already');
}

async function probeFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A fresh private directory. When DAEDALUS_KEEP_TEST_DIRS names a directory (an absolute path), it is made
 * there, out of reach of anything that cleans the system's temp dir while a long loop of runs goes on.
 */
/** Where every test's temporary directories are made (DAEDALUS_KEEP_TEST_DIRS, else the system's). */
export function testTempRoot(): string {
  const keepIn = process.env.DAEDALUS_KEEP_TEST_DIRS;
  return keepIn?.startsWith('/') ? keepIn : tmpdir();
}

export function makeTempDir(prefix: string): string {
  const root = testTempRoot();
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, `daedalus-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Thrown by a `waitFor` check to stop waiting at once (e.g. the process being waited on exited). */
export class WaitAborted extends Error {}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      if (error instanceof WaitAborted) throw error;
      lastError = error;
    }
    await sleep(intervalMs);
  }
  const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
}

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  logFile: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Starts and tracks child processes; `stopAll` kills every one still running, by PID, and waits.
 * Use one per test file: create in beforeAll, `stopAll` in afterAll.
 */
export class ProcessGroup {
  private readonly processes: ManagedProcess[] = [];
  private readonly started = new Map<string, number>();

  constructor(private readonly logDir: string) {}

  start(name: string, command: string, args: string[], options: SpawnOptions = {}): ManagedProcess {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    // a process started again under the same name (a restarted service) logs to a file of its own: every log is kept
    const starts = (this.started.get(name) ?? 0) + 1;
    this.started.set(name, starts);
    const logFile = join(this.logDir, starts === 1 ? `${name}.log` : `${name}.${starts}.log`);
    const log: WriteStream = createWriteStream(logFile);
    let buffer = '';
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      buffer += text;
      if (buffer.length > 1_000_000) buffer = buffer.slice(-500_000);
      log.write(text);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const managed: ManagedProcess = { name, child, pid: child.pid, logFile, output: () => buffer, exited };
    this.processes.push(managed);
    return managed;
  }

  /** Waits until the process prints `pattern`, failing early if it exits. */
  async waitForOutput(process: ManagedProcess, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    let exitCode: number | null | undefined;
    void process.exited.then((code) => (exitCode = code));
    return waitFor(
      `${process.name} to print ${pattern}`,
      () => {
        const match = process.output().match(pattern);
        if (match) return match;
        if (exitCode !== undefined) {
          throw new WaitAborted(`${process.name} exited with ${exitCode}:\n${process.output().slice(-4000)}`);
        }
        return undefined;
      },
      timeoutMs,
    );
  }

  async kill(process: ManagedProcess, signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 10_000): Promise<void> {
    if (process.child.exitCode !== null || process.child.signalCode !== null) return;
    try {
      globalThis.process.kill(process.pid, signal);
    } catch {
      return; // already gone
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([process.exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout' && signal !== 'SIGKILL') await this.kill(process, 'SIGKILL', timeoutMs);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.processes.map((p) => this.kill(p, 'SIGTERM', 5_000)));
  }
}

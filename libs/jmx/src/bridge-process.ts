/**
 * One running bridge JVM: writes request lines, matches response lines to callers by id, enforces each
 * call's timeout, and fails every call still waiting when the process ends.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BridgeCommand } from './bridge-launch';
import { parseBridgeResponse } from './bridge-protocol';
import { JmxError, JmxValue } from './jmx-client';

/** Satisfied by NestJS's Logger and by `console`. */
export interface JmxLogger {
  log(message: string): void;
  warn(message: string): void;
}

interface Pending {
  label: string;
  resolve: (value: JmxValue) => void;
  reject: (error: JmxError) => void;
  timer: NodeJS.Timeout;
}

const STDERR_TAIL_LINES = 5;
const KILL_GRACE_MS = 3_000;
const KILL_FORCE_WAIT_MS = 5_000;

export class BridgeProcess {
  readonly pid: number;
  /** Resolves once the process has exited and every pending call was rejected. */
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private readonly stderrTail: string[] = [];
  private nextId = 1;
  private running = true;
  private closing = false;

  private constructor(
    child: ChildProcess,
    pid: number,
    private readonly logger: JmxLogger,
  ) {
    this.child = child;
    this.pid = pid;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.running = false;
        this.failAll(this.exitReason(code, signal));
        resolve();
      });
    });
    // A write after the process died surfaces here; the exit handler already fails the calls.
    child.stdin?.on('error', (error) => this.logger.log(`[jmx-bridge ${pid}] stdin: ${error.message}`));
    if (child.stdout) {
      createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => this.onLine(line));
    }
    if (child.stderr) {
      createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (line) => this.onStderr(line));
    }
  }

  /** Spawns the bridge; rejects with kind 'bridge' when the command cannot be started at all. */
  static async start(command: BridgeCommand, logger: JmxLogger): Promise<BridgeProcess> {
    // Only the command and JVM flags go on the command line: credentials are sent later over stdin.
    const child = spawn(command.command, command.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    if (child.pid === undefined) {
      const reason = await new Promise<string>((resolve) => child.once('error', (e) => resolve(e.message)));
      throw new JmxError('bridge', `cannot start the JMX bridge (${command.command}): ${reason}`);
    }
    child.on('error', (error) => logger.warn(`[jmx-bridge ${child.pid}] ${error.message}`));
    return new BridgeProcess(child, child.pid, logger);
  }

  get alive(): boolean {
    return this.running && !this.closing;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  request(op: string, params: Record<string, unknown>, timeoutMs: number, label: string): Promise<JmxValue> {
    if (!this.alive) {
      const why = this.closing ? 'the JMX client was closed' : `JMX bridge ${this.pid} is not running`;
      return Promise.reject(new JmxError('bridge', `${label}: ${why}`));
    }
    const id = this.nextId++;
    const line = `${JSON.stringify({ ...params, id, op })}\n`;
    return new Promise<JmxValue>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new JmxError('timeout', `${label} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { label, resolve, reject, timer });
      this.child.stdin?.write(line);
    });
  }

  /** SIGTERM by PID, then SIGKILL if it lingers; resolves when the process is gone. */
  async kill(): Promise<void> {
    this.closing = true;
    if (!this.running) return this.exited;
    this.child.stdin?.end();
    this.signal('SIGTERM');
    if (await this.exitedWithin(KILL_GRACE_MS)) return;
    this.logger.warn(`[jmx-bridge ${this.pid}] did not stop on SIGTERM; sending SIGKILL`);
    this.signal('SIGKILL');
    if (!(await this.exitedWithin(KILL_FORCE_WAIT_MS))) {
      throw new JmxError('bridge', `JMX bridge ${this.pid} did not exit after SIGKILL`);
    }
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      process.kill(this.pid, signal);
    } catch {
      // already gone: the exit event settles everything
    }
  }

  private async exitedWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const done = await Promise.race([this.exited.then(() => true as const), timeout]);
    clearTimeout(timer);
    return done;
  }

  private onLine(line: string): void {
    if (line.trim() === '') return;
    let response;
    try {
      response = parseBridgeResponse(line);
    } catch (error) {
      this.logger.warn(`[jmx-bridge ${this.pid}] unreadable response: ${(error as Error).message}`);
      return;
    }
    if (response.id === null) {
      // The bridge could not read one of our requests; without an id there is no caller to tell.
      const message = response.ok ? 'answer without id' : response.error.message;
      this.logger.warn(`[jmx-bridge ${this.pid}] protocol error: ${message}`);
      return;
    }
    const pending = this.pending.get(response.id);
    if (!pending) return; // the caller already gave up (timeout); the late answer has no one to go to
    this.pending.delete(response.id);
    clearTimeout(pending.timer);
    if (response.ok) pending.resolve(response.result);
    else pending.reject(response.error);
  }

  private onStderr(line: string): void {
    this.stderrTail.push(line);
    if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
    this.logger.log(line.startsWith('[jmx-bridge]') ? line : `[jmx-bridge ${this.pid}] ${line}`);
  }

  private exitReason(code: number | null, signal: NodeJS.Signals | null): string {
    if (this.closing) return 'the JMX client was closed';
    const how = signal ? `signal ${signal}` : `code ${code}`;
    const tail = this.stderrTail.join(' | ').slice(-1_000);
    return `JMX bridge ${this.pid} exited (${how})${tail ? `: ${tail}` : ''}`;
  }

  private failAll(reason: string): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.reject(new JmxError('bridge', `${pending.label}: ${reason}`));
    }
  }
}

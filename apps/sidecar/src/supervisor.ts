import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/** How long a stopping half may take before it is killed. */
export const STOP_GRACE_MS = 20_000;

/** The message a node agent started by a sidecar sends once it has found its node (apps/node-agent main.ts). */
export interface AgentReady {
  daedalus: 'agent-ready';
  hostId: string;
}

export function isAgentReady(message: unknown): message is AgentReady {
  const m = message as Partial<AgentReady> | null;
  return typeof m === 'object' && m !== null && m.daedalus === 'agent-ready' && typeof m.hostId === 'string' && m.hostId !== '';
}

type Log = (line: string) => void;

/**
 * Runs the two halves of a sidecar as child processes of this one and ties their lives together: the first
 * to end, for whatever reason, takes the other down and the sidecar exits non-zero. Children, not two Nest
 * apps in one process: a crash or a stuck event loop in one cannot leave the other answering alone.
 */
export class SidecarSupervisor {
  private readonly children = new Map<string, ChildProcess>();
  private stopping = false;
  private exitCode = 0;

  constructor(
    private readonly distDir: string,
    private readonly log: Log,
    private readonly exit: (code: number) => void,
  ) {}

  /** Starts the agent; resolves with its host ID once it has registered, or undefined if it ended first. */
  startAgent(args: readonly string[]): Promise<string | undefined> {
    const agent = this.spawnHalf('agent', 'node-agent', args);
    return new Promise((resolve) => {
      agent.on('message', (message) => {
        if (isAgentReady(message)) resolve(message.hostId);
      });
      agent.once('exit', () => resolve(undefined));
    });
  }

  startGateway(args: readonly string[]): void {
    if (this.stopping) return; // a signal came while the agent was starting
    this.spawnHalf('gateway', 'gateway', args);
  }

  /** SIGTERM/SIGINT: stop both halves cleanly and exit 0 (non-zero if one had already failed). */
  shutdown(signal: NodeJS.Signals): void {
    if (this.stopping) return;
    this.log(`sidecar: ${signal}, stopping the agent and the gateway`);
    this.stopAll(signal);
  }

  private spawnHalf(name: string, app: string, args: readonly string[]): ChildProcess {
    const main = join(this.distDir, 'apps', app, 'src', 'main.js');
    const preload = join(this.distDir, 'apps', 'sidecar', 'src', 'parent-watch.js');
    const child = spawn(process.execPath, ['-r', preload, main, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.children.set(name, child);
    this.log(`sidecar: ${name} started (pid ${child.pid})`);
    child.once('exit', (code, signal) => {
      this.children.delete(name);
      if (!this.stopping) {
        this.log(`sidecar: the ${name} ended (${signal ?? `exit code ${code}`}); stopping the other half`);
        this.exitCode = code === 0 || code === null ? 1 : code;
        this.stopAll('SIGTERM');
      } else if (this.children.size === 0) {
        this.exit(this.exitCode);
      }
    });
    return child;
  }

  private stopAll(signal: NodeJS.Signals): void {
    this.stopping = true;
    if (this.children.size === 0) {
      this.exit(this.exitCode);
      return;
    }
    for (const child of this.children.values()) child.kill(signal);
    setTimeout(() => {
      for (const [name, child] of this.children) {
        this.log(`sidecar: the ${name} did not stop within ${STOP_GRACE_MS} ms; killing it`);
        child.kill('SIGKILL');
      }
    }, STOP_GRACE_MS).unref();
  }
}

import { MultiBar, Presets, SingleBar } from 'cli-progress';
import type { OperationView } from './gateway-client';

/** What the watch shows as an operation's record changes. */
export interface ProgressDisplay {
  show(view: OperationView): void;
  note(text: string): void;
  stop(): void;
}

type NodeView = OperationView['nodes'][number];

const percent = (progress: number) => Math.round(Math.max(0, Math.min(1, progress)) * 100);
const nodeName = (node: NodeView) => node.address || node.hostId.slice(0, 8);

/**
 * One progress bar per node and phase (cli-progress), on stderr so stdout stays for the result: a phase's bars stay
 * on screen when the next phase begins. For a terminal only.
 */
export class BarDisplay implements ProgressDisplay {
  private readonly bars = new MultiBar(
    {
      stream: process.stderr,
      format: ' {label} [{bar}] {percentage}% {state}',
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
    },
    Presets.shades_classic,
  );
  private readonly byNodeAndPhase = new Map<string, SingleBar>();
  private header?: SingleBar;

  show(view: OperationView): void {
    const label = `${view.type} ${view.id.slice(0, 8)}${view.phase ? ` ${view.phase}` : ''}`;
    const overall = { label: label.padEnd(28), state: view.state };
    if (!this.header) this.header = this.bars.create(100, percent(view.progress), overall);
    else this.header.update(percent(view.progress), overall);
    for (const node of view.nodes) {
      const key = `${node.hostId}/${node.phase ?? view.phase ?? ''}`;
      const payload = {
        label: `  ${nodeName(node)} ${node.phase ?? view.phase ?? ''}`.padEnd(28),
        state: `${node.state}${node.message ? ` ${node.message.slice(0, 60)}` : ''}`,
      };
      const bar = this.byNodeAndPhase.get(key);
      if (bar) bar.update(percent(node.progress), payload);
      else this.byNodeAndPhase.set(key, this.bars.create(100, percent(node.progress), payload));
    }
  }

  note(text: string): void {
    this.bars.log(`${text}\n`);
  }

  stop(): void {
    this.bars.stop();
  }
}

/**
 * Without a terminal (a log, a pipe): one line on stderr whenever the operation's or a node's state or phase
 * changes, not at every percent.
 */
export class LineDisplay implements ProgressDisplay {
  private readonly last = new Map<string, string>();

  show(view: OperationView): void {
    this.line(view.id, `${view.state}${view.phase ? ` ${view.phase}` : ''}`, `${view.type} ${view.id} ${view.state}`, view);
    for (const node of view.nodes) {
      const phase = node.phase ?? view.phase;
      this.line(
        `${view.id}/${node.hostId}`,
        `${node.state}/${phase ?? ''}`,
        `  ${nodeName(node)}${phase ? ` ${phase}` : ''} ${node.state}${node.message ? `: ${node.message}` : ''}`,
        view,
      );
    }
  }

  note(text: string): void {
    process.stderr.write(`${text}\n`);
  }

  stop(): void {}

  private line(key: string, state: string, text: string, view: OperationView): void {
    if (this.last.get(key) === state) return;
    this.last.set(key, state);
    process.stderr.write(`${text} (${percent(view.progress)}%)\n`);
  }
}

/** Shows nothing (`--output json`: the result alone, on stdout). */
export class SilentDisplay implements ProgressDisplay {
  show(): void {}
  note(): void {}
  stop(): void {}
}

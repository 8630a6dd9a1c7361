import type { BackupSummaryView, OperationView, ScheduleView } from './gateway-client';

export type OutputFormat = 'text' | 'json';
export const OUTPUT_FORMATS: OutputFormat[] = ['text', 'json'];

const pct = (progress: number) => `${Math.round(progress * 100)}%`;

/** JSON for scripts (one document on stdout), or text for people. */
export function print(format: OutputFormat, value: unknown, asText: () => string): void {
  process.stdout.write(format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : `${asText()}\n`);
}

export function operationText(view: OperationView): string {
  const lines = [`${view.type} ${view.id} ${view.state} ${pct(view.progress)}`];
  if (view.phases) lines.push(`  phase ${view.phase ?? '-'} of ${view.phases.join(' → ')}`);
  if (view.submittedBy) lines.push(`  submitted by ${view.submittedBy} at ${view.creationTime}`);
  for (const node of view.nodes) {
    const phase = node.phase ? ` ${node.phase}` : '';
    lines.push(
      `  node ${node.address} (${node.hostId})${phase} ${node.state} ${pct(node.progress)}${node.message ? `: ${node.message}` : ''}`,
    );
  }
  for (const error of view.errors) lines.push(`  error from ${error.source}: ${error.message}`);
  return lines.join('\n');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function operationsText(views: OperationView[]): string {
  if (views.length === 0) return 'no operations';
  return table(
    ['ID', 'TYPE', 'STATE', 'PROGRESS', 'CREATED', 'BY'],
    views.map((v) => [v.id, v.type, v.state, pct(v.progress), v.creationTime, v.submittedBy ?? '']),
  );
}

const bytes = (n: number) => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
};

/** The backups; a VERIFIED column (state, mode, when) once any of them was verified. */
export function backupsText(backups: BackupSummaryView[]): string {
  if (backups.length === 0) return 'no backups';
  const verified = backups.some((b) => b.verified !== undefined);
  return table(
    ['NAME', 'TIME', 'NODES', 'SIZE', 'ADDED', 'COMPLETE', ...(verified ? ['VERIFIED'] : [])],
    backups.map((b) => [
      b.name,
      b.time,
      `${b.nodesComplete}/${b.nodesExpected}`,
      bytes(b.totalBytes),
      bytes(b.addedBytes),
      b.complete ? 'yes' : 'no',
      ...(verified ? [b.verified ? `${b.verified.state} (${b.verified.mode}, ${b.verified.at})` : '-'] : []),
    ]),
  );
}

/** The newest run of a schedule, as `submitted 2026-…` (with its operation's state when the view has it). */
function lastRun(view: ScheduleView): string {
  const run = view.runs[view.runs.length - 1];
  if (!run) return '-';
  return `${run.state}${run.operationState ? ` (${run.operationState})` : ''} ${run.fireTime}`;
}

export function schedulesText(views: ScheduleView[]): string {
  if (views.length === 0) return 'no schedules';
  return table(
    ['ID', 'TYPE', 'SCHEDULE', 'TIME ZONE', 'STATE', 'NEXT RUN', 'LAST RUN'],
    views.map((v) => [
      v.id,
      String(v.request.type),
      v.schedule,
      v.timeZone,
      v.suspended ? 'suspended' : 'active',
      v.nextFireTimes[0] ?? '-',
      lastRun(v),
    ]),
  );
}

/** One schedule: its definition, the next fire times and the runs kept (oldest first) with their operations. */
export function scheduleText(view: ScheduleView): string {
  const lines = [
    `schedule ${view.id}: ${String(view.request.type)} ${view.schedule} (${view.timeZone}) ${view.suspended ? 'suspended' : 'active'}`,
  ];
  const window = view.window ? `window ${view.window.start} for ${view.window.duration}` : 'no window';
  lines.push(`  ${window} · concurrency ${view.concurrencyPolicy} · catch-up ${view.catchUp}`);
  lines.push(`  request ${JSON.stringify(view.request)}`);
  lines.push(`  created ${view.createdAt}${view.createdBy ? ` by ${view.createdBy}` : ''} · updated ${view.updatedAt}`);
  if (view.nextFireTimes.length === 0) lines.push(`  next runs: none${view.suspended ? ' (suspended)' : ''}`);
  else lines.push('  next runs:', ...view.nextFireTimes.map((time) => `    ${time}`));
  if (view.runs.length === 0) {
    lines.push('  runs: none yet');
  } else {
    lines.push('  runs (oldest first):');
    const runs = table(
      ['FIRE TIME', 'RUN', 'OPERATION', 'OPERATION STATE', 'NOTE'],
      view.runs.map((run) => [run.fireTime, run.state, run.operationId, run.operationState ?? '-', run.note ?? '']),
    );
    lines.push(...runs.split('\n').map((line) => `    ${line}`));
  }
  return lines.join('\n');
}

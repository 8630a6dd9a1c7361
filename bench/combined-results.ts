/**
 * bench/RESULTS.md: every benchmark's own RESULTS.md (each prints its figures beside its baseline from the same
 * run), gathered in one file after `npm run bench`, each marked with when it was last written and whether this
 * invocation ran it — a section not run now is an earlier measurement, said so rather than passed off as new.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One level deeper: a bench's `# Title` becomes a `## ` section of the combined file. */
const demoted = (markdown: string) => markdown.replace(/^(#+) /gm, '#$1 ');

export function writeCombinedResults(benchDir: string, names: string[], ranNow: string[], startedAt: Date): string {
  const lines = [
    '# Benchmark results',
    '',
    `Gathered by \`npm run bench\` at ${new Date().toISOString()} from each benchmark's own RESULTS.md. This invocation`,
    `(started ${startedAt.toISOString()}) ran: ${ranNow.join(', ') || 'none'}.`,
    '',
  ];
  for (const name of names) {
    const path = join(benchDir, name, 'RESULTS.md');
    if (!existsSync(path)) {
      lines.push(`## ${name}`, '', `No RESULTS.md: \`npm run bench -- ${name}\` prints its figures only.`, '');
      continue;
    }
    const written = statSync(path).mtime;
    const fresh = ranNow.includes(name) && written >= startedAt;
    lines.push(
      `<!-- ${name} -->`,
      `_bench/${name}/RESULTS.md, last written ${written.toISOString()}${fresh ? ' by this run' : ' (not by this run: an earlier measurement)'}_`,
      '',
      demoted(readFileSync(path, 'utf8').trim()),
      '',
    );
  }
  const out = join(benchDir, 'RESULTS.md');
  writeFileSync(out, `${lines.join('\n')}\n`);
  return out;
}

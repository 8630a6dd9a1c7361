/**
 * Cassandra's conf/commitlog_archiving.properties, read for the archive directory and written for a
 * point-in-time replay. Cassandra's CommitLogArchiver parses `restore_point_in_time` as `yyyy:MM:dd HH:mm:ss`
 * in GMT (whole seconds, see `restorePointInTime`), splits `restore_directories` on commas and runs `*_command`
 * split on spaces, without a shell.
 */

export const ARCHIVING_PROPERTIES_FILE = 'commitlog_archiving.properties';

/** The Java properties the file holds (simple form: `key=value` lines, `#`/`!` comments; no continuations). */
export function parseArchivingProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const at = line.search(/[=:]/);
    const key = (at < 0 ? line : line.slice(0, at)).trim();
    const value = at < 0 ? '' : line.slice(at + 1).trim();
    out.set(key, value);
  }
  return out;
}

/**
 * The directory `archive_command` copies segments into: the directory of the argument holding `%name`
 * (`/bin/cp %path /backup/%name` → `/backup`). Undefined when archiving is off or the command has no such
 * argument (a script: the request must then name the directory, `commitLogArchiveOverride`).
 */
export function archiveDirectoryOf(archiveCommand: string | undefined): string | undefined {
  const target = (archiveCommand ?? '').split(' ').find((arg) => arg.endsWith('/%name') && arg.startsWith('/'));
  if (!target) return undefined;
  const dir = target.slice(0, -'/%name'.length);
  return dir === '' ? '/' : dir;
}

/**
 * `restore_point_in_time` for an instant: GMT, `yyyy:MM:dd HH:mm:ss`. Cassandra keeps the point as
 * milliseconds and replays a mutation unless its write time (in `precision`, truncated to ms) is after it, so
 * the point must be a whole second to mean what it says; `undefined` when it is not.
 */
export function restorePointInTime(ms: number): string | undefined {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms % 1000 !== 0) return undefined;
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getUTCFullYear(), 4)}:${pad(d.getUTCMonth() + 1)}:${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export interface ReplaySettings {
  /** the directory holding exactly the downloaded segments (Cassandra refuses to start on any other file there) */
  restoreDirectory: string;
  /** a whole second, ms since the epoch */
  pointInTimeMs: number;
  /** how to copy a segment back into commitlog_directory */
  restoreCommand: string;
}

/**
 * The file's new text: the previous lines kept (archive_command goes on archiving after the start), the
 * replay keys replaced or added. Throws when a value cannot be written so that Cassandra reads it back as meant.
 */
export function replayProperties(previous: string | undefined, settings: ReplaySettings): string {
  const point = restorePointInTime(settings.pointInTimeMs);
  if (point === undefined) throw new Error(`restore point ${settings.pointInTimeMs} is not a whole second`);
  if (/[,\\\s]/.test(settings.restoreDirectory))
    throw new Error(
      `${settings.restoreDirectory}: Cassandra splits restore_directories on commas, and a properties file reads \\ and spaces specially`,
    );
  const values: Record<string, string> = {
    restore_command: settings.restoreCommand,
    restore_directories: settings.restoreDirectory,
    restore_point_in_time: point,
    precision: 'MICROSECONDS',
  };
  const written = new Set<string>();
  const lines = (previous ?? '').split(/\r?\n/).map((line) => {
    const trimmed = line.trim();
    if (trimmed.startsWith('#') || trimmed.startsWith('!')) return line;
    const at = trimmed.search(/[=:]/);
    const key = (at < 0 ? trimmed : trimmed.slice(0, at)).trim();
    if (!(key in values)) return line;
    written.add(key);
    return `${key}=${values[key]}`;
  });
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  for (const [key, value] of Object.entries(values)) if (!written.has(key)) lines.push(`${key}=${value}`);
  return `${lines.join('\n')}\n`;
}

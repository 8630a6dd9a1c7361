import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { errorCode, FileSystem, localFileSystem } from '../adapters/filesystem';

export interface SetAside {
  /** the dated folder that now holds what was moved */
  folder: string;
  /** directory → how many entries were moved out of it */
  moved: Record<string, number>;
}

/** A rename, or (the directory is a mount of its own) a streamed copy and then removal of the original. */
async function move(fs: FileSystem, from: string, to: string): Promise<void> {
  try {
    await fs.rename(from, to);
  } catch (error) {
    if (errorCode(error) !== 'EXDEV') throw error;
    if ((await fs.stat(from))?.isDirectory) {
      await fs.makeDirectory(to);
      for (const entry of await fs.listExisting(from)) await move(fs, join(from, entry.name), join(to, entry.name));
    } else {
      await pipeline(fs.openRead(from), fs.openWrite(to));
    }
    await fs.remove(from);
  }
}

/**
 * Moves everything in `dirs` (commit log, hints, saved caches) into one dated folder beside the first of them,
 * keeping each directory's name, so that Cassandra replays, re-sends and preloads nothing from before the
 * restore at its next start. Nothing is deleted: an operator can still inspect or replay what was set aside.
 */
export async function setAside(dirs: string[], label: string, now: Date, fs: FileSystem = localFileSystem): Promise<SetAside | undefined> {
  const present: string[] = [];
  for (const dir of dirs) if ((await fs.list(dir)).length > 0) present.push(dir);
  if (present.length === 0) return undefined;
  const folder = join(dirname(present[0]), 'daedalus-set-aside', `${now.toISOString().replace(/[:.]/g, '-')}-${label}`);
  const moved: Record<string, number> = {};
  for (const dir of present) {
    const into = join(folder, basename(dir));
    await fs.makeDirectory(into);
    const names = (await fs.listExisting(dir)).map((e) => e.name);
    for (const name of names) await move(fs, join(dir, name), join(into, name));
    moved[dir] = names.length;
  }
  return { folder, moved };
}

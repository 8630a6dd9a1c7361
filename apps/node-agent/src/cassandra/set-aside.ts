import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface SetAside {
  /** the dated folder that now holds what was moved */
  folder: string;
  /** directory → how many entries were moved out of it */
  moved: Record<string, number>;
}

/** A rename, or (the directory is a mount of its own) a streamed copy and then removal of the original. */
async function move(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    if ((await stat(from)).isDirectory()) {
      await mkdir(to, { recursive: true });
      for (const name of await readdir(from)) await move(join(from, name), join(to, name));
    } else {
      await pipeline(createReadStream(from), createWriteStream(to));
    }
    await rm(from, { recursive: true, force: true });
  }
}

/**
 * Moves everything in `dirs` (commit log, hints, saved caches) into one dated folder beside the first of them,
 * keeping each directory's name, so that Cassandra replays, re-sends and preloads nothing from before the
 * restore at its next start. Nothing is deleted: an operator can still inspect or replay what was set aside.
 */
export async function setAside(dirs: string[], label: string, now: Date): Promise<SetAside | undefined> {
  const present: string[] = [];
  for (const dir of dirs) if ((await readdir(dir).catch(() => [])).length > 0) present.push(dir);
  if (present.length === 0) return undefined;
  const folder = join(dirname(present[0]), 'daedalus-set-aside', `${now.toISOString().replace(/[:.]/g, '-')}-${label}`);
  const moved: Record<string, number> = {};
  for (const dir of present) {
    const into = join(folder, basename(dir));
    await mkdir(into, { recursive: true });
    const names = await readdir(dir);
    for (const name of names) await move(join(dir, name), join(into, name));
    moved[dir] = names.length;
  }
  return { folder, moved };
}

import { basename, dirname, isAbsolute, join, normalize } from 'node:path';
import { AgentRoots, ConfinedPath, confinedPathsOf, isWithinAnyRoot, OperationRequest, outsideRootsMessage } from '@daedalus/contracts';
import { errorMessage } from '@daedalus/common';
import { FileSystem, localFileSystem } from '../adapters/filesystem';
import { OperationRejectedError } from '../operations/executor';

/**
 * Where `path` really is: the realpath of its nearest existing ancestor, joined with the part that does not
 * exist yet (which holds no link to follow). A symbolic link anywhere on the way is resolved, so a link inside
 * a root that points elsewhere is judged by where it points.
 */
export async function resolveReal(path: string, fs: FileSystem = localFileSystem): Promise<string> {
  let existing = normalize(path);
  const missing: string[] = [];
  for (;;) {
    const real = await fs.realPath(existing);
    if (real !== undefined) return join(real, ...missing.reverse());
    const parent = dirname(existing);
    if (parent === existing) return normalize(path);
    missing.push(basename(existing));
    existing = parent;
  }
}

/** A path outside the agent's roots: refused naming the request field. */
export class OutsideRootsError extends OperationRejectedError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'OutsideRootsError';
  }
}

/**
 * Checks that `confined.path` lies within `roots`, lexically and with symbolic links resolved on both sides
 * (a root may itself be a link, e.g. /data → /mnt/disk1/data). Returns the real path.
 */
export async function confine(confined: ConfinedPath, roots: readonly string[], fs: FileSystem = localFileSystem): Promise<string> {
  if (!isAbsolute(confined.path))
    throw new OutsideRootsError(confined.field, `${confined.field}: ${confined.path} is not an absolute path`);
  if (!isWithinAnyRoot(confined.path, roots)) throw new OutsideRootsError(confined.field, outsideRootsMessage(confined, roots));
  let real: string;
  let realRoots: string[];
  try {
    real = await resolveReal(confined.path, fs);
    realRoots = await Promise.all(roots.map((root) => resolveReal(root, fs)));
  } catch (error) {
    throw new OutsideRootsError(confined.field, `${confined.field}: ${confined.path} cannot be resolved: ${errorMessage(error)}`);
  }
  if (!isWithinAnyRoot(real, realRoots)) {
    throw new OutsideRootsError(confined.field, outsideRootsMessage(confined, roots, ` (it resolves to ${real} through a symbolic link)`));
  }
  return real;
}

/**
 * Every directory the request names, each within the roots for its kind; throws for the first that is not.
 * `roots` is read only when the request names a directory.
 */
export async function confineRequest(request: OperationRequest, roots: () => AgentRoots, fs: FileSystem = localFileSystem): Promise<void> {
  for (const confined of confinedPathsOf(request)) await confine(confined, roots()[confined.kind], fs);
}

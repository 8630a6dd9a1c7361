/**
 * Archived commit-log segments in a backup store, and which of them a point-in-time restore needs. Pure: the
 * agent's commitlog-backup writes this layout, its commitlog-restore (and a cluster point-in-time restore's
 * planning) read it with `selectSegments`. docs/design.md, "Commit-log backup layout".
 */

/** Cassandra's segment file name: `CommitLog-<descriptor version>-<segment id>.log`. */
export const SEGMENT_FILE_NAME = /^CommitLog-(\d{1,3})-(\d{1,19})\.log$/;

export interface SegmentName {
  name: string;
  version: number;
  id: number;
}

export function parseSegmentName(name: string): SegmentName | undefined {
  const match = SEGMENT_FILE_NAME.exec(name);
  if (!match) return undefined;
  const id = Number(match[2]);
  return Number.isSafeInteger(id) ? { name, version: Number(match[1]), id } : undefined;
}

/** Where one node's commit logs live: `<cluster>/<dc>/<hostId>/commitlog/`. */
export interface CommitLogNodePath {
  cluster: string;
  dc: string;
  hostId: string;
}

const ID_DIGITS = 19;
const TIME_DIGITS = 15;
const INDEX_KEY = /^(\d{19})-(\d{15})\.json$/;

/**
 * `commitlog/segments/<name>`: the segment's bytes, written once. `commitlog/index/<id>-<lastModifiedMs>.json`
 * (both zero-padded, so keys sort by id): written after the segment object was verified — the commit point of
 * one segment. A listing of `index/` alone orders the segments and bounds their times.
 */
export const CommitLogLayout = {
  prefix: (node: CommitLogNodePath): string => `${node.cluster}/${node.dc}/${node.hostId}/commitlog/`,
  segmentsPrefix: (node: CommitLogNodePath): string => `${CommitLogLayout.prefix(node)}segments/`,
  segment: (node: CommitLogNodePath, name: string): string => `${CommitLogLayout.segmentsPrefix(node)}${name}`,
  indexPrefix: (node: CommitLogNodePath): string => `${CommitLogLayout.prefix(node)}index/`,
  indexEntry: (node: CommitLogNodePath, id: number, lastModifiedMs: number): string =>
    `${CommitLogLayout.indexPrefix(node)}${String(id).padStart(ID_DIGITS, '0')}-${String(Math.trunc(lastModifiedMs)).padStart(TIME_DIGITS, '0')}.json`,
};

/** What an index key says (its last path element), or undefined for anything else under index/. */
export function parseIndexKey(key: string): { id: number; lastModifiedMs: number } | undefined {
  const match = INDEX_KEY.exec(key.slice(key.lastIndexOf('/') + 1));
  if (!match) return undefined;
  const id = Number(match[1]);
  const lastModifiedMs = Number(match[2]);
  return Number.isSafeInteger(id) && Number.isSafeInteger(lastModifiedMs) ? { id, lastModifiedMs } : undefined;
}

export const SEGMENT_INDEX_SCHEMA_VERSION = 1;

/** The document at an index key. */
export interface SegmentIndexEntry {
  schemaVersion: number;
  name: string;
  version: number;
  id: number;
  /** the segment object's key, relative to the bucket */
  key: string;
  size: number;
  sha256: string;
  /**
   * The archived file's modification time: no mutation in the segment arrived later (Cassandra writes a segment,
   * closes it, then archives it). Cassandra's segments are not cheap to read, so first/last write times are
   * not recorded; the segment before it (by id) bounds its start.
   */
  lastModified: string;
  lastModifiedMs: number;
  /** `archive` (Cassandra's archive directory) or `commitlog` (a closed segment still in commitlog_directory, `online`) */
  source: 'archive' | 'commitlog';
  uploadedAt: string;
}

/** An index entry as a listing of `index/` gives it, with whether its segment object is present. */
export interface IndexedSegment {
  id: number;
  lastModifiedMs: number;
  indexKey: string;
  /** false when the listing of `segments/` lacks its object (deleted from the store) */
  objectPresent: boolean;
}

export type SegmentSelection =
  { ok: true; segments: IndexedSegment[] } | { ok: false; problem: 'empty' | 'not-covered' | 'gap' | 'missing-object'; message: string };

/**
 * Whether segment `b` follows `a` with nothing missing between. Within one Cassandra process segment ids
 * count up by one. A start takes a new base, max(now in ms, highest id + 1) — later than `a` was last written
 * — so a jump to an id at or past `a`'s last-modified time is a restart, and a smaller jump is segments missing.
 */
export function followsWithoutGap(a: Pick<IndexedSegment, 'id' | 'lastModifiedMs'>, b: Pick<IndexedSegment, 'id'>): boolean {
  return b.id === a.id + 1 || b.id >= a.lastModifiedMs;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The segments a restore of writes in `startMs`..`endMs` needs, in id order: from the first whose last write
 * is at or after `startMs` to the first whose last write is at or after `endMs` (it holds the writes up to
 * the end; later ones hold only later writes). Refused when the archive does not reach `endMs`, when two
 * selected neighbours (or the first and the one before it) do not follow without a gap, or when a selected
 * segment's object is missing from the store.
 */
export function selectSegments(indexed: readonly IndexedSegment[], startMs: number, endMs: number): SegmentSelection {
  const all = [...indexed].sort((a, b) => a.id - b.id);
  if (all.length === 0) return { ok: false, problem: 'empty', message: 'no archived commit-log segments are in the store for this node' };
  const last = all.findIndex((s) => s.lastModifiedMs >= endMs);
  if (last < 0) {
    const newest = all[all.length - 1];
    return {
      ok: false,
      problem: 'not-covered',
      message:
        `the archived segments reach only ${iso(newest.lastModifiedMs)} (segment ${newest.id}), before timestampEnd ${iso(endMs)}: ` +
        'writes up to timestampEnd may not be archived yet (run commitlog-backup, with online: true for the closed segments Cassandra has not archived)',
    };
  }
  const firstAfterStart = all.findIndex((s) => s.lastModifiedMs >= startMs);
  const first = Math.min(firstAfterStart, last);
  const from = Math.max(first - 1, 0); // the segment before the first bounds its start: no gap may hide there
  for (let i = from + 1; i <= last; i++) {
    const a = all[i - 1];
    const b = all[i];
    if (!followsWithoutGap(a, b)) {
      return {
        ok: false,
        problem: 'gap',
        message:
          `the archived commit-log segments have a gap between segment ${a.id} (last written ${iso(a.lastModifiedMs)}) and segment ${b.id}: ` +
          `${b.id - a.id - 1} segment(s) are missing from the store, and the writes in them would be lost silently`,
      };
    }
  }
  const segments = all.slice(first, last + 1);
  const missing = segments.find((s) => !s.objectPresent);
  if (missing) {
    return {
      ok: false,
      problem: 'missing-object',
      message: `the archived commit-log segments have a gap: segment ${missing.id} is indexed but its object is missing from the store`,
    };
  }
  return { ok: true, segments };
}

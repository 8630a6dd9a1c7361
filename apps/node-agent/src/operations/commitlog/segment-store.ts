import { Readable } from 'node:stream';
import {
  CommitLogLayout,
  CommitLogNodePath,
  IndexedSegment,
  parseIndexKey,
  parseSegmentName,
  SEGMENT_INDEX_SCHEMA_VERSION,
  SegmentIndexEntry,
} from '@daedalus/contracts';
import { isSha256Hex, StorageBackend, StorageLocation } from '@daedalus/storage';
import { OperationRejectedError } from '../executor';
import { readText } from '../../repository/manifest-store';

export function commitLogNodePath(location: StorageLocation): CommitLogNodePath {
  const [cluster, dc, hostId] = location.path;
  return { cluster, dc, hostId };
}

/**
 * One node's archived segments as the store lists them: every index entry, with whether its segment object is
 * there. Two listings, no object read: what `selectSegments` needs to choose and to find gaps.
 */
export async function listIndexedSegments(backend: StorageBackend, node: CommitLogNodePath): Promise<IndexedSegment[]> {
  const objects = new Set<number>();
  for await (const entry of backend.list(CommitLogLayout.segmentsPrefix(node))) {
    const name = parseSegmentName(entry.key.slice(entry.key.lastIndexOf('/') + 1));
    if (!entry.isPrefix && name) objects.add(name.id);
  }
  const byId = new Map<number, IndexedSegment>();
  for await (const entry of backend.list(CommitLogLayout.indexPrefix(node))) {
    const parsed = entry.isPrefix ? undefined : parseIndexKey(entry.key);
    if (!parsed) continue;
    // one id indexed twice (a run that died between two writes of it): the earliest time is the safe bound
    const earlier = byId.get(parsed.id);
    if (!earlier || parsed.lastModifiedMs < earlier.lastModifiedMs) {
      byId.set(parsed.id, { ...parsed, indexKey: entry.key, objectPresent: objects.has(parsed.id) });
    }
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/** An index entry, checked: anyone who can write to the bucket can change it. */
export async function readIndexEntry(
  backend: StorageBackend,
  node: CommitLogNodePath,
  indexed: IndexedSegment,
): Promise<SegmentIndexEntry> {
  const text = await readText(backend, indexed.indexKey);
  let doc: Partial<SegmentIndexEntry>;
  try {
    doc = JSON.parse(text) as Partial<SegmentIndexEntry>;
  } catch {
    throw new OperationRejectedError(`${indexed.indexKey} is not JSON`);
  }
  const name = typeof doc.name === 'string' ? parseSegmentName(doc.name) : undefined;
  const valid =
    name !== undefined &&
    name.id === indexed.id &&
    doc.id === indexed.id &&
    doc.key === CommitLogLayout.segment(node, name.name) &&
    Number.isSafeInteger(doc.size) &&
    (doc.size ?? -1) >= 0 &&
    typeof doc.sha256 === 'string' &&
    isSha256Hex(doc.sha256);
  if (!valid) throw new OperationRejectedError(`${indexed.indexKey} is not a valid commit-log index entry for segment ${indexed.id}`);
  return doc as SegmentIndexEntry;
}

export async function writeIndexEntry(
  backend: StorageBackend,
  node: CommitLogNodePath,
  entry: Omit<SegmentIndexEntry, 'schemaVersion'>,
): Promise<string> {
  const key = CommitLogLayout.indexEntry(node, entry.id, entry.lastModifiedMs);
  const body = Buffer.from(JSON.stringify({ schemaVersion: SEGMENT_INDEX_SCHEMA_VERSION, ...entry }, null, 2));
  await backend.put(key, () => Readable.from([body]), { size: body.length, contentType: 'application/json' });
  return key;
}

/**
 * SSTable component file names: <version>-<id>-<format>-<Component>, e.g. nb-12-big-Data.db or
 * da-3gkq_0a1b_2c3d4e5f6g7h8i9j0k-bti-Partitions.db (shared/reference/cassandra.md).
 */
const COMPONENT = /^([a-z]{2})-(\d+|[0-9a-z_]{28})-(big|bti)-(.+)$/;

export interface ComponentName {
  /** "<version>-<id>-<format>": what all components of one SSTable share */
  sstable: string;
  component: string;
}

export function parseComponentName(fileName: string): ComponentName | undefined {
  const match = COMPONENT.exec(fileName);
  if (!match) return undefined;
  return { sstable: `${match[1]}-${match[2]}-${match[3]}`, component: match[4] };
}

/** "<table>-<32 hex>" → table name and id */
export function parseTableDir(dirName: string): { table: string; tableId: string } | undefined {
  const match = /^(.+)-([0-9a-f]{32})$/.exec(dirName);
  return match ? { table: match[1], tableId: match[2] } : undefined;
}

/**
 * Where a backup's objects live in a bucket (keys are relative to the bucket):
 *
 *   <cluster>/<dc>/<hostId>/data/<ks>/<table>-<tableId>/<sstable>-<digest>/<component>   immutable SSTable files
 *   <cluster>/<dc>/<hostId>/encrypted/<keyId>/data/<ks>/…                                the same, client-side encrypted
 *   <cluster>/<dc>/<hostId>/manifests/<backupName>.json                                  node commit point
 *   <cluster>/index/<backupName>/<dc>/<hostId>.json                                      node summary, for listing
 *   <cluster>/topology/<backupName>.json                                                 cluster topology
 *   <cluster>/backups/<backupName>.json                                                  cluster commit point
 *   _daedalus/clusters/<cluster>.json                                                    clusters in this bucket
 *   <cluster>/verified/<backupName>/<dc>/<hostId>/<epochMs>-<mode>-<state>.json          a verify's result for one node
 *   <cluster>/removed/<backupName>.json                                                  tombstone: the backup is removed
 *   <cluster>/leases/restore-<backupName>-<operationId>.<hostId>.json                    a restore reads the backup
 *   <cluster>/<dc>/<hostId>/leases/backup-<backupName>.json                              a backup runs on the node
 *   <cluster>/<dc>/<hostId>/leases/sweep-<operationId>.json                              a removal sweeps the node
 *
 * Listing reads only flat prefixes (index/, backups/, verified/, _daedalus/clusters/): no walk over dc/node prefixes,
 * and no reliance on delimiter listings, which some S3-compatible stores get wrong.
 * An SSTable directory is named by the SSTable's own name plus the CRC32 of its Data.db (Cassandra's
 * Digest component), so an SSTable that an earlier backup uploaded is recognised without reading it,
 * and a generation number reused after a wipe never collides with older data.
 * Encrypted SSTable files live under their key's fingerprint: dedup by key then never hands a backup an object
 * in the clear or sealed with another key, and one bucket holds plaintext and encrypted backups side by side.
 */
export interface NodePath {
  cluster: string;
  dc: string;
  hostId: string;
}

export const BackupLayout = {
  nodePrefix: (node: NodePath) => `${node.cluster}/${node.dc}/${node.hostId}/`,
  manifestsPrefix: (node: NodePath) => `${BackupLayout.nodePrefix(node)}manifests/`,
  manifest: (node: NodePath, backupName: string) => `${BackupLayout.manifestsPrefix(node)}${backupName}.json`,
  /** the SSTable objects: in the clear without a key id, else those sealed with that key (client-side encryption) */
  dataPrefix: (node: NodePath, keyId?: string) =>
    keyId === undefined ? `${BackupLayout.nodePrefix(node)}data/` : `${BackupLayout.nodePrefix(node)}encrypted/${keyId}/data/`,
  dataFile: (node: NodePath, keyspace: string, tableDir: string, sstableDir: string, file: string, keyId?: string) =>
    `${BackupLayout.dataPrefix(node, keyId)}${keyspace}/${tableDir}/${sstableDir}/${file}`,
  nodeIndexPrefix: (cluster: string) => `${cluster}/index/`,
  nodeIndex: (node: NodePath, backupName: string) => `${node.cluster}/index/${backupName}/${node.dc}/${node.hostId}.json`,
  clustersPrefix: '_daedalus/clusters/',
  clusterMarker: (cluster: string) => `_daedalus/clusters/${cluster}.json`,
  clusterRecordsPrefix: (cluster: string) => `${cluster}/backups/`,
  clusterRecord: (cluster: string, backupName: string) => `${cluster}/backups/${backupName}.json`,
  topology: (cluster: string, backupName: string) => `${cluster}/topology/${backupName}.json`,
  /** the node's SSTable objects of every kind (in the clear and under every key): what an orphan scan lists */
  objectPrefixes: (node: NodePath) => [`${BackupLayout.nodePrefix(node)}data/`, `${BackupLayout.nodePrefix(node)}encrypted/`],
  verifiedPrefix: (cluster: string) => `${cluster}/verified/`,
  /**
   * One verify of one backup on one node, written once. Its outcome is in its name (the time zero-padded so names
   * sort by it), so the listing learns the latest result of every backup from one listing, without reading them.
   */
  verification: (node: NodePath, backupName: string, at: Date, mode: string, state: string) =>
    `${node.cluster}/verified/${backupName}/${node.dc}/${node.hostId}/${String(at.getTime()).padStart(15, '0')}-${mode}-${state}.json`,
  /** tombstones and leases: docs/design.md, "Removing backups" */
  tombstonesPrefix: (cluster: string) => `${cluster}/removed/`,
  tombstone: (cluster: string, backupName: string) => `${cluster}/removed/${backupName}.json`,
  restoreLeasesPrefix: (cluster: string) => `${cluster}/leases/`,
  /** one per node of the restore: each releases its own once it reads the store no more */
  restoreLease: (cluster: string, backupName: string, operationId: string, hostId: string) =>
    `${cluster}/leases/restore-${backupName}-${operationId}.${hostId}.json`,
  nodeLeasesPrefix: (node: NodePath) => `${BackupLayout.nodePrefix(node)}leases/`,
  backupLease: (node: NodePath, backupName: string) => `${BackupLayout.nodeLeasesPrefix(node)}backup-${backupName}.json`,
  sweepLock: (node: NodePath, operationId: string) => `${BackupLayout.nodeLeasesPrefix(node)}sweep-${operationId}.json`,
} as const;

/** What a verification record's key says: "<cluster>/verified/<backupName>/<dc>/<hostId>/<epochMs>-<mode>-<state>.json" */
export interface VerificationKey {
  backupName: string;
  dc: string;
  hostId: string;
  at: Date;
  mode: 'quick' | 'full';
  state: 'passed' | 'failed';
}

export function parseVerificationKey(cluster: string, key: string): VerificationKey | undefined {
  const rest = key.slice(BackupLayout.verifiedPrefix(cluster).length).split('/');
  if (!key.startsWith(BackupLayout.verifiedPrefix(cluster)) || rest.length !== 4) return undefined;
  const match = /^(\d{1,15})-(quick|full)-(passed|failed)\.json$/.exec(rest[3]);
  if (!match) return undefined;
  const [backupName, dc, hostId] = rest;
  return {
    backupName,
    dc,
    hostId,
    at: new Date(Number(match[1])),
    mode: match[2] as 'quick' | 'full',
    state: match[3] as 'passed' | 'failed',
  };
}

/** "<name>.json" under a manifests/, backups/ or _daedalus/clusters/ prefix → "<name>" */
export function backupNameOf(key: string): string | undefined {
  const match = /\/([^/]+)\.json$/.exec(key);
  return match?.[1];
}

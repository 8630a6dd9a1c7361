/**
 * Storage locations in the Icarus/Esop form:
 *   s3://bucket/cluster/dc/node, gcp://..., azure://container/..., file:///abs/root/bucket/cluster/dc/node
 * `gs://` is accepted as an alias of `gcp://`. A trailing slash is ignored.
 *
 * Two layouts:
 * - 'node' (default, what a node-level request carries): exactly cluster/dc/node after the bucket.
 *   For file, the bucket is the path element before cluster/dc/node and everything before it is the root.
 * - 'prefix' (what a global request or a tool carries): the bucket and any number of prefix parts
 *   for cloud protocols; for file, the last path element is the bucket and there is no prefix.
 */
export type StorageProtocol = 's3' | 'gcp' | 'azure' | 'file';

export type LocationLayout = 'node' | 'prefix';

export interface StorageLocation {
  protocol: StorageProtocol;
  bucket: string;
  /** Key prefix parts after the bucket: [cluster, dc, node] in the node layout. */
  path: string[];
  /** For file locations only: the absolute directory that holds the bucket directory. */
  root?: string;
  /** The string that was parsed. */
  raw: string;
}

export class LocationError extends Error {
  constructor(
    readonly location: string,
    problem: string,
  ) {
    super(`invalid storage location ${JSON.stringify(location)}: ${problem}`);
    this.name = 'LocationError';
  }
}

const PROTOCOLS: Record<string, StorageProtocol> = { s3: 's3', gcp: 'gcp', gs: 'gcp', azure: 'azure', file: 'file' };
const NODE_PARTS = ['cluster', 'datacenter', 'node'];

export function parseStorageLocation(raw: string, options: { layout?: LocationLayout } = {}): StorageLocation {
  const layout = options.layout ?? 'node';
  const fail = (problem: string): never => {
    throw new LocationError(raw, problem);
  };
  if (typeof raw !== 'string' || raw.trim() === '') fail('it is empty');
  if (raw !== raw.trim()) fail('it has leading or trailing whitespace');
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(raw);
  if (!match) fail('expected protocol://bucket/..., e.g. s3://my-bucket/cluster/dc/node');
  const [, scheme, rest] = match as RegExpExecArray;
  const protocol = PROTOCOLS[scheme.toLowerCase()];
  if (!protocol) fail(`unknown protocol "${scheme}" (expected s3, gcp, gs, azure or file)`);
  if (/[?#]/.test(rest)) fail('query strings and fragments are not allowed');
  if (rest.includes('\\')) fail('backslashes are not allowed');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\s]/.test(rest)) fail('whitespace and control characters are not allowed');

  const body = rest.endsWith('/') ? rest.slice(0, -1) : rest;
  if (protocol === 'file') return parseFile(raw, body, layout, fail);

  if (body === '') fail('the bucket is missing');
  const parts = body.split('/');
  checkParts(parts, fail);
  const [bucket, ...path] = parts;
  if (layout === 'node' && path.length !== NODE_PARTS.length) {
    fail(`expected ${protocol}://bucket/cluster/datacenter/node, got ${path.length} part(s) after the bucket`);
  }
  return { protocol, bucket, path, raw };
}

function parseFile(raw: string, body: string, layout: LocationLayout, fail: (p: string) => never): StorageLocation {
  if (body === '' || body === '/') fail('the path is empty');
  if (!body.startsWith('/')) fail('a file location needs an absolute path: file:///abs/path/...');
  const parts = body.slice(1).split('/');
  if (parts.length === 1 && parts[0] === '') fail('the path is empty');
  checkParts(parts, fail);
  const needed = layout === 'node' ? NODE_PARTS.length + 1 : 1;
  if (parts.length < needed) {
    fail(
      layout === 'node'
        ? `expected file:///root/bucket/cluster/datacenter/node, got ${parts.length} path part(s)`
        : 'the bucket directory is missing',
    );
  }
  const bucketIndex = parts.length - needed;
  return {
    protocol: 'file',
    bucket: parts[bucketIndex],
    path: parts.slice(bucketIndex + 1),
    root: '/' + parts.slice(0, bucketIndex).join('/'),
    raw,
  };
}

function checkParts(parts: string[], fail: (p: string) => never): void {
  parts.forEach((part, index) => {
    if (part === '') fail(`part ${index + 1} is empty ("//")`);
    if (part === '.' || part === '..') fail(`"${part}" segments are not allowed`);
  });
}

/** The key prefix for objects under this location: 'cluster/dc/node/' or '' when there is no path. */
export function locationPrefix(location: StorageLocation): string {
  return location.path.length === 0 ? '' : `${location.path.join('/')}/`;
}

/** Canonical string form (gs is written as gcp, no trailing slash). */
export function formatStorageLocation(location: StorageLocation): string {
  const tail = location.path.length ? `/${location.path.join('/')}` : '';
  if (location.protocol === 'file') {
    const root = location.root && location.root !== '/' ? location.root : '';
    return `file://${root}/${location.bucket}${tail}`;
  }
  return `${location.protocol}://${location.bucket}${tail}`;
}

/** The node location a global request sends to one node: <protocol>://<bucket>/<cluster>/<dc>/<node>. */
export function nodeLocation(location: StorageLocation, cluster: string, dc: string, node: string): StorageLocation {
  const path = [cluster, dc, node];
  for (const part of path) {
    if (part === '' || part.includes('/') || part === '.' || part === '..') {
      throw new LocationError(formatStorageLocation(location), `invalid node path part ${JSON.stringify(part)}`);
    }
  }
  const result = { ...location, path };
  return { ...result, raw: formatStorageLocation(result) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the caller knows of the cluster, to tell a `file://` node form from a deep bucket path. */
export interface LocationHints {
  /** the cluster's data centers: `.../<dc>/<node>` with one of them is the node form, whatever the node id */
  datacenters?: readonly string[];
}

/**
 * A location that may name one node (`protocol://bucket/cluster/dc/node`, as Icarus clients send even for
 * global requests) or just a bucket (and, for cloud stores, a prefix). For `file://` the two forms are
 * ambiguous — `file:///srv/backups/bucket` could be read as root `/`, bucket `srv`, cluster `backups`... —
 * so the node form is taken when its last part is a host ID (a UUID, what Icarus writes) or, for any node id
 * (a pod name, "node1"), when the part before it is one of the cluster's data centers (`hints`); otherwise the
 * last path element is the bucket.
 */
export function parseAnyLocation(raw: string, hints: LocationHints = {}): StorageLocation {
  const asPrefix = parseStorageLocation(raw, { layout: 'prefix' });
  if (asPrefix.protocol !== 'file') return asPrefix;
  const parts = raw.replace(/\/$/, '').split('/');
  const last = parts[parts.length - 1] ?? '';
  const dc = parts[parts.length - 2] ?? '';
  if (!UUID.test(last) && !(hints.datacenters ?? []).includes(dc)) return asPrefix;
  try {
    return parseStorageLocation(raw, { layout: 'node' });
  } catch {
    return asPrefix;
  }
}

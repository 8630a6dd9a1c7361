/**
 * A small fake of the GCS JSON API — the subset @google-cloud/storage 7 (and rclone's GCS backend)
 * use: bucket get/insert, object insert (multipart, media and resumable uploads, including chunked
 * sessions and status queries), metadata get/patch, media download with Range and x-goog-hash, list
 * with prefix/delimiter/pageToken/maxResults/startOffset, delete, and the ifGeneration(Not)Match / ifMetageneration(Not)Match
 * preconditions. Content is streamed to disk, never held in memory. No authentication is checked.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseMultipartRelated } from './multipart';
import { ContentWriter, ObjectStore, StoredBucket, StoredObject } from './object-store';

export interface GcsFakeOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Storage directory; a new temp dir (removed on stop) when absent. */
  dir?: string;
}

export interface GcsFake {
  /** Base URL to pass as `apiEndpoint`, e.g. http://127.0.0.1:43121 */
  url: string;
  port: number;
  dir: string;
  /** Requests served, by "METHOD route" — lets tests see which upload paths were exercised. */
  requests: Map<string, number>;
  stop(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason = 'invalid',
  ) {
    super(message);
  }
}

interface UploadSession {
  id: string;
  bucket: string;
  name: string;
  contentType: string;
  metadata: Record<string, string>;
  kmsKeyName?: string;
  preconditions: URLSearchParams;
  writer: ContentWriter;
  result?: StoredObject;
}

export async function startGcsFake(options: GcsFakeOptions = {}): Promise<GcsFake> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await fs.mkdtemp(join(tmpdir(), 'daedalus-gcs-fake-')));
  const store = new ObjectStore(dir);
  await store.init();
  const sessions = new Map<string, UploadSession>();
  const requests = new Map<string, number>();
  let baseUrl = '';

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const query = url.searchParams;
    const count = (route: string): void => {
      requests.set(`${method} ${route}`, (requests.get(`${method} ${route}`) ?? 0) + 1);
    };

    let match: RegExpExecArray | null;
    if ((match = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path))) {
      const bucket = requireBucket(store, decodeURIComponent(match[1]));
      const uploadType = query.get('uploadType') ?? 'media';
      count(`upload:${uploadType}${query.has('upload_id') ? ':chunk' : ''}`);
      if (method === 'POST' && uploadType === 'resumable') return startSession(req, res, bucket, query);
      if (method === 'PUT' && query.has('upload_id')) return continueSession(req, res, query.get('upload_id') ?? '');
      if (method === 'DELETE' && query.has('upload_id')) return cancelSession(res, query.get('upload_id') ?? '');
      if (method === 'POST' && uploadType === 'multipart') return multipartUpload(req, res, bucket, query);
      if (method === 'POST' && uploadType === 'media') return mediaUpload(req, res, bucket, query);
      throw new HttpError(400, `unsupported upload ${method} uploadType=${uploadType}`);
    }
    if ((match = /^\/(?:download\/)?storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path))) {
      const bucket = requireBucket(store, decodeURIComponent(match[1]));
      const name = decodeURIComponent(match[2]);
      const media = query.get('alt') === 'media' || path.startsWith('/download/');
      count(media ? 'object:media' : 'object');
      if (method === 'GET' && media) return download(req, res, bucket, name, query);
      if (method === 'GET') return sendJson(res, 200, objectResource(requireObject(bucket, name, query)));
      if (method === 'PATCH' || method === 'PUT') return patchObject(req, res, bucket, name, query);
      if (method === 'DELETE') {
        await store.deleteObject(bucket, requireObject(bucket, name, query));
        res.writeHead(204).end();
        return;
      }
    }
    if ((match = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(path)) && method === 'GET') {
      count('list');
      return sendJson(res, 200, listObjects(requireBucket(store, decodeURIComponent(match[1])), query));
    }
    if ((match = /^\/storage\/v1\/b\/([^/]+)$/.exec(path))) {
      count('bucket');
      const bucket = requireBucket(store, decodeURIComponent(match[1]));
      if (method === 'GET') return sendJson(res, 200, bucketResource(bucket));
      if (method === 'DELETE') {
        if (bucket.objects.size > 0) throw new HttpError(409, 'The bucket you tried to delete is not empty.', 'conflict');
        store.buckets.delete(bucket.name);
        res.writeHead(204).end();
        return;
      }
    }
    if (path === '/storage/v1/b' && method === 'POST') {
      count('bucket:insert');
      const body = JSON.parse((await readSmallBody(req)) || '{}') as { name?: unknown };
      if (typeof body.name !== 'string' || !/^[a-z0-9][a-z0-9._-]{1,221}[a-z0-9]$/.test(body.name)) {
        throw new HttpError(400, 'Invalid bucket name', 'invalid');
      }
      if (store.buckets.has(body.name))
        throw new HttpError(409, 'Your previous request to create the named bucket succeeded and you already own it.', 'conflict');
      return sendJson(res, 200, bucketResource(await store.createBucket(body.name)));
    }
    throw new HttpError(404, `no route for ${method} ${path}`, 'notFound');
  };

  async function startSession(req: IncomingMessage, res: ServerResponse, bucket: StoredBucket, query: URLSearchParams): Promise<void> {
    const body = JSON.parse((await readSmallBody(req)) || '{}') as Record<string, unknown>;
    const name = query.get('name') ?? (typeof body.name === 'string' ? body.name : undefined);
    if (!name) throw new HttpError(400, 'Required object name missing');
    checkPreconditions(bucket.objects.get(name), query);
    const id = randomBytes(16).toString('hex');
    const contentType = String(req.headers['x-upload-content-type'] ?? body.contentType ?? 'application/octet-stream');
    sessions.set(id, {
      id,
      bucket: bucket.name,
      name,
      contentType,
      metadata: stringRecord(body.metadata),
      kmsKeyName: requestedKmsKey(query, body),
      preconditions: query,
      writer: new ContentWriter(store.tempPath()),
    });
    const location = `${baseUrl}/upload/storage/v1/b/${encodeURIComponent(bucket.name)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
    res.writeHead(200, { Location: location, 'Content-Length': 0 }).end();
  }

  async function continueSession(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const session = sessions.get(id);
    if (!session) throw new HttpError(404, 'No such upload session', 'notFound');
    if (session.result) {
      await drain(req);
      return sendJson(res, 200, objectResource(session.result));
    }
    const header = String(req.headers['content-range'] ?? 'bytes 0-*/*');
    const range = /^bytes (\*|(\d+)-(\d+|\*))\/(\d+|\*)$/.exec(header);
    if (!range) throw new HttpError(400, `bad Content-Range ${header}`);
    const total = range[4] === '*' ? undefined : Number(range[4]);
    const writer = session.writer;
    if (range[1] !== '*') {
      const start = Number(range[2]);
      if (start > writer.size) throw new HttpError(400, `chunk starts at ${start}, but only ${writer.size} bytes were received`);
      // Bytes the client re-sends after a lost answer are skipped, not stored twice.
      let skip = writer.size - start;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        const part = skip >= chunk.length ? Buffer.alloc(0) : chunk.subarray(skip);
        skip = Math.max(0, skip - chunk.length);
        await writer.write(part);
      }
    } else {
      await drain(req);
    }
    const openEnded = range[3] === '*';
    const finished = total !== undefined ? writer.size >= total : openEnded && range[1] !== '*';
    if (!finished) {
      const headers: Record<string, string | number> = { 'Content-Length': 0 };
      if (writer.size > 0) headers.Range = `bytes=0-${writer.size - 1}`;
      res.writeHead(308, headers).end();
      return;
    }
    if (total !== undefined && writer.size !== total) throw new HttpError(400, `received ${writer.size} bytes, declared ${total}`);
    const bucket = requireBucket(store, session.bucket);
    try {
      checkPreconditions(bucket.objects.get(session.name), session.preconditions);
    } catch (error) {
      sessions.delete(id);
      await writer.discard();
      throw error;
    }
    const content = await writer.close();
    session.result = await store.commit(
      bucket,
      session.name,
      writer.path,
      content,
      session.contentType,
      session.metadata,
      session.kmsKeyName,
    );
    sendJson(res, 200, objectResource(session.result));
  }

  async function cancelSession(res: ServerResponse, id: string): Promise<void> {
    const session = sessions.get(id);
    if (session && !session.result) await session.writer.discard();
    sessions.delete(id);
    res.writeHead(499, { 'Content-Length': 0 }).end();
  }

  async function multipartUpload(req: IncomingMessage, res: ServerResponse, bucket: StoredBucket, query: URLSearchParams): Promise<void> {
    const boundary = /boundary="?([^";]+)"?/.exec(String(req.headers['content-type'] ?? ''))?.[1];
    if (!boundary) throw new HttpError(400, 'multipart upload without boundary');
    const writer = new ContentWriter(store.tempPath());
    try {
      const meta = await parseMultipartRelated(req, boundary, (chunk) => writer.write(chunk));
      const name = query.get('name') ?? (typeof meta.name === 'string' ? meta.name : undefined);
      if (!name) throw new HttpError(400, 'Required object name missing');
      checkPreconditions(bucket.objects.get(name), query);
      const content = await writer.close();
      const contentType = typeof meta.contentType === 'string' ? meta.contentType : 'application/octet-stream';
      const kmsKeyName = requestedKmsKey(query, meta);
      const object = await store.commit(bucket, name, writer.path, content, contentType, stringRecord(meta.metadata), kmsKeyName);
      sendJson(res, 200, objectResource(object));
    } catch (error) {
      await writer.discard();
      throw error;
    }
  }

  async function mediaUpload(req: IncomingMessage, res: ServerResponse, bucket: StoredBucket, query: URLSearchParams): Promise<void> {
    const name = query.get('name');
    if (!name) throw new HttpError(400, 'Required object name missing');
    const writer = new ContentWriter(store.tempPath());
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) await writer.write(chunk);
      checkPreconditions(bucket.objects.get(name), query);
      const kmsKeyName = requestedKmsKey(query, {});
      const content = await writer.close();
      const object = await store.commit(
        bucket,
        name,
        writer.path,
        content,
        String(req.headers['content-type'] ?? 'application/octet-stream'),
        {},
        kmsKeyName,
      );
      sendJson(res, 200, objectResource(object));
    } catch (error) {
      await writer.discard();
      throw error;
    }
  }

  async function download(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: StoredBucket,
    name: string,
    query: URLSearchParams,
  ): Promise<void> {
    const object = requireObject(bucket, name, query);
    const headers: Record<string, string | number> = {
      'Content-Type': object.contentType,
      'Accept-Ranges': 'bytes',
      ETag: etagOf(object),
      'Last-Modified': new Date(object.updated).toUTCString(),
      'x-goog-generation': String(object.generation),
      'x-goog-metageneration': String(object.metageneration),
      'x-goog-hash': `crc32c=${object.crc32c},md5=${object.md5Hash}`,
      'x-goog-stored-content-encoding': 'identity',
      'x-goog-stored-content-length': String(object.size),
    };
    const rangeHeader = req.headers.range;
    let start = 0;
    let end = object.size - 1;
    let status = 200;
    if (rangeHeader) {
      const range = /^bytes=(\d*)-(\d*)$/.exec(rangeHeader);
      if (!range || (range[1] === '' && range[2] === '')) throw new HttpError(400, `bad Range ${rangeHeader}`);
      if (range[1] === '') {
        start = Math.max(0, object.size - Number(range[2]));
      } else {
        start = Number(range[1]);
        if (range[2] !== '') end = Math.min(end, Number(range[2]));
      }
      if (start >= object.size && object.size > 0) {
        res.writeHead(416, { 'Content-Range': `bytes */${object.size}`, 'Content-Type': 'application/json' });
        res.end(JSON.stringify(errorBody(416, 'The requested range cannot be satisfied.', 'requestedRangeNotSatisfiable')));
        return;
      }
      if (object.size > 0) {
        status = 206;
        headers['Content-Range'] = `bytes ${start}-${end}/${object.size}`;
      }
    }
    const length = object.size === 0 ? 0 : end - start + 1;
    headers['Content-Length'] = length;
    res.writeHead(status, headers);
    if (length === 0 || req.method === 'HEAD') {
      res.end();
      return;
    }
    await pipeline(createReadStream(store.contentPath(object), { start, end }), res);
  }

  async function patchObject(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: StoredBucket,
    name: string,
    query: URLSearchParams,
  ): Promise<void> {
    const object = requireObject(bucket, name, query);
    const body = JSON.parse((await readSmallBody(req)) || '{}') as Record<string, unknown>;
    if (body.metadata === null) object.metadata = {};
    else if (typeof body.metadata === 'object') {
      for (const [k, v] of Object.entries(body.metadata as Record<string, unknown>)) {
        if (v === null) delete object.metadata[k];
        else object.metadata[k] = String(v);
      }
    }
    if (typeof body.contentType === 'string') object.contentType = body.contentType;
    object.metageneration += 1;
    object.updated = new Date().toISOString();
    await store.saveObject(object);
    sendJson(res, 200, objectResource(object));
  }

  function requireObject(bucket: StoredBucket, name: string, query: URLSearchParams): StoredObject {
    const object = bucket.objects.get(name);
    const generation = query.get('generation');
    if (!object || (generation && generation !== String(object.generation))) {
      throw new HttpError(404, `No such object: ${bucket.name}/${name}`, 'notFound');
    }
    checkPreconditions(object, query);
    return object;
  }

  function objectResource(object: StoredObject): Record<string, unknown> {
    const path = `b/${encodeURIComponent(object.bucket)}/o/${encodeURIComponent(object.name)}`;
    return {
      kind: 'storage#object',
      id: `${object.bucket}/${object.name}/${object.generation}`,
      selfLink: `${baseUrl}/storage/v1/${path}`,
      mediaLink: `${baseUrl}/download/storage/v1/${path}?generation=${object.generation}&alt=media`,
      name: object.name,
      bucket: object.bucket,
      generation: String(object.generation),
      metageneration: String(object.metageneration),
      contentType: object.contentType,
      storageClass: 'STANDARD',
      size: String(object.size),
      md5Hash: object.md5Hash,
      crc32c: object.crc32c,
      etag: etagOf(object),
      timeCreated: object.timeCreated,
      updated: object.updated,
      ...(Object.keys(object.metadata).length ? { metadata: object.metadata } : {}),
      ...(object.kmsKeyName ? { kmsKeyName: object.kmsKeyName } : {}),
    };
  }

  function listObjects(bucket: StoredBucket, query: URLSearchParams): Record<string, unknown> {
    const prefix = query.get('prefix') ?? '';
    const delimiter = query.get('delimiter') ?? '';
    const startOffset = query.get('startOffset') ?? '';
    const endOffset = query.get('endOffset');
    const maxResults = Math.min(1000, Number(query.get('maxResults') ?? 1000) || 1000);
    const after = query.get('pageToken') ? Buffer.from(query.get('pageToken') ?? '', 'base64url').toString('utf8') : undefined;
    const entries = new Map<string, StoredObject | undefined>();
    for (const object of bucket.objects.values()) {
      const name = object.name;
      if (!name.startsWith(prefix) || byteCompare(name, startOffset) < 0) continue;
      if (endOffset && byteCompare(name, endOffset) >= 0) continue;
      const cut = delimiter ? name.indexOf(delimiter, prefix.length) : -1;
      if (cut >= 0) entries.set(name.slice(0, cut + delimiter.length), undefined);
      else entries.set(name, object);
    }
    const sorted = [...entries.keys()].sort(byteCompare).filter((key) => after === undefined || byteCompare(key, after) > 0);
    const page = sorted.slice(0, maxResults);
    const result: Record<string, unknown> = {
      kind: 'storage#objects',
      items: page.flatMap((key) => {
        const object = entries.get(key);
        return object ? [objectResource(object)] : [];
      }),
    };
    const prefixes = page.filter((key) => entries.get(key) === undefined);
    if (prefixes.length) result.prefixes = prefixes;
    if (sorted.length > page.length) result.nextPageToken = Buffer.from(page[page.length - 1], 'utf8').toString('base64url');
    return result;
  }

  function bucketResource(bucket: StoredBucket): Record<string, unknown> {
    return {
      kind: 'storage#bucket',
      id: bucket.name,
      name: bucket.name,
      selfLink: `${baseUrl}/storage/v1/b/${bucket.name}`,
      timeCreated: bucket.timeCreated,
      updated: bucket.timeCreated,
      location: 'US',
      storageClass: 'STANDARD',
      metageneration: '1',
    };
  }

  const server: Server = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const reason = error instanceof HttpError ? error.reason : 'backendError';
      const message = error instanceof Error ? error.message : String(error);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // Let the client finish sending (it may still be streaming a body) before answering.
      req.resume();
      sendJson(res, status, errorBody(status, message, reason));
    });
  });
  // Uploads of unknown length can take a while per request; never time them out.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${address.port}`;

  return {
    url: baseUrl,
    port: address.port,
    dir,
    requests,
    async stop(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions.values()) if (!session.result) await session.writer.discard().catch(() => undefined);
      if (ownDir) await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

const KMS_KEY_NAME = /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/;

/**
 * The customer-managed key an upload asks for (query `kmsKeyName`, or the object resource's), as GCS does:
 * a name that is not a Cloud KMS key name is a 400; the object records the key with its version, which is
 * what GCS reports back (the fake has one version of every key).
 */
function requestedKmsKey(query: URLSearchParams, resource: Record<string, unknown>): string | undefined {
  const asked = query.get('kmsKeyName') ?? (typeof resource.kmsKeyName === 'string' ? resource.kmsKeyName : undefined);
  if (asked === undefined || asked === '') return undefined;
  if (!KMS_KEY_NAME.test(asked)) throw new HttpError(400, 'Invalid argument: kmsKeyName is not a Cloud KMS key name', 'invalid');
  return `${asked}/cryptoKeyVersions/1`;
}

function requireBucket(store: ObjectStore, name: string): StoredBucket {
  const bucket = store.buckets.get(name);
  if (!bucket) throw new HttpError(404, `The specified bucket does not exist: ${name}`, 'notFound');
  return bucket;
}

/** GCS precondition semantics; ifGenerationMatch=0 means "only if no live object exists". */
function checkPreconditions(object: StoredObject | undefined, query: URLSearchParams): void {
  const generation = object ? String(object.generation) : '0';
  const metageneration = object ? String(object.metageneration) : undefined;
  const fail = (): never => {
    throw new HttpError(412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet');
  };
  const ifGenerationMatch = query.get('ifGenerationMatch');
  if (ifGenerationMatch !== null && ifGenerationMatch !== generation) fail();
  const ifGenerationNotMatch = query.get('ifGenerationNotMatch');
  if (ifGenerationNotMatch !== null && ifGenerationNotMatch === generation) fail();
  const ifMetagenerationMatch = query.get('ifMetagenerationMatch');
  if (ifMetagenerationMatch !== null && ifMetagenerationMatch !== metageneration) fail();
  const ifMetagenerationNotMatch = query.get('ifMetagenerationNotMatch');
  if (ifMetagenerationNotMatch !== null && ifMetagenerationNotMatch === metageneration) fail();
}

function etagOf(object: StoredObject): string {
  return createHash('md5').update(`${object.generation}:${object.metageneration}`).digest('base64').slice(0, 12);
}

function errorBody(code: number, message: string, reason: string): Record<string, unknown> {
  return { error: { code, message, errors: [{ domain: 'global', reason, message }] } };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function stringRecord(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) result[k] = String(v);
  }
  return result;
}

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

async function readSmallBody(req: IncomingMessage, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, 'request body too large for a metadata request');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req as AsyncIterable<Buffer>) {
    // discard
  }
}

/**
 * Azure Blob Storage through @azure/storage-blob 12. Credentials come only from the environment:
 * AZURE_STORAGE_CONNECTION_STRING (also how tests reach Azurite), or AZURE_STORAGE_ACCOUNT +
 * AZURE_STORAGE_KEY. Blobs of known size up to `singlePutMaxBytes` go up as one streamed Put Blob;
 * others as block uploads (stage blocks of `blockSize`, at most `maxConcurrency` in flight and in
 * memory, then one commit). Either way a blob appears only complete.
 */
import type { BlobServiceClient, BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import { Readable } from 'node:stream';
import {
  Capabilities,
  EnsureBucketOptions,
  GetOptions,
  ListEntry,
  ListOptions,
  ObjectInfo,
  PutOptions,
  PutResult,
  PutSource,
  SHA256_METADATA_KEY,
  StorageBackend,
} from '../../backend';
import { AlreadyExistsError, ErrorClass, StorageError } from '../../errors';
import { StorageProxy } from '../../features';
import { compareKeys, validateKey, validatePrefix } from '../../keys';
import { checkRange, guardDownload, tapPutSource } from '../common';
import { azureSdk } from '../sdks';
import { azureErrorCode, azureStatus, classifyAzureError, toAzureStorageError } from './azure-errors';

export interface AzureBackendOptions {
  /** Container name. */
  bucket: string;
  /** Blob endpoint override for account+key credentials, e.g. a sovereign cloud. */
  endpoint?: string;
  blockSize?: number;
  /** Blobs of known size up to this use one streamed Put Blob (default 64 MiB, max 5000 MiB). */
  singlePutMaxBytes?: number;
  maxConcurrency?: number;
  listPageSize?: number;
  /** SDK-level attempts per request (1 disables the SDK's own retries). */
  sdkMaxTries?: number;
  /** Forward proxy for every request. */
  proxy?: StorageProxy;
  env?: NodeJS.ProcessEnv;
}

const MIB = 1024 * 1024;

export class AzureBackend implements StorageBackend {
  readonly name: string;
  readonly capabilities: Capabilities = {
    provider: 'azure',
    maxObjectSize: 190 * 1024 * 1024 * MIB,
    multipart: true,
    atomicPut: true,
    conditionalPut: 'atomic',
    rangeReads: true,
    hashMetadata: 'always',
  };
  private readonly container: ContainerClient;
  private readonly blockSize: number;
  private readonly singlePutMaxBytes: number;
  private readonly maxConcurrency: number;
  private readonly pageSize: number;

  constructor(options: AzureBackendOptions) {
    const env = options.env ?? process.env;
    this.name = `azure://${options.bucket}`;
    const proxy = options.proxy;
    const pipelineOptions = {
      retryOptions: { maxTries: options.sdkMaxTries ?? 3 },
      // The SDK sets user and password on a proxy URL, whose agents decode them for Proxy-Authorization: encoded
      // here so that any character (a '%' too) arrives as given.
      proxyOptions: proxy
        ? {
            host: `${proxy.protocol}://${proxy.host}`,
            port: proxy.port,
            username: proxy.username === undefined ? undefined : encodeURIComponent(proxy.username),
            password: proxy.password === undefined ? undefined : encodeURIComponent(proxy.password),
          }
        : undefined,
    };
    const { BlobServiceClient, StorageSharedKeyCredential } = azureSdk();
    let service: BlobServiceClient;
    if (env.AZURE_STORAGE_CONNECTION_STRING) {
      service = BlobServiceClient.fromConnectionString(env.AZURE_STORAGE_CONNECTION_STRING, pipelineOptions);
    } else if (env.AZURE_STORAGE_ACCOUNT && env.AZURE_STORAGE_KEY) {
      const account = env.AZURE_STORAGE_ACCOUNT;
      const endpoint = options.endpoint ?? env.AZURE_STORAGE_BLOB_ENDPOINT ?? `https://${account}.blob.core.windows.net`;
      service = new BlobServiceClient(endpoint, new StorageSharedKeyCredential(account, env.AZURE_STORAGE_KEY), pipelineOptions);
    } else {
      throw new StorageError(
        'permanent',
        'azure: no credentials: set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY',
        {
          provider: 'azure',
          code: 'no-credentials',
        },
      );
    }
    this.container = service.getContainerClient(options.bucket);
    this.blockSize = options.blockSize ?? 8 * MIB;
    this.singlePutMaxBytes = Math.min(options.singlePutMaxBytes ?? 64 * MIB, 5000 * MIB);
    this.maxConcurrency = options.maxConcurrency ?? 4;
    this.pageSize = options.listPageSize ?? 1000;
  }

  async ensureBucket(options: EnsureBucketOptions): Promise<void> {
    try {
      if (await this.container.exists()) return;
      if (!options.create) {
        throw new StorageError('not-found', `azure: container ${this.container.containerName} does not exist`, {
          provider: 'azure',
          operation: 'ensureBucket',
          status: 404,
        });
      }
      await this.container.createIfNotExists();
    } catch (error) {
      throw toAzureStorageError(error, 'ensureBucket');
    }
  }

  async put(key: string, source: PutSource, options: PutOptions = {}): Promise<PutResult> {
    validateKey(key, 'azure');
    const details = { provider: 'azure', key, operation: 'put' };
    const tap = tapPutSource(source, options, details);
    const blob: BlockBlobClient = this.container.getBlockBlobClient(key);
    try {
      // A failed source (or a size/hash mismatch) must end the request at once: without the abort
      // the SDK treats it as a network error and retries with a consumed stream, for minutes.
      const abort = new AbortController();
      tap.once('error', () => abort.abort());
      const common = {
        abortSignal: abort.signal,
        blobHTTPHeaders: { blobContentType: options.contentType ?? 'application/octet-stream' },
        metadata: options.sha256 ? { [SHA256_METADATA_KEY]: options.sha256 } : undefined,
        conditions: options.ifNotExists ? { ifNoneMatch: '*' } : undefined,
      };
      // Known, moderate size: one Put Blob streamed from the source; otherwise staged blocks.
      const uploaded =
        options.size !== undefined && options.size <= this.singlePutMaxBytes
          ? await blob.upload(() => tap, options.size, common)
          : await blob.uploadStream(tap, this.blockSize, this.maxConcurrency, common);
      // A failed source may end the upload early without rejecting it; never report that as success.
      const cause = (tap as { errored?: unknown }).errored;
      if (cause) throw cause;
      let etag = uploaded.etag;
      if (!options.sha256) {
        const patched = await blob.setMetadata({ [SHA256_METADATA_KEY]: tap.digestHex }, { conditions: { ifMatch: etag } });
        etag = patched.etag ?? etag;
      }
      return { key, size: tap.byteCount, sha256: tap.digestHex, etag };
    } catch (error) {
      tap.destroy();
      const cause = (tap as { errored?: unknown }).errored;
      if (cause instanceof StorageError) throw cause;
      if (error instanceof StorageError) throw error;
      if (
        options.ifNotExists &&
        (azureStatus(error) === 409 || azureStatus(error) === 412 || azureErrorCode(error) === 'BlobAlreadyExists')
      ) {
        throw new AlreadyExistsError(details);
      }
      throw toAzureStorageError(error, 'put', key);
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    validateKey(key, 'azure');
    const details = { provider: 'azure', key, operation: 'get' };
    const rangeProblem = checkRange(options.range);
    if (rangeProblem) throw new StorageError('permanent', `azure: ${rangeProblem}`, { ...details, code: 'invalid-range' });
    const range = options.range;
    try {
      const count = range?.end === undefined ? undefined : range.end - range.start + 1;
      const response = await this.container.getBlobClient(key).download(range?.start ?? 0, count);
      const body = response.readableStreamBody;
      if (!body) throw new StorageError('permanent', 'azure: download returned no body', details);
      // Azure answers 416 for a range starting at or past the end; Azurite answers an open-ended one with no bytes.
      // A range starting inside the object returns at least one byte, so no bytes means it started past the end.
      if (range && range.start > 0 && response.contentLength === 0) {
        if ('destroy' in body && typeof body.destroy === 'function') body.destroy();
        throw new StorageError('permanent', `azure: range start ${range.start} is beyond the object size`, {
          ...details,
          code: 'invalid-range',
          status: 416,
        });
      }
      const stream = body instanceof Readable ? body : Readable.from(body);
      return guardDownload(stream, options.expected, details, (e) => toAzureStorageError(e, 'get', key));
    } catch (error) {
      throw toAzureStorageError(error, 'get', key);
    }
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    validateKey(key, 'azure');
    try {
      const props = await this.container.getBlobClient(key).getProperties();
      const metadata = props.metadata ?? {};
      return {
        size: props.contentLength ?? 0,
        lastModified: props.lastModified ?? new Date(0),
        etag: props.etag,
        sha256: metadata[SHA256_METADATA_KEY],
        metadata,
      };
    } catch (error) {
      if (classifyAzureError(error) === 'not-found') return undefined;
      throw toAzureStorageError(error, 'stat', key);
    }
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ListEntry> {
    validatePrefix(prefix, 'azure');
    const listOptions = { prefix: prefix || undefined };
    try {
      if (options.delimiter) {
        const pages = this.container.listBlobsByHierarchy(options.delimiter, listOptions).byPage({ maxPageSize: this.pageSize });
        for await (const page of pages) {
          const entries: ListEntry[] = [
            ...(page.segment.blobPrefixes ?? []).map((p) => ({ key: p.name, isPrefix: true })),
            ...page.segment.blobItems.map((b) => ({
              key: b.name,
              isPrefix: false,
              size: b.properties.contentLength,
              lastModified: b.properties.lastModified,
              etag: b.properties.etag,
            })),
          ];
          yield* entries.sort((a, b) => compareKeys(a.key, b.key));
        }
      } else {
        const pages = this.container.listBlobsFlat(listOptions).byPage({ maxPageSize: this.pageSize });
        for await (const page of pages) {
          for (const b of page.segment.blobItems) {
            yield {
              key: b.name,
              isPrefix: false,
              size: b.properties.contentLength,
              lastModified: b.properties.lastModified,
              etag: b.properties.etag,
            };
          }
        }
      }
    } catch (error) {
      throw toAzureStorageError(error, 'list');
    }
  }

  async delete(key: string): Promise<void> {
    validateKey(key, 'azure');
    try {
      await this.container.getBlobClient(key).deleteIfExists();
    } catch (error) {
      if (classifyAzureError(error) === 'not-found') return;
      throw toAzureStorageError(error, 'delete', key);
    }
  }

  classifyError(error: unknown): ErrorClass {
    return classifyAzureError(error);
  }

  async close(): Promise<void> {
    // HTTP agents are shared by the SDK; nothing to release per backend.
  }
}

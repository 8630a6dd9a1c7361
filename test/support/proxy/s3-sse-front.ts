/**
 * An HTTP front for s3rver that records what every request asked about server-side encryption and, when
 * `honour` is on, answers as AWS S3 does for SSE-KMS: the PUT, CreateMultipartUpload, CompleteMultipartUpload,
 * HEAD and GET answers of an object written with a KMS key carry `x-amz-server-side-encryption: aws:kms` and the
 * key's ARN. s3rver itself ignores SSE headers, so this is what lets a test tell "the client asked" from "the
 * store did it" — and, with `honour` off, prove that a store ignoring SSE is detected.
 */
import { createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface SseRecord {
  method: string;
  path: string;
  query: string;
  /** x-amz-server-side-encryption of the request */
  sse?: string;
  /** x-amz-server-side-encryption-aws-kms-key-id of the request */
  kmsKeyId?: string;
}

export interface S3SseFront {
  endpoint: string;
  records: SseRecord[];
  honour: boolean;
  /** the object writes seen: single PUTs (not part uploads) and multipart creates */
  writes(): SseRecord[];
  close(): Promise<void>;
}

const KEY_ARN = (id: string) => `arn:aws:kms:us-east-1:111122223333:key/${id}`;

export async function startS3SseFront(upstream: string): Promise<S3SseFront> {
  const target = new URL(upstream);
  const keys = new Map<string, string>();
  const front: S3SseFront = {
    endpoint: '',
    records: [],
    honour: true,
    writes: () => front.records.filter((r) => isObjectWrite(r.method, r.path, r.query)),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const [path, query = ''] = (req.url ?? '/').split('?');
    const record: SseRecord = {
      method: req.method ?? '',
      path,
      query,
      sse: header(req, 'x-amz-server-side-encryption'),
      kmsKeyId: header(req, 'x-amz-server-side-encryption-aws-kms-key-id'),
    };
    front.records.push(record);
    const write = isObjectWrite(record.method, path, query);
    if (write && record.sse === 'aws:kms' && record.kmsKeyId) keys.set(path, record.kmsKeyId);
    else if (write) keys.delete(path);
    const upstreamRequest = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upstreamResponse) => {
        const headers = { ...upstreamResponse.headers };
        const key = keys.get(path);
        if (front.honour && key && (upstreamResponse.statusCode ?? 500) < 300) {
          headers['x-amz-server-side-encryption'] = 'aws:kms';
          headers['x-amz-server-side-encryption-aws-kms-key-id'] = KEY_ARN(key);
        }
        res.writeHead(upstreamResponse.statusCode ?? 502, headers);
        upstreamResponse.pipe(res);
      },
    );
    upstreamRequest.on('error', () => res.destroy());
    req.pipe(upstreamRequest);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  front.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return front;
}

/** A PutObject or CreateMultipartUpload (path-style: /bucket/key); not a part upload, not a bucket creation. */
function isObjectWrite(method: string, path: string, query: string): boolean {
  if (path.split('/').filter(Boolean).length < 2) return false;
  if (method === 'PUT') return !/(^|&)(partNumber|uploadId)=/.test(query);
  return method === 'POST' && /(^|&)uploads(=|&|$)/.test(query);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
